import { createHash } from "node:crypto"
import type { Barred, CallRow, ItemOutcome, StageItem } from "@videokr/core"

/**
 * What travels through the queue: one job per stage item, on the stage's own queue (so that a worker
 * can take only some stages). A job's id derives from the stage, the item and its input hash, so that
 * however often the coordinator restarts and enqueues what is pending, an item is queued once.
 */
export interface JobData {
  readonly stage: string
  readonly item: StageItem<unknown>
  /** ask the models again instead of answering from the response cache (`--retry-errors`) */
  readonly refresh: boolean
  /** the hash of the coordinator's config: a worker with another config must not do the item */
  readonly config: string
  /** models human review bars from a step: a worker draws none of them for it (it cannot read the store) */
  readonly barred: ReadonlyArray<Barred>
}

export interface JobResult {
  readonly outcome: ItemOutcome
  /** the item's model calls, as rows of model_calls (the coordinator writes them) */
  readonly calls: ReadonlyArray<CallRow>
  /** "<host>/<pid>" of the worker that did it */
  readonly worker: string
}

/** BullMQ's prefix for every key of a project's queues. */
export const defaultPrefix = "videokr"

/** The queue of a stage (BullMQ refuses ":" in names; stage names never hold one, plugin names might). */
export const queueNameOf = (stage: string): string => `stage.${stage.replaceAll(":", "_")}`

/** A job's id: a hash of (stage, item, input hash) — never an integer, never with ":". */
export const jobIdOf = (stage: string, item: StageItem<unknown>): string =>
  `j${createHash("sha256")
    .update(JSON.stringify([stage, item.id, item.inputHash]))
    .digest("hex")
    .slice(0, 40)}`
