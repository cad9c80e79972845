import { Effect } from "effect"
import { Queue } from "bullmq"
import type { Redis } from "ioredis"
import { pipelineRank } from "@videokr/core"
import { redisClient } from "./Connection.ts"
import { queueNameOf } from "./Jobs.ts"
import type { QueueAddress } from "./QueueUrl.ts"
import { workerKey, type WorkerStats } from "./Worker.ts"

/**
 * What the queue holds and who works on it: per stage, jobs waiting for a worker, in a worker's hands,
 * done since the queue began (BullMQ's metrics: a completed job leaves at once), and failed and not yet
 * taken by the coordinator; and the workers that said they are alive in the last seconds, with their host,
 * stages, what they did and their rate.
 */
export interface QueueStatus {
  readonly address: string
  readonly stages: ReadonlyArray<{
    readonly stage: string
    readonly waiting: number
    readonly active: number
    readonly done: number
    readonly failed: number
  }>
  readonly workers: ReadonlyArray<WorkerStats & { readonly perMinute: number }>
}

/** Keys under `pattern`, however many (SCAN, a batch at a time). */
const scanKeys = async (client: Redis, pattern: string) => {
  const found: Array<string> = []
  let cursor = "0"
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", pattern, "COUNT", 200)
    found.push(...batch)
    cursor = next
  } while (cursor !== "0")
  return found.sort()
}

/**
 * A reader of the queue's state, on one connection for as long as its scope lasts (a coordinator asks it
 * every few seconds for days): for `stages`, or every stage that has a queue, in pipeline order.
 */
export const makeQueueStatus = (address: QueueAddress, prefix: string) =>
  Effect.gen(function* () {
    const client = yield* redisClient(address)
    const queues = new Map<string, Queue>()
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined))))
    )
    const queueOf = (stage: string) => {
      let q = queues.get(stage)
      if (q === undefined) queues.set(stage, (q = new Queue(queueNameOf(stage), { connection: client, prefix })))
      return q
    }
    return (only?: ReadonlyArray<string>) =>
      Effect.promise(async (): Promise<QueueStatus> => {
        const stages =
          only ??
          (await scanKeys(client, `${prefix}:${queueNameOf("*")}:meta`))
            .map((k) => k.slice(`${prefix}:${queueNameOf("")}`.length, -":meta".length))
            .sort((a, b) => pipelineRank(a) - pipelineRank(b) || a.localeCompare(b))
        const counts = await Promise.all(
          stages.map(async (stage) => {
            const [c, completed] = await Promise.all([
              queueOf(stage).getJobCounts("waiting", "prioritized", "delayed", "active", "failed"),
              queueOf(stage).getMetrics("completed", 0, 0)
            ])
            return {
              stage,
              waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
              active: c.active ?? 0,
              done: completed.meta.count,
              failed: c.failed ?? 0
            }
          })
        )
        const keys = await scanKeys(client, workerKey(prefix, "*"))
        const values = keys.length === 0 ? [] : await client.mget(...keys)
        const now = Date.now()
        const workers = values.flatMap((v) => {
          if (v === null) return []
          const w = JSON.parse(v) as WorkerStats
          const minutes = Math.max(1 / 60, (now - Date.parse(w.startedAt)) / 60_000)
          return [{ ...w, perMinute: w.done / minutes }]
        })
        return { address: address.display, stages: counts, workers }
      })
  })

/** The queue's state once (`videokr status --queue`). */
export const queueStatus = (address: QueueAddress, prefix: string, only?: ReadonlyArray<string>) =>
  Effect.scoped(Effect.flatMap(makeQueueStatus(address, prefix), (read) => read(only)))
