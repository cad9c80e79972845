/**
 * `npm run bench [corpus|providers|media|pipeline|pipeline-scale|queue|eval|site|review] [flags]`: the benchmarks, each printing its
 * figures against a baseline or limit measured in the same run. Without a name, all of them but pipeline-scale (about an hour).
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { runtimeEnv, runtimeFlags } from "./runtime.ts"

const suites = [
  "corpus",
  "providers",
  "media",
  "pipeline",
  "pipeline-scale",
  "queue",
  "eval",
  "site",
  "review"
] as const
const [first, ...rest] = process.argv.slice(2)
const chosen = suites.includes(first as never)
  ? [first as (typeof suites)[number]]
  : suites.filter((s) => s !== "pipeline-scale")
const flags = suites.includes(first as never) ? rest : process.argv.slice(2)
let failed = false
for (const suite of chosen) {
  const script = fileURLToPath(new URL(`./${suite}.ts`, import.meta.url))
  const r = spawnSync(process.execPath, [...runtimeFlags, script, ...flags], { stdio: "inherit", env: runtimeEnv })
  if (r.status !== 0) failed = true
  console.log()
}
process.exit(failed ? 1 : 0)
