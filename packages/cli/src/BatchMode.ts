import { Console, Effect, Layer } from "effect"
import { BadRequest, type ChatRequest, ModelRegistry, type ModelRegistryShape, type Stage, type StageItem } from "@videokr/core"
import { BatchUnsupported, type Models, runBatch } from "@videokr/providers"

/**
 * Batch mode for a stage: a round of its items is first processed against a model registry that only
 * collects each item's first request (and answers none), the requests go to each model's batch API as one
 * batch, and the answers land in the response cache; the round is then processed as usual and finds them
 * there. Later requests of an item (a structured-output repair, a second model) are asked live. A model
 * without a batch API is asked live, with a note.
 */
export const sendAsBatch = <R>(
  stage: Stage<any, any, R>,
  items: ReadonlyArray<StageItem<any>>,
  context: { readonly models: Models; readonly registry: ModelRegistryShape; readonly stateDir: string; readonly pollSeconds: number }
) =>
  Effect.gen(function* () {
    const requests = new Map<string, Array<Omit<ChatRequest, "model">>>()
    const collecting: ModelRegistryShape = {
      pick: context.registry.pick,
      resolve: (modelId) =>
        Effect.succeed({
          id: modelId,
          chat: (request) => {
            requests.set(modelId, [...(requests.get(modelId) ?? []), request])
            return Effect.fail(new BadRequest({ provider: "batch", model: modelId, detail: "collected for a batch" }))
          }
        })
    }
    yield* Effect.forEach(items, (item) => stage.process(item), { concurrency: 8, discard: true }).pipe(
      Effect.provide(Layer.succeed(ModelRegistry, collecting))
    )
    for (const [modelId, batch] of requests) {
      const sent = yield* Effect.result(runBatch(context.models, modelId, batch, { stateDir: context.stateDir, pollInterval: `${context.pollSeconds} seconds`, stage: stage.name }))
      if (sent._tag === "Failure") {
        if (sent.failure instanceof BatchUnsupported) {
          yield* Console.log(`${stage.name}: ${modelId} has no batch API; its ${batch.length} request(s) are asked live`)
          continue
        }
        return yield* sent.failure
      }
      const s = sent.success
      const failed = Object.entries(s.failed).map(([kind, n]) => `${n} ${kind}`).join(", ")
      yield* Console.log(`${stage.name}: batch to ${modelId}: ${batch.length} request(s), ${s.cached} already cached, ${s.submitted} submitted${s.resumed ? " (an earlier run's batch, resumed)" : ""}, ${s.succeeded} answered${failed ? `, failed: ${failed} (asked again live)` : ""}`)
    }
  })
