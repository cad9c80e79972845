import { createHash } from "node:crypto"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { type Duration, Effect, Schema, Stream } from "effect"
import { type BatchRef, type ChatRequest, isProviderError, isTransient, writeTextAtomic } from "@videokr/core"
import type { Models } from "./Models.ts"

/**
 * Batch mode for large offline stages: the requests not yet in the response cache go to the provider's
 * batch API in one submission; the run polls until the batch ends and writes every answer into the
 * response cache, where the stage then finds them (so stage code is the same in both modes). The
 * submitted batch is remembered in `stateDir` (one file per request set), so a restarted run resumes
 * polling the same batch instead of paying for a second one.
 */
export class BatchUnsupported extends Schema.TaggedError<BatchUnsupported>()("BatchUnsupported", {
  modelId: Schema.String
}) {
  override get message() {
    return `${this.modelId}: this provider has no batch API; run the stage without batch mode`
  }
}

export class BatchFailed extends Schema.TaggedError<BatchFailed>()("BatchFailed", {
  modelId: Schema.String,
  batch: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.modelId}: batch ${this.batch} failed: ${this.detail}`
  }
}

export interface BatchRunOptions {
  readonly stateDir: string
  readonly pollInterval: Duration.Input
  readonly stage?: string | undefined
  readonly onProgress?: ((done: number, total: number) => Effect.Effect<void>) | undefined
}

export interface BatchSummary {
  /** requests already answered in the cache, so not sent */
  readonly cached: number
  readonly submitted: number
  readonly succeeded: number
  /** failures by kind (to be asked again, live or in the next batch) */
  readonly failed: Record<string, number>
  /** whether an earlier run's batch was resumed */
  readonly resumed: boolean
  /** requests (by cache key) the batch did not answer for the moment: expired, not processed, failed transiently */
  readonly unanswered: ReadonlyArray<string>
}

const State = Schema.fromJsonString(
  Schema.Struct({
    ref: Schema.Struct({ provider: Schema.String, id: Schema.String }),
    modelId: Schema.String,
    keys: Schema.Array(Schema.String)
  })
)

export const runBatch = (
  models: Models,
  modelId: string,
  requests: ReadonlyArray<Omit<ChatRequest, "model">>,
  options: BatchRunOptions
) =>
  Effect.gen(function* () {
    const target = yield* models.batchTarget(modelId, { stage: options.stage })
    if (target.batch === undefined) return yield* new BatchUnsupported({ modelId })
    const batch = target.batch
    const full = requests.map((r): ChatRequest => ({ ...r, model: target.model }))
    const byKey = new Map<string, ChatRequest>()
    for (const r of full) byKey.set(target.keyOf(r), r)
    const pending: Array<string> = []
    for (const key of byKey.keys()) if ((yield* target.cache.get(key)) === undefined) pending.push(key)
    const cached = byKey.size - pending.length
    if (pending.length === 0)
      return { cached, submitted: 0, succeeded: 0, failed: {}, resumed: false, unanswered: [] } satisfies BatchSummary

    const setId = createHash("sha256")
      .update(`${modelId}\n${[...pending].sort().join("\n")}`)
      .digest("hex")
      .slice(0, 32)
    const statePath = join(options.stateDir, `${setId}.json`)
    const saved = yield* Effect.promise(() => readFile(statePath, "utf8").catch(() => undefined))
    const decoded = saved === undefined ? undefined : Schema.decodeUnknownExit(State)(saved)
    let ref: BatchRef
    let resumed = false
    if (decoded !== undefined && decoded._tag === "Success") {
      ref = decoded.value.ref
      resumed = true
    } else {
      // the cache key is each request's custom id: results map back to requests by it
      ref = yield* batch.submit(pending.map((key) => ({ customId: key, request: byKey.get(key)! })))
      yield* writeTextAtomic(statePath, Stream.make(JSON.stringify({ ref, modelId, keys: pending }) + "\n"))
    }

    for (;;) {
      const status = yield* batch.status(ref)
      if (options.onProgress) yield* options.onProgress(status.done, status.total)
      if (status.state === "failed") {
        // a failed batch is not resumed: the next round submits its requests again
        yield* Effect.promise(() => rm(statePath, { force: true }))
        return yield* new BatchFailed({ modelId, batch: ref.id, detail: status.detail })
      }
      if (status.state === "ended") break
      yield* Effect.sleep(options.pollInterval)
    }

    const results = yield* batch.results(ref, byKey)
    const seen = new Set<string>()
    const unanswered: Array<string> = []
    let succeeded = 0
    const failed: Record<string, number> = {}
    for (const r of results) {
      const request = byKey.get(r.customId)
      if (request === undefined) continue
      seen.add(r.customId)
      if (isProviderError(r.outcome)) {
        failed[r.outcome._tag] = (failed[r.outcome._tag] ?? 0) + 1
        if (isTransient(r.outcome)) unanswered.push(r.customId)
        yield* target.record(request, r.outcome)
        continue
      }
      yield* target.cache.put(target.providerId, request, r.outcome)
      yield* target.record(request, r.outcome)
      succeeded++
    }
    const missing = pending.filter((k) => !seen.has(k))
    if (missing.length > 0) failed["NotProcessed"] = missing.length
    yield* Effect.promise(() => rm(statePath, { force: true }))
    return {
      cached,
      submitted: pending.length,
      succeeded,
      failed,
      resumed,
      unanswered: [...unanswered, ...missing]
    } satisfies BatchSummary
  })
