import { Effect, Exit, Schema } from "effect"
import { type ChatRequest, InvalidOutput, type ModelProviderShape, type ProviderError } from "./ModelProvider.ts"

/**
 * Structured output: the answer must be JSON that decodes through `schema`. The JSON Schema of `schema`
 * goes with the request (as the server supports it); an answer that does not decode gets one repair
 * request that shows the model its answer and the problems, then fails with InvalidOutput.
 */
export const jsonSchemaOf = (schema: Schema.Top): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(schema)
  const defs = Object.keys(document.definitions).length > 0 ? { $defs: document.definitions } : {}
  return { ...(document.schema as Record<string, unknown>), ...defs }
}

/** The JSON in an answer: the whole text, or the first fenced block (```json ... ```), as models wrap it. */
export const extractJson = (text: string): string => {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)
  return (fenced ? fenced[1]! : text).trim()
}

/** What was wrong with an answer, as the schema says it (not the whole cause). */
const problemsOf = (cause: { readonly reasons: ReadonlyArray<{ readonly _tag: string }> }): string => {
  const failure = cause.reasons.find((r) => r._tag === "Fail") as { readonly error?: unknown } | undefined
  return failure?.error instanceof Error ? failure.error.message : String(cause)
}

export const structured = <S extends Schema.Top & { readonly DecodingServices: never }>(
  provider: ModelProviderShape,
  request: Omit<ChatRequest, "responseFormat">,
  schema: S,
  name: string
): Effect.Effect<S["Type"], ProviderError> => {
  const withFormat: ChatRequest = { ...request, responseFormat: { name, schema: jsonSchemaOf(schema) } }
  const decode = Schema.decodeUnknownExit(Schema.fromJsonString(schema) as unknown as Schema.Decoder<S["Type"]>)
  const attempt = (req: ChatRequest) =>
    Effect.map(provider.chat(req), (response) => ({ response, exit: decode(extractJson(response.text)) }))
  return Effect.gen(function* () {
    const first = yield* attempt(withFormat)
    if (Exit.isSuccess(first.exit)) return first.exit.value as S["Type"]
    const problems = problemsOf(first.exit.cause)
    const repaired = yield* attempt({
      ...withFormat,
      messages: [
        ...withFormat.messages,
        { role: "assistant", content: first.response.text },
        {
          role: "user",
          content: `Your answer does not follow the required JSON structure:\n${problems}\nAnswer again with only the JSON object, following the schema.`
        }
      ]
    })
    if (Exit.isSuccess(repaired.exit)) return repaired.exit.value as S["Type"]
    return yield* new InvalidOutput({
      provider: provider.id,
      model: request.model,
      detail: problemsOf(repaired.exit.cause),
      output: repaired.response.text
    })
  })
}
