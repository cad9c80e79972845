/**
 * The queue benchmark (issue: "a loopback provider of realistic latency (1-3 s) and a per-worker CPU cost
 * per item (frame sampling of real clips), 1 vs 3 worker processes on this machine, and the global limit
 * held"): a coordinator (this process: the engine, a real DuckDB store, the queue's executor) hands
 * `--items` (400) items to 1, then 3, worker processes through a redis-server of its own. Each item samples
 * frames of a real clip with ffmpeg and asks a loopback model that answers in 1-3 s and enforces
 * `--rpm` (300) requests per minute, a limit the workers hold together through Redis. Printed per run:
 * items/s, the share of the provider's limit used while the run was at it (target >= 95% once the
 * workers can reach it, never above: no 429 at the server), the server's longest event-loop stall (a
 * stall there counts requests that arrived apart as one burst), the coordinator's CPU time per item, and
 * of that the queue's share: above the same engine's with each item answered in-process (target < 2 ms).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect, Layer, type Scope } from "effect"
import {
  type CallRow,
  CorpusStore,
  type ItemExecutor,
  type ItemOutcome,
  makeCallRecorder,
  Media,
  ModelRegistry,
  runStages
} from "@videokr/core"
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

const modelOf = (url: string) => `openai-compatible:${url}/v1#bench-vlm`

/** The model server, in its own process: its URL, and what it counted when asked. */
const startServer = async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./queue-server.ts", import.meta.url)), String(rpm)], {
    stdio: ["pipe", "pipe", "inherit"]
  })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const url = (await lines.next()).value as string
  return {
    url,
    counters: async () => {
      child.stdin!.write("\n")
      return JSON.parse((await lines.next()).value as string) as {
        accepted: number
        rejected: number
        firstAcceptedAt: number
        lastAcceptedAt: number
        maxStallMs: number
      }
    },
    stop: async () => {
      child.kill("SIGTERM")
      if (child.exitCode === null) await once(child, "exit")
    }
  }
}

/** What the coordinator got back from its workers: each item's outcome and its calls' rows, in the order they came. */
interface Received {
  readonly outcomes: Array<ItemOutcome>
  readonly rows: Array<CallRow>
}

/**
 * Runs the bench stage through `executor` with the coordinator's engine (the store, the ledger, batches of 64,
 * four in flight) and returns the run and the CPU time it took this process.
 */
const runEngine = (
  dir: string,
  model: string,
  count: number,
  makeExecutor: (
    record: (rows: ReadonlyArray<CallRow>) => Effect.Effect<void>
  ) => Effect.Effect<ItemExecutor<Media.Media | ModelRegistry>, never, Scope.Scope>
) =>
  Effect.gen(function* () {
    const calls = yield* makeCallRecorder()
    const executor = yield* makeExecutor((rows) =>
      Effect.forEach(rows, (r) => Effect.orDie(calls.recordRow(r)), { discard: true })
    )
    // the coordinator's own models are never asked (the workers do the items): they only type the stage
    const models = yield* makeModels({ config: {}, env: {}, cache: { dir: join(dir, "unused"), mode: "off" } })
    const services = Layer.mergeAll(
      Layer.succeed(ModelRegistry, registryOf(models, {})),
      Media.layer({ cacheDir: join(dir, "frames-coordinator") })
    )
    const cpu = process.cpuUsage()
    const started = performance.now()
    const [run] = yield* runStages([{ stage: benchStage(model, clips, count), concurrency: 64 }], {
      executor,
      batchSize: 64,
      batchesInFlight: 4
    }).pipe(Effect.provide(services))
    yield* calls.flush
    const used = process.cpuUsage(cpu)
    return {
      run: run!,
      seconds: (performance.now() - started) / 1000,
      cpuMsPerItem: (used.user + used.system) / 1000 / count
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(CorpusStore.layer({ path: join(dir, "corpus.duckdb") }), middlewareLayer))
  )

const runWith = async (workers: number, count: number, received?: Received) => {
  const server = await startServer()
  const redis = await startRedis()
  const model = modelOf(server.url)
  const dir = mkdtempSync(join(tmpdir(), "videokr-bench-queue-"))
  const children: Array<ChildProcess> = Array.from({ length: workers }, (_, i) =>
    spawn(
      process.execPath,
      [
        workerScript,
        redis.url,
        model,
        String(rpm),
        String(perWorker),
        join(dir, `frames-${i}`),
        join(dir, "cache"),
        String(count)
      ],
      { stdio: ["ignore", "ignore", "inherit"] }
    )
  )
  try {
    const { run, seconds, cpuMsPerItem } = await Effect.runPromise(
      runEngine(dir, model, count, (record) =>
        Effect.map(
          makeCoordinator<Media.Media | ModelRegistry>({
            address: parseQueueUrl(redis.url),
            prefix: defaultPrefix,
            local: new Set(),
            config: "bench",
            barred: [],
            recordCalls: (rows) =>
              Effect.andThen(
                Effect.sync(() => received?.rows.push(...rows)),
                record(rows)
              )
          }),
          (coordinator): ItemExecutor<Media.Media | ModelRegistry> =>
            (stage, item, refresh) =>
              Effect.tap(coordinator.executor(stage, item, refresh), (outcome) =>
                Effect.sync(() => received?.outcomes.push(outcome))
              )
        )
      )
    )
    const c = await server.counters()
    const activeMinutes = (c.lastAcceptedAt - c.firstAcceptedAt) / 60_000
    const share = activeMinutes > 0 ? (c.accepted - 1) / activeMinutes / rpm : 0
    return {
      workers,
      processed: run.processed,
      errors: run.errors,
      itemsPerSecond: run.processed / seconds,
      share,
      rejected: c.rejected,
      maxStallMs: c.maxStallMs,
      cpuMsPerItem
    }
  } finally {
    for (const child of children) child.kill("SIGTERM")
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, "exit") : undefined)))
    await redis.stop()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The same engine without the queue: each item is answered at once with an outcome and call rows the workers
 * sent back, recorded as the coordinator records them. The coordinator's CPU above this is the queue's.
 */
