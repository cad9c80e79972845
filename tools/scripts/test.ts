/**
 * `npm test`: the lint run, then every project's type check and tests through Nx (cached), then one
 * summary line for the whole workspace, "N passed, M failed", from the vitest JSON reports. Exits
 * non-zero on any failure.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))
// every workspace folder (package.json's workspaces, "dir/*" expanded) that may hold a project's report:
// a new package counts without a change here
const workspaces = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: Array<string> })
  .workspaces
const projects = workspaces.flatMap((w) =>
  w.endsWith("/*") ? readdirSync(join(root, w.slice(0, -2))).map((p) => `${w.slice(0, -2)}/${p}`) : [w]
)
const reports = projects.map((p) => join(root, p, "test-results.json"))
// stale reports must not count: Nx restores the current ones from its cache or the runs write them
for (const r of reports) rmSync(r, { force: true })

// (Nx runs three tasks at once; all fourteen at once was measured slower: the CLI's long serial tests then
// compete with every other package for the two cores. Each line is prefixed with its project.)
// The tests' temporary folders (stores, caches, a new user's npm folder: about 2 GB a run) go in one
// folder of this run's, removed at the end, so that test runs on a CI machine do not fill its disk.
// The lint run first (Biome, biome.jsonc: formatting, the recommended rules and the package boundaries):
// seconds, and a boundary crossed is worth knowing before the tests' minutes.
const lint = spawnSync("biome", ["ci", "--colors=off", "--error-on-warnings"], { cwd: root, stdio: "inherit" })
const tmp = mkdtempSync(join(tmpdir(), "videokr-tests-"))
const nx = spawnSync("nx", ["run-many", "-t", "typecheck", "test", "--output-style=stream", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TMPDIR: tmp }
})
rmSync(tmp, { recursive: true, force: true })

interface Report {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly numPendingTests: number
  readonly numTodoTests: number
  readonly testResults: ReadonlyArray<{
    readonly name: string
    readonly message?: string
    readonly status?: string
    readonly assertionResults: ReadonlyArray<{
      readonly fullName: string
      readonly status: string
      readonly duration?: number | null
      readonly failureMessages?: ReadonlyArray<string> | null
    }>
  }>
}

let passed = 0
let failed = 0
let skipped = 0
const durations: Array<{ readonly test: string; readonly ms: number }> = []
const failures: Array<{ readonly test: string; readonly message: string }> = []
for (const r of reports) {
  if (!existsSync(r)) continue
  const report = JSON.parse(readFileSync(r, "utf8")) as Report
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  for (const file of report.testResults) {
    for (const t of file.assertionResults) {
      const test = `${relative(root, file.name)} > ${t.fullName}`
      durations.push({ test, ms: t.duration ?? 0 })
      if (t.status === "failed") failures.push({ test, message: (t.failureMessages ?? []).join("\n") })
    }
    // a file that failed outside its tests (a hook, an import)
    if (file.status === "failed" && file.assertionResults.every((t) => t.status !== "failed"))
      failures.push({ test: relative(root, file.name), message: file.message ?? "" })
  }
}
const code = nx.status !== 0 ? (nx.status ?? 1) : lint.status !== 0 ? 1 : 0
if (lint.status !== 0)
  failures.push({
    test: "biome lint",
    message: "the lint run failed: its messages are above (npx biome ci; npx biome format --write fixes the formatting)"
  })
// a task that failed before its tests ran (type errors, a crash) counts as a failure too
if (code !== 0 && failed === 0) failed = 1
// where the time goes, so that a test that grows slow is seen (reports restored from Nx's cache give the time of the run that made them)
const slowest = durations.sort((a, b) => b.ms - a.ms).slice(0, 10)
if (slowest.length > 0) {
  console.log("\nslowest tests:")
  for (const { test, ms } of slowest)
    console.log(`${(ms / 1000).toFixed(1).padStart(8)} s  ${test.length > 150 ? `${test.slice(0, 147)}...` : test}`)
}
// the failures again at the end, where a log cut to its last lines (CI) still shows them
for (const { test, message } of failures) {
  const lines = message.split("\n")
  console.log(
    `\nFAILED ${test}\n${lines.slice(0, 25).join("\n")}${lines.length > 25 ? `\n... (${lines.length - 25} more lines: the whole message is in the log above)` : ""}`
  )
}
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`)
process.exit(code)
