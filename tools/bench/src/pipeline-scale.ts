/**
 * How the pipeline engine scales with the corpus (issue: "memory bounded by the work in flight, not by the
 * corpus"): the pipeline benchmark at 10,000 videos (the baseline) and at 50,000, each in its own process,
 * one after the other. Targets: the larger run within 5.5x the time, within 1.2x the peak RSS, and under
 * 1 GiB. `--small N --large M` for other sizes.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { runtimeEnv, runtimeFlags } from "./runtime.ts"

const argv = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(name)
  return at >= 0 ? Number(argv[at + 1]) : fallback
}
const sizes = [flag("--small", 10_000), flag("--large", 50_000)] as const
const script = fileURLToPath(new URL("./pipeline.ts", import.meta.url))

const measure = (videos: number) => {
  const r = spawnSync(process.execPath, [...runtimeFlags, script, "--videos", String(videos)], {
    encoding: "utf8",
    env: runtimeEnv,
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024
  })
  process.stdout.write(r.stdout)
  const seconds = Number(/all stages, overlapping: ([\d.]+) s wall/.exec(r.stdout)?.[1])
  const rss = Number(/peak RSS (\d+) MiB/.exec(r.stdout)?.[1])
  if (r.status !== 0 || !Number.isFinite(seconds) || !Number.isFinite(rss)) {
    console.error(`the pipeline benchmark at ${videos} videos failed (exit ${r.status})`)
    process.exit(1)
  }
  return { seconds, rss }
}

const small = measure(sizes[0])
const large = measure(sizes[1])
const times = large.seconds / small.seconds
const memory = large.rss / small.rss
const verdict = (ok: boolean) => (ok ? "met" : "MISSED")
console.log(
  `pipeline scale, ${sizes[0].toLocaleString("en")} videos (baseline) against ${sizes[1].toLocaleString("en")} (${(sizes[1] / sizes[0]).toFixed(1)}x the items):`
)
console.log(
  `  wall time     ${small.seconds.toFixed(1)} s -> ${large.seconds.toFixed(1)} s: ${times.toFixed(2)}x (target <= 5.5x: ${verdict(times <= 5.5)})`
)
console.log(
  `  peak RSS      ${small.rss} MiB -> ${large.rss} MiB: ${memory.toFixed(2)}x (target <= 1.2x: ${verdict(memory <= 1.2)}; under 1 GiB: ${verdict(large.rss < 1024)})`
)