const runInProcess = async (received: Received) => {
  const dir = mkdtempSync(join(tmpdir(), "videokr-bench-queue-"))
  let next = 0
  const run = Effect.runPromise(
    runEngine(dir, modelOf("http://127.0.0.1:9"), items, (record) =>
      Effect.succeed<ItemExecutor<Media.Media | ModelRegistry>>(() =>
        Effect.suspend(() => {
          const i = next++ % received.outcomes.length
          const perItem = received.rows.length / received.outcomes.length
          const rows = received.rows.slice(Math.floor(i * perItem), Math.floor((i + 1) * perItem))
          return Effect.as(record(rows.map((r) => ({ ...r, call_id: randomUUID() }))), received.outcomes[i]!)
        })
      )
    )
  )
  return run.finally(() => rmSync(dir, { recursive: true, force: true }))
}

// a first, shorter run warms the coordinator's code (V8 compiles BullMQ's, ioredis' and the engine's hot
// paths once): what is measured is the cost per item of a long run
const warmUp = items / 8
await runWith(1, warmUp)
const received: Received = { outcomes: [], rows: [] }
const one = await runWith(1, items, received)
const engine = await runInProcess(received)
const three = await runWith(3, items)
console.log(
  `queue: ${items} items (frames of a real clip with ffmpeg, then a model answering in 1-3 s), the provider's limit ${rpm} requests/min held by all workers together, ${perWorker} items at once per worker:`
)
console.log(
  `  workers   items/s   vs 1 worker   limit used   429s at the server   server's longest stall   coordinator CPU per item   of which the queue's`
)
for (const r of [one, three]) {
  console.log(
    `  ${String(r.workers).padStart(7)} ${r.itemsPerSecond.toFixed(2).padStart(9)} ${`${(r.itemsPerSecond / one.itemsPerSecond).toFixed(2)}x`.padStart(13)} ${`${(r.share * 100).toFixed(1)}%`.padStart(12)} ${String(r.rejected).padStart(20)} ${`${r.maxStallMs.toFixed(0)} ms`.padStart(24)} ${`${r.cpuMsPerItem.toFixed(2)} ms`.padStart(26)} ${`${(r.cpuMsPerItem - engine.cpuMsPerItem).toFixed(2)} ms`.padStart(22)}`
  )
  if (r.processed !== items || r.errors > 0)
    console.log(`    (${r.processed} of ${items} items done, ${r.errors} errors)`)
}
console.log(
  `  coordinator CPU measured after a warm-up run of ${warmUp} items; the same engine without the queue (each item answered at once, its calls recorded): ${engine.cpuMsPerItem.toFixed(2)} ms of CPU per item; the queue's share is the coordinator's CPU above that`
)
console.log(
  `  targets: with 3 workers the limit used >= 95% and never above (no 429 at the server); the queue's overhead < 2 ms of coordinator CPU per item`
)
