/**
 * The queue benchmark (issue: "a loopback provider of realistic latency (1-3 s) and a per-worker CPU cost
 * per item (frame sampling of real clips), 1 vs 3 worker processes on this machine, and the global limit
 * held"): a coordinator (this process: the engine, a real DuckDB store, the queue's executor) hands
 * `--items` (400) items to 1, then 3, worker processes through a redis-server of its own. Each item samples
 * frames of a real clip with ffmpeg and asks a loopback model that answers in 1-3 s and enforces
 * `--rpm` (300) requests per minute, a limit the workers hold together through Redis. Printed per run:
 * items/s, the share of the provider's limit used while the run was at it (target >= 95% once the
 * workers can reach it, never above: no 429 at the server), and the coordinator's CPU time per item
 * (target < 2 ms).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { CorpusStore, makeCallRecorder, Media, ModelRegistry, runStages } from "@videokr/core"
import { testVideos } from "@videokr/core/testing"
import { makeModels, middlewareLayer, registryOf } from "@videokr/providers"
import { defaultPrefix, makeCoordinator, parseQueueUrl } from "@videokr/queue"
import { startRedis } from "@videokr/queue/testing"
import { benchStage } from "./queue-stage.ts"

const argv = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(name)
  return at >= 0 ? Number(argv[at + 1]) : fallback
}
const items = flag("--items", 400)
const rpm = flag("--rpm", 300)
const perWorker = 8
const clips = Object.values(testVideos()).filter((p) => /(base|lecture|life|bars|mandelbrot)\.mp4$/.test(p))
const workerScript = fileURLToPath(new URL("./queue-worker.ts", import.meta.url))

/** The model server, in its own process: its URL, and what it counted when asked. */
const startServer = async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./queue-server.ts", import.meta.url)), String(rpm)], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const url = (await lines.next()).value as string
  return {
    url,
    counters: async () => {
      child.stdin!.write("\n")
      return JSON.parse((await lines.next()).value as string) as { accepted: number; rejected: number; firstAcceptedAt: number; lastAcceptedAt: number }
    },
    stop: async () => {
      child.kill("SIGTERM")
      if (child.exitCode === null) await once(child, "exit")
    }
  }
}

const runWith = async (workers: number) => {
  const server = await startServer()
  const redis = await startRedis()
  const model = `openai-compatible:${server.url}/v1#bench-vlm`
  const dir = mkdtempSync(join(tmpdir(), "videokr-bench-queue-"))
  const children: Array<ChildProcess> = Array.from({ length: workers }, (_, i) =>
    spawn(process.execPath, [workerScript, redis.url, model, String(rpm), String(perWorker), join(dir, `frames-${i}`), join(dir, "cache"), String(items)], { stdio: ["ignore", "ignore", "inherit"] }))
  try {
    const program = Effect.gen(function* () {
      const calls = yield* makeCallRecorder()
      const coordinator = yield* makeCoordinator<Media.Media | ModelRegistry>({
        address: parseQueueUrl(redis.url),
        prefix: defaultPrefix,
        local: new Set(),
        config: "bench",
        barred: [],
        recordCalls: (rows) => Effect.forEach(rows, (r) => Effect.orDie(calls.recordRow(r)), { discard: true })
      })
      // the coordinator's own models are never asked (the workers do the items): they only type the stage
      const models = yield* makeModels({ config: {}, env: {}, cache: { dir: join(dir, "unused"), mode: "off" } })
      const services = Layer.mergeAll(Layer.succeed(ModelRegistry, registryOf(models, {})), Media.layer({ cacheDir: join(dir, "frames-coordinator") }))
      const cpu = process.cpuUsage()
      const started = performance.now()
      const [run] = yield* runStages([{ stage: benchStage(model, clips, items), concurrency: 64 }], { executor: coordinator.executor, batchSize: 64, batchesInFlight: 4 }).pipe(Effect.provide(services))
      const seconds = (performance.now() - started) / 1000
      const used = process.cpuUsage(cpu)
      yield* calls.flush
      return { run: run!, seconds, cpuMsPerItem: (used.user + used.system) / 1000 / items }
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(CorpusStore.layer({ path: join(dir, "corpus.duckdb") }), middlewareLayer)))
    const { run, seconds, cpuMsPerItem } = await Effect.runPromise(program)
    const c = await server.counters()
    const activeMinutes = (c.lastAcceptedAt - c.firstAcceptedAt) / 60_000
    const share = activeMinutes > 0 ? (c.accepted - 1) / activeMinutes / rpm : 0
    return { workers, processed: run.processed, errors: run.errors, itemsPerSecond: run.processed / seconds, share, rejected: c.rejected, cpuMsPerItem }
  } finally {
    for (const child of children) child.kill("SIGTERM")
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, "exit") : undefined)))
    await redis.stop()
    await server.stop()
  }
}

const one = await runWith(1)
const three = await runWith(3)
console.log(`queue: ${items} items (frames of a real clip with ffmpeg, then a model answering in 1-3 s), the provider's limit ${rpm} requests/min held by all workers together, ${perWorker} items at once per worker:`)
console.log(`  workers   items/s   vs 1 worker   limit used   429s at the server   coordinator CPU per item`)
for (const r of [one, three]) {
  console.log(`  ${String(r.workers).padStart(7)} ${r.itemsPerSecond.toFixed(2).padStart(9)} ${`${(r.itemsPerSecond / one.itemsPerSecond).toFixed(2)}x`.padStart(13)} ${`${(r.share * 100).toFixed(1)}%`.padStart(12)} ${String(r.rejected).padStart(20)} ${`${r.cpuMsPerItem.toFixed(2)} ms`.padStart(26)}`)
  if (r.processed !== items || r.errors > 0) console.log(`    (${r.processed} of ${items} items done, ${r.errors} errors)`)
}
console.log(`  targets: with 3 workers the limit used >= 95% and never above (no 429 at the server); coordinator CPU < 2 ms per item`)
