import { Effect, type Schema } from "effect"
import { type ContentPart, type GenerationParams, isProviderError, isTransient } from "../ModelProvider.ts"
import { ModelRegistry } from "../ModelRegistry.ts"
import { structured } from "../Structured.ts"
import type { Verdict } from "../Verdict.ts"

/**
 * One model request of a stage: the prompt (text, then any frames), the answer decoded by a schema (one
 * repair request on a malformed answer, then InvalidOutput). Calls are recorded under the stage's name.
 */
export const askStructured = <S extends Schema.Top & { readonly DecodingServices: never }>(
  modelId: string,
  stage: string,
  prompt: string,
  images: ReadonlyArray<ContentPart>,
  schema: S,
  params: GenerationParams
) =>
  Effect.gen(function* () {
    const registry = yield* ModelRegistry
    const model = yield* registry.resolve(modelId, { stage })
    const content = images.length === 0 ? prompt : [...images, { type: "text" as const, text: prompt }]
    return yield* structured(
      { id: model.id, chat: (r) => model.chat(r) },
      { model: modelId, messages: [{ role: "user", content }], params },
      schema,
      stage
    )
  })

/** Asks for free text (answers in <answer> tags), recorded under the stage's name. */
export const askText = (
  modelId: string,
  stage: string,
  prompt: string,
  images: ReadonlyArray<ContentPart>,
  params: GenerationParams
) =>
  Effect.gen(function* () {
    const registry = yield* ModelRegistry
    const model = yield* registry.resolve(modelId, { stage })
    const content = images.length === 0 ? prompt : [...images, { type: "text" as const, text: prompt }]
    const response = yield* model.chat({ messages: [{ role: "user", content }], params })
    return response.text
  })

/**
 * A failed model call or media read as the item's verdict: an error, with its reason, never a crash.
 * A transient failure (outage, 429 after retries, unusable answer) marks it so: the item stays pending.
 */
export const errorVerdict =
  (modelId: string | undefined) =>
  (e: { readonly _tag: string; readonly message: string }): Verdict => ({
    decision: "error",
    // the verdict names its model; a provider's message starts with it
    reason: `${e._tag}: ${isProviderError(e) ? e.message.replace(`${e.provider} ${e.model}: `, "") : e.message}`,
    modelId,
    ...(isTransient(e) ? { transient: true } : {})
  })
