/**
 * `npm run test:stress`: the whole suite (`npm test`, Nx's cache skipped so that every test runs) while
 * eight busy processes oversubscribe the CPUs, as on a CI machine that other work shares. It must pass:
 * a test that only passes on an idle machine is a flaky test.
 */
import { spawn, spawnSync } from "node:child_process"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))
const busy = Number(process.env["VIDEOKR_STRESS_PROCESSES"] ?? 8)

// each spins until the suite ends, and stops by itself if this process dies without saying so
const spinner = `const parent = ${process.pid}; for (let i = 1; ; i++) if (i % 50_000_000 === 0 && process.ppid !== parent) process.exit(0)`
const spinners = Array.from({ length: busy }, () => spawn(process.execPath, ["-e", spinner], { stdio: "ignore" }))
const stop = () => {
  for (const s of spinners) s.kill("SIGKILL")
}
process.on("exit", stop)
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130))

console.log(
  `test:stress: ${busy} busy processes on ${availableParallelism()} CPUs, then npm test with Nx's cache skipped`
)
const started = performance.now()
const suite = spawnSync(
  process.execPath,
  [fileURLToPath(new URL("test.ts", import.meta.url)), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NX_SKIP_NX_CACHE: "true" }
  }
)
stop()
const minutes = (performance.now() - started) / 60_000
console.log(
  `test:stress: ${suite.status === 0 ? "passed" : "FAILED"} in ${minutes.toFixed(1)} min under ${busy} busy processes`
)
process.exit(suite.status ?? 1)
