import { Console, Effect, Layer } from "effect"
import {
  BadRequest,
  type ChatRequest,
  type HeldBack,
  ModelRegistry,
  type ModelRegistryShape,
  type Stage,
  type StageItem
} from "@videokr/core"
import { BatchUnsupported, type Models, runBatch } from "@videokr/providers"

/**
 * Batch mode for a stage: a round of its items is first processed against a model registry that only
 * collects each item's first request (and answers none), the requests go to each model's batch API as one
 * batch, and the answers land in the response cache; the round is then processed as usual and finds them
 * there. Later requests of an item (a structured-output repair, a second model) are asked live. A model
 * without a batch API is asked live, with a note. Items whose batch failed, expired or left them
 * unanswered for the moment are held back: pending for the next round (a new batch), not asked live at
 * twice the price and never an error verdict.
 */
export const sendAsBatch = <R>(
  stage: Stage<any, any, R>,
  items: ReadonlyArray<StageItem<any>>,
  context: {
    readonly models: Models
    readonly registry: ModelRegistryShape
    readonly stateDir: string
    readonly pollSeconds: number
  }
) =>
  Effect.gen(function* () {
    const requests = new Map<string, Array<{ readonly item: string; readonly request: Omit<ChatRequest, "model"> }>>()
    const collecting = (item: string): ModelRegistryShape => ({
      pick: context.registry.pick,
      resolve: (modelId) =>
        Effect.succeed({
          id: modelId,
          chat: (request) => {
            requests.set(modelId, [...(requests.get(modelId) ?? []), { item, request }])
            return Effect.fail(new BadRequest({ provider: "batch", model: modelId, detail: "collected for a batch" }))
          }
        })
    })
    yield* Effect.forEach(
      items,
      (item) => stage.process(item).pipe(Effect.provide(Layer.succeed(ModelRegistry, collecting(item.id)))),
      {
        concurrency: 8,
        discard: true
      }
    )
    const held = new Map<string, { modelId: string; reason: string }>()
    for (const [modelId, batch] of requests) {
      const sent = yield* Effect.result(
        runBatch(
          context.models,
          modelId,
          batch.map((b) => b.request),
          { stateDir: context.stateDir, pollInterval: `${context.pollSeconds} seconds`, stage: stage.name }
        )
      )
      if (sent._tag === "Failure") {
        if (sent.failure instanceof BatchUnsupported) {
          yield* Console.log(
            `${stage.name}: ${modelId} has no batch API; its ${batch.length} request(s) are asked live`
          )
          continue
        }
        // the batch failed, or the provider could not be reached to submit or poll it
        for (const b of batch) held.set(b.item, { modelId, reason: `batch: ${sent.failure.message}` })
        yield* Console.log(
          `${stage.name}: batch to ${modelId} did not complete (${sent.failure.message}); its ${batch.length} item(s) stay pending for the next round`
        )
        continue
      }
      const s = sent.success
      if (s.unanswered.length > 0) {
        const target = yield* context.models.batchTarget(modelId, { stage: stage.name })
        const unanswered = new Set(s.unanswered)
        for (const b of batch)
          if (unanswered.has(target.keyOf({ ...b.request, model: target.model })))
            held.set(b.item, {
              modelId,
              reason: "batch: not answered (expired, not processed or failed for the moment); asked in the next batch"
            })
      }
      const failed = Object.entries(s.failed)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(", ")
      yield* Console.log(
        `${stage.name}: batch to ${modelId}: ${batch.length} request(s), ${s.cached} already cached, ${s.submitted} submitted${s.resumed ? " (an earlier run's batch, resumed)" : ""}, ${s.succeeded} answered${failed ? `, failed: ${failed}` : ""}${s.unanswered.length > 0 ? ` (${s.unanswered.length} held back for the next batch)` : ""}`
      )
    }
    return held as HeldBack
  })
