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
 * done and waiting for the coordinator to take them, and failed; and the workers that said they are
 * alive in the last seconds, with their host, stages, what they did and their rate.
 */
export interface QueueStatus {
  readonly address: string
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly waiting: number; readonly active: number; readonly done: number; readonly failed: number }>
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

/** The queue's state for `stages` (default: every stage that has a queue, in pipeline order). */
export const queueStatus = (address: QueueAddress, prefix: string, only?: ReadonlyArray<string>) =>
  Effect.scoped(Effect.gen(function* () {
    const client = yield* redisClient(address)
    const stages = only ?? (yield* Effect.promise(() => scanKeys(client, `${prefix}:${queueNameOf("*")}:meta`)))
      .map((k) => k.slice(`${prefix}:${queueNameOf("")}`.length, -":meta".length))
      .sort((a, b) => pipelineRank(a) - pipelineRank(b) || a.localeCompare(b))
    const counts = yield* Effect.forEach(stages, (stage) =>
      Effect.promise(async () => {
        const queue = new Queue(queueNameOf(stage), { connection: client, prefix })
        try {
          const c = await queue.getJobCounts("waiting", "prioritized", "delayed", "active", "completed", "failed")
          return { stage, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0), active: c.active ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0 }
        } finally {
          await queue.close().catch(() => undefined)
        }
      }))
    const keys = yield* Effect.promise(() => scanKeys(client, workerKey(prefix, "*")))
    const values = keys.length === 0 ? [] : yield* Effect.promise(() => client.mget(...keys))
    const now = Date.now()
    const workers = values.flatMap((v) => {
      if (v === null) return []
      const w = JSON.parse(v) as WorkerStats
      const minutes = Math.max(1 / 60, (now - Date.parse(w.startedAt)) / 60_000)
      return [{ ...w, perMinute: w.done / minutes }]
    })
    return { address: address.display, stages: counts, workers } satisfies QueueStatus
  }))
