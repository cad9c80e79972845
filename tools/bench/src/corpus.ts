/**
 * `npm run bench`: the foundation benchmark (issue: import, stats, exports on 315,000 examples).
 * Every phase runs in its own process; the import is compared with DuckDB's own read_json of the same
 * file, measured in the same run. Flags: --examples N (default 315000), --keep (keep the scratch folder).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { writeSyntheticCorpus } from "./synthetic.ts"

const argv = process.argv.slice(2)
const flag = (name: string) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const examples = Number(flag("--examples") ?? 315_000)
const keep = argv.includes("--keep")
const dir = mkdtempSync(join(tmpdir(), "videokr-bench-"))
const phaseScript = fileURLToPath(new URL("./phase.ts", import.meta.url))

interface Measured {
  readonly phase: string
  readonly ms: number
  readonly maxRssMiB: number
  readonly detail: unknown
}

const measure = (label: string, ...args: Array<string>): Measured & { label: string } => {
  const r = spawnSync(
    process.execPath,
    ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", phaseScript, ...args],
    {
      encoding: "utf8",
      maxBuffer: 64 << 20
    }
  )
  if (r.status !== 0) throw new Error(`phase ${label} failed:\n${r.stderr}`)
  const line = r.stdout.trim().split("\n").at(-1)!
  return { label, ...(JSON.parse(line) as Measured) }
}

const file = join(dir, "corpus.jsonl")
const db = join(dir, "corpus.duckdb")
console.log(`videokr bench: ${examples.toLocaleString("en")} synthetic examples in ${dir}`)
const start = performance.now()
await writeSyntheticCorpus(file, examples)
console.log(
  `generated ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB of VideoKR JSONL in ${((performance.now() - start) / 1000).toFixed(1)} s\n`
)

const rows = [
  measure("duckdb read_json (baseline)", "read_json", file, join(dir, "baseline.duckdb")),
  measure("import (videokr)", "import", file, db),
  measure("stats", "stats", db),
  measure("split", "split", db),
  ...(["videokr", "llamafactory", "verl", "trl"] as const).map((f) =>
    measure(`export ${f}`, "export", f, db, join(dir, "exports"))
  )
]

const baseline = rows[0]!.ms
const pad = (s: string, n: number) => s.padEnd(n)
console.log(`${pad("phase", 30)}${"time".padStart(10)}${"vs baseline".padStart(13)}${"peak RSS".padStart(12)}`)
for (const r of rows) {
  console.log(
    `${pad(r.label, 30)}${`${(r.ms / 1000).toFixed(2)} s`.padStart(10)}${`${(r.ms / baseline).toFixed(2)}x`.padStart(13)}${`${r.maxRssMiB.toFixed(0)} MiB`.padStart(12)}`
  )
}

const importRatio = rows[1]!.ms / baseline
const statsMs = rows[2]!.ms
const peak = Math.max(...rows.slice(1).map((r) => r.maxRssMiB))
const check = (ok: boolean) => (ok ? "met" : "MISSED")
console.log(`\ntargets:
  import within 3x of DuckDB's read_json: ${importRatio.toFixed(2)}x  ${check(importRatio <= 3)}
  stats < 2 s: ${(statsMs / 1000).toFixed(3)} s  ${check(statsMs < 2000)}
  peak RSS < 1 GiB (import, stats, split, exports): ${peak.toFixed(0)} MiB  ${check(peak < 1024)}`)

if (!keep) rmSync(dir, { recursive: true, force: true })
