import { Effect } from "effect"
import { Job, Queue, QueueEvents } from "bullmq"
import type { Redis } from "ioredis"
import {
  type Barred,
  type CallRow,
  type ItemExecutor,
  type ItemOutcome,
  processItem,
  type Stage,
  type StageItem
} from "@videokr/core"
import { closeRedis, duplicateOf, partErrors, reachable, redisClient } from "./Connection.ts"
import { type JobData, jobIdOf, type JobResult, queueNameOf } from "./Jobs.ts"
import type { QueueAddress } from "./QueueUrl.ts"

/**
 * The coordinator's side of a run spread over workers: each item of a stage that workers do becomes a job
 * on the stage's queue, and the engine (runStages) gets the job's outcome back as if it had done the item
 * itself; it alone writes the store, committing in batches as outcomes arrive. A completed job leaves Redis
 * at once (its event carries the outcome); a failed one stays until its failure is taken. Transient trouble
 * (Redis away, a worker killed) costs time: a job whose worker failed comes back as a transient error, so
 * its item stays pending and is asked again.
 */
export interface CoordinatorOptions {
  readonly address: QueueAddress
  readonly prefix: string
  /** stages done here, not by workers: decisions over the whole set, and files already looked at */
  readonly local: ReadonlySet<string>
  /** the hash of the config (workers must have the same) */
  readonly config: string
  /** models human review bars from steps, told to the workers with every job */
  readonly barred: ReadonlyArray<Barred>
  /** writes the rows of a worker's model calls */
  readonly recordCalls: (rows: ReadonlyArray<CallRow>, stage: string) => Effect.Effect<void>
  /** how often jobs still waited on are looked up, in case their event went by unseen (Redis restarted) */
  readonly sweepMillis?: number | undefined
}

interface Waiter {
  readonly stage: string
  readonly item: StageItem<unknown>
  readonly refresh: boolean
  /** when it was queued (ms): one waited on for long is looked up by itself */
  readonly since: number
  readonly resolve: (
    r: { readonly ok: true; readonly result: JobResult } | { readonly ok: false; readonly reason: string }
  ) => void
}

const transientOutcome = (reason: string): ItemOutcome => ({
  verdict: { decision: "error", reason, transient: true },
  events: []
})

