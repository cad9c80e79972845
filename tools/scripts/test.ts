/**
 * `npm test`: every project's type check and tests through Nx (cached), then one summary line for the
 * whole workspace, "N passed, M failed", from the vitest JSON reports. Exits non-zero on any failure.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))
const projects = ["packages/core", "packages/providers", "packages/filters", "packages/eval", "packages/cli", "sites/leaderboard", "tools"]
const reports = projects.map((p) => join(root, p, "test-results.json"))
// stale reports must not count: Nx restores the current ones from its cache or the runs write them
for (const r of reports) rmSync(r, { force: true })

const nx = spawnSync("nx", ["run-many", "-t", "typecheck", "test", "--output-style=stream-without-prefixes", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit"
})

let passed = 0
let failed = 0
let skipped = 0
for (const r of reports) {
  if (!existsSync(r)) continue
  const report = JSON.parse(readFileSync(r, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
}
const code = nx.status ?? 1
// a task that failed before its tests ran (type errors, a crash) counts as a failure too
if (code !== 0 && failed === 0) failed = 1
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`)
process.exit(code)
