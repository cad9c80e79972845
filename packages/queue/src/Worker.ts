import { hostname } from "node:os"
import { Effect } from "effect"
import { MetricsTime, UnrecoverableError, Worker } from "bullmq"
import { type CallRow, processItem, type Stage } from "@videokr/core"
import { closeRedis, duplicateOf, partErrors, reachable, redisClient } from "./Connection.ts"
import { JobCalls } from "./JobCalls.ts"
import { type JobData, type JobResult, queueNameOf } from "./Jobs.ts"
import type { QueueAddress } from "./QueueUrl.ts"

/**
 * A worker: takes the jobs of some stages' queues and does each item with the stage's own `process`,
 * on this machine, with this process's services (models, media). It writes no store: the outcome and
 * the item's model calls go back through the queue. A worker killed mid-job loses nothing: BullMQ's
 * stalled-job check hands the job to another worker, and the answers already paid are in the shared
 * response cache. Every few seconds it says who it is and what it has done (`videokr status`).
 */
export interface WorkerOptions<R> {
  readonly address: QueueAddress
  readonly prefix: string
  readonly stages: ReadonlyArray<Stage<any, any, R>>
  /** items in flight per stage */
  readonly concurrency: number
  /** the hash of this worker's config: a job from a coordinator with another is refused */
  readonly config: string
  /** how long a job may go without its worker's heartbeat before another worker takes it (BullMQ's lock) */
  readonly stalledSeconds?: number | undefined
  /** what a job's item is done within, from what the job says of its run (the models review bars) */
  readonly around?: ((job: JobData) => <A, E>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) | undefined
}

export interface WorkerStats {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly stages: ReadonlyArray<string>
  readonly concurrency: number
  readonly startedAt: string
  readonly done: number
  readonly failed: number
  readonly active: number
  /** when the last job ended */
  readonly lastAt: string | undefined
}

export const workerKey = (prefix: string, id: string) => `${prefix}:workers:${id}`

export const serveStages = <R>(options: WorkerOptions<R>) =>
  Effect.gen(function* () {
    const context = yield* Effect.context<R>()
    const run = Effect.runPromiseWith(context)
    const client = yield* redisClient(options.address)
    const errorsOf = yield* partErrors
    const id = `${hostname()}/${process.pid}`
    const stats = { done: 0, failed: 0, active: 0, lastAt: undefined as string | undefined }
    const startedAt = new Date().toISOString()
    const lockMillis = (options.stalledSeconds ?? 30) * 1000
    const connections: Array<ReturnType<typeof client.duplicate>> = []
    const workers = options.stages.map((stage) => {
      const connection = duplicateOf(client)
      connections.push(connection)
      const worker = new Worker<JobData, JobResult>(
        queueNameOf(stage.name),
        async (job) => {
          if (job.data.config !== options.config) {
            throw new UnrecoverableError(
              `worker ${id} has another config than the coordinator (same videokr.config.ts on every machine?)`
            )
          }
          stats.active++
          try {
            const calls: Array<CallRow> = []
            const item = processItem(stage, job.data.item as never, job.data.refresh).pipe(
              Effect.provideService(JobCalls, { calls })
            )
            const outcome = await run(options.around === undefined ? item : options.around(job.data)(item))
            stats.done++
            return { outcome, calls, worker: id }
          } catch (e) {
            stats.failed++
            throw e
          } finally {
            stats.active--
            stats.lastAt = new Date().toISOString()
          }
        },
        {
          connection,
          prefix: options.prefix,
          concurrency: options.concurrency,
          lockDuration: lockMillis,
          stalledInterval: lockMillis,
          // a job whose workers keep dying fails in the end (the coordinator keeps its item pending)
          maxStalledCount: 5,
          // jobs done and failed per minute for a day, and in all (`videokr status`: completed jobs leave at once)
          metrics: { maxDataPoints: MetricsTime.ONE_HOUR * 24 }
        }
      )
      return worker.on("error", errorsOf(`worker of ${queueNameOf(stage.name)}`))
    })
    // BullMQ leaves a given connection open: it is closed once its worker has (jobs in hand finished). With
    // Redis away the jobs in hand could not be reported: the worker stops at once (they will be found
    // stalled, and another worker does them from the shared cache) instead of waiting for Redis
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const away = !(await reachable(client))
        await Promise.all(
          workers.map((w, i) =>
            w
              .close(away)
              .catch(() => undefined)
              .finally(() => closeRedis(connections[i]!))
          )
        )
      })
    )
    const key = workerKey(options.prefix, id)
    const beat = Effect.promise(() => {
      const s: WorkerStats = {
        id,
        host: hostname(),
        pid: process.pid,
        stages: options.stages.map((x) => x.name),
        concurrency: options.concurrency,
        startedAt,
        ...stats
      }
      return client.set(key, JSON.stringify(s), "PX", 15_000).catch(() => undefined)
    })
    yield* beat
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(5_000), beat)))
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => void ((await reachable(client)) && (await client.del(key).catch(() => 0))))
    )
    return { id, stats: () => ({ ...stats }) }
  })

/** Runs until interrupted (SIGINT/SIGTERM: jobs in flight finish first). */
export const runWorker = <R>(options: WorkerOptions<R>) =>
  Effect.scoped(Effect.andThen(serveStages(options), Effect.never))