export const makeCoordinator = <R>(options: CoordinatorOptions) =>
  Effect.gen(function* () {
    const client = yield* redisClient(options.address)
    const errorsOf = yield* partErrors
    const waiting = new Map<string, Waiter>()
    const queues = new Map<
      string,
      { readonly queue: Queue; readonly events: QueueEvents; readonly connection: Redis }
    >()
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const here = await reachable(client)
        return Promise.all(
          [...queues.values()].map(({ queue, events, connection }) => {
            if (here)
              return Promise.all([events.close().finally(() => closeRedis(connection)), queue.close()]).catch(
                () => undefined
              )
            // Redis away: BullMQ's close would wait for it to come back. Reading stops, the connections drop
            void events.close().catch(() => undefined)
            void queue.close().catch(() => undefined)
            return connection.disconnect()
          })
        )
      })
    )

    const settle = (jobId: string, outcome: Parameters<Waiter["resolve"]>[0]) => {
      const w = waiting.get(jobId)
      if (w === undefined) return
      waiting.delete(jobId)
      w.resolve(outcome)
    }
    /** the job's outcome if it has finished: from the job itself, when its event was missed */
    const lookUp = async (queue: Queue, jobId: string) => {
      const job = await Job.fromId<JobData, JobResult>(queue, jobId)
      if (job === undefined) return "missing" as const
      if (job.finishedOn === undefined) return "running" as const
      if (job.failedReason !== undefined && job.failedReason !== "")
        settle(jobId, { ok: false, reason: job.failedReason })
      else settle(jobId, { ok: true, result: job.returnvalue })
      return "finished" as const
    }

    const queueOf = (stage: string) => {
      let q = queues.get(stage)
      if (q !== undefined) return q
      const name = queueNameOf(stage)
      const queue = new Queue<JobData, JobResult>(name, { connection: client, prefix: options.prefix }).on(
        "error",
        errorsOf(`queue ${name}`)
      )
      // its own connection: QueueEvents blocks reading the events stream (BullMQ leaves a given connection open)
      const connection = duplicateOf(client)
      const events = new QueueEvents(name, { connection, prefix: options.prefix }).on(
        "error",
        errorsOf(`events of ${name}`)
      )
      events.on("completed", ({ jobId, returnvalue }) =>
        settle(jobId, { ok: true, result: returnvalue as unknown as JobResult })
      )
      events.on("failed", ({ jobId, failedReason }) => settle(jobId, { ok: false, reason: failedReason }))
      // queued before (by a coordinator that was restarted): it may have finished already
      events.on("duplicated", ({ jobId }) => void (waiting.has(jobId) && lookUp(queue, jobId).catch(() => undefined)))
      q = { queue, events, connection }
      queues.set(stage, q)
      return q
    }

    // the jobs of one tick go to Redis together, a stage's in one addBulk (a round trip per batch, not per item).
    // The same id again is no new job: after a restart, what is still queued is found ("duplicated"), not redone
    const adding = new Map<string, Array<{ readonly w: Waiter; readonly jobId: string }>>()
    const flushAdds = async (stage: string, batch: ReadonlyArray<{ readonly w: Waiter; readonly jobId: string }>) => {
      const { queue, events } = queueOf(stage)
      await events.waitUntilReady()
      await queue.addBulk(
        batch.map(({ w, jobId }) => ({
          name: stage,
          data: {
            stage,
            item: w.item,
            refresh: w.refresh,
            config: options.config,
            barred: options.barred
          } satisfies JobData,
          // a completed job goes at once (its event carries the outcome); should that event go unseen, the sweep
          // finds the job missing and queues it again, and a worker answers it from the shared cache. A failed
          // job stays until its failure is taken, so that a restarted coordinator learns of it
          opts: { jobId, attempts: 1, removeOnComplete: true, removeOnFail: false }
        }))
      )
    }
    const enqueue = (w: Waiter, jobId: string) => {
      const pending = adding.get(w.stage)
      if (pending !== undefined) return void pending.push({ w, jobId })
      adding.set(w.stage, [{ w, jobId }])
      setImmediate(() => {
        const batch = adding.get(w.stage) ?? []
        adding.delete(w.stage)
        // Redis away: ioredis holds the commands until it is back (maxRetriesPerRequest: null)
        flushAdds(w.stage, batch).catch((e: unknown) => {
          for (const x of batch)
            settle(x.jobId, { ok: false, reason: `could not queue: ${e instanceof Error ? e.message : String(e)}` })
        })
      })
    }

    // failures whose event went by unseen (Redis restarted between a job's end and its event being read)
    // are found now and then among the finished jobs not yet taken (few: a failed job goes once taken); a
    // job no longer in Redis (completed with its event missed, or lost by a Redis without persistence) is
    // queued again
    const sweepMillis = options.sweepMillis ?? 30_000
    const sweep = async () => {
      for (const [stage, { queue }] of queues) {
        const finished = await queue.getJobs(["failed"])
        for (const job of finished)
          if (job?.id !== undefined && waiting.get(job.id)?.stage === stage) await lookUp(queue, job.id)
      }
      // Redis holds fewer jobs of a stage than are waited on: some were lost (a Redis without persistence restarted)
      const now = Date.now()
      for (const [stage, { queue }] of queues) {
        const mine = [...waiting].filter(([, w]) => w.stage === stage)
        const counts = await queue.getJobCounts("waiting", "prioritized", "delayed", "active", "failed")
        if (Object.values(counts).reduce((a, n) => a + n, 0) >= mine.length) continue
        for (const [jobId, w] of mine) {
          if (now - w.since < 2 * sweepMillis) continue
          if ((await lookUp(queue, jobId)) === "missing" && waiting.has(jobId)) enqueue(w, jobId)
        }
      }
    }
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.andThen(
          Effect.sleep(sweepMillis),
          Effect.promise(() => sweep().catch(() => undefined))
        )
      )
    )

    const executor: ItemExecutor<R> = (stage: Stage<any, any, R>, item: StageItem<any>, refresh: boolean) => {
      if (options.local.has(stage.name)) return processItem(stage, item, refresh)
      const jobId = jobIdOf(stage.name, item)
      return Effect.gen(function* () {
        const settled = yield* Effect.promise(
          () =>
            new Promise<Parameters<Waiter["resolve"]>[0]>((resolve) => {
              const w: Waiter = { stage: stage.name, item, refresh, since: Date.now(), resolve }
              waiting.set(jobId, w)
              enqueue(w, jobId)
            })
        )
        // its calls into the ledger (journaled first). A coordinator killed before it commits the outcome finds
        // the item pending and queues it again: the worker answers from the shared response cache, paying
        // nothing twice
        if (settled.ok) {
          yield* options.recordCalls(settled.result.calls, stage.name)
          return settled.result.outcome
        }
        yield* Effect.promise(() =>
          queueOf(stage.name)
            .queue.remove(jobId)
            .catch(() => 0)
        )
        return transientOutcome(`a worker failed the job: ${settled.reason}`)
      })
    }
    return { executor }
  })
