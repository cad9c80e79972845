import type Anthropic from "@anthropic-ai/sdk"
import { Effect, Redacted } from "effect"
import {
  BadRequest,
  type BatchApi,
  type BatchRef,
  type BatchResult,
  type ChatRequest,
  type ChatResponse,
  ContentFiltered,
  isProviderError,
  lazySdk,
  type ModelProviderShape,
  type ProviderError,
  ServerError,
  systemPrompt
} from "@videokr/core"
import { announcedLimits, notTheFormat, sdkError } from "./HttpErrors.ts"

/**
 * Anthropic Messages through the official SDK. Images go as base64 image blocks; structured output is a
 * forced tool call whose input schema is the requested JSON Schema (the tool input is the answer).
 */
export interface AnthropicOptions {
  readonly id?: string | undefined
  readonly baseURL?: string | undefined
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly timeoutMs?: number | undefined
  /** max_tokens is required by the API; used when a request does not set one */
  readonly defaultMaxTokens?: number | undefined
}

export const makeAnthropic = (options: AnthropicOptions): ModelProviderShape => {
  const id = options.id ?? "anthropic"
  const lazy = lazySdk(
    () => import("@anthropic-ai/sdk").then((m) => m.default),
    (Anthropic) =>
      new Anthropic({
        apiKey: options.apiKey === undefined ? null : Redacted.value(options.apiKey),
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
        maxRetries: 0,
        timeout: options.timeoutMs ?? 120_000
      })
  )

  const mapError =
    (model: string) =>
    (e: unknown): ProviderError =>
      sdkError({ provider: id, model, detail: e instanceof Error ? e.message : String(e) }, e, lazy.sdk())

  /** The Messages parameters of a request, or why Anthropic cannot take it. */
  const bodyOf = (request: ChatRequest): Anthropic.MessageCreateParamsNonStreaming | BadRequest => {
    const model = request.model
    if (request.messages.some((m) => typeof m.content !== "string" && m.content.some((p) => p.type === "video"))) {
      return new BadRequest({ provider: id, model, detail: "Anthropic models take frames as images, not video URLs" })
    }
    const system = systemPrompt(request)
    const messages: Array<Anthropic.MessageParam> = request.messages
      .filter((m) => m.role !== "system")
      .map(
        (m): Anthropic.MessageParam => ({
          role: m.role as "user" | "assistant",
          content:
            typeof m.content === "string"
              ? m.content
              : m.content.flatMap(
                  (p): Array<Anthropic.TextBlockParam | Anthropic.ImageBlockParam> =>
                    p.type === "text"
                      ? [{ type: "text", text: p.text }]
                      : p.type === "image"
                        ? [{ type: "image", source: { type: "base64", media_type: p.mediaType, data: p.data } }]
                        : []
                )
        })
      )
    const p = request.params ?? {}
    const format = request.responseFormat
    return {
      model,
      max_tokens: p.maxTokens ?? options.defaultMaxTokens ?? 4096,
      messages,
      ...(system !== undefined ? { system: system } : {}),
      ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
      ...(p.topP !== undefined ? { top_p: p.topP } : {}),
      ...(p.stop !== undefined ? { stop_sequences: [...p.stop] } : {}),
      ...(format === undefined
        ? {}
        : {
            tools: [
              {
                name: format.name,
                description: "Give the answer with this structure.",
                input_schema: format.schema as Anthropic.Tool.InputSchema
              }
            ],
            tool_choice: { type: "tool" as const, name: format.name }
          })
    }
  }

  /** A message as our response (a forced tool call's input is the answer), or the error it amounts to. */
  const responseOf = (request: ChatRequest, message: Anthropic.Message): ChatResponse | ProviderError => {
    const fields = { provider: id, model: request.model }
    // the SDK types the body, but returns whatever came with status 200 (an HTML page as a string)
    if (typeof message !== "object" || message === null || !Array.isArray(message.content))
      return notTheFormat(fields, message)
    if (message.stop_reason === "refusal") return new ContentFiltered({ ...fields, detail: "stop_reason refusal" })
    const blocks = message.content
    const tool = request.responseFormat === undefined ? undefined : blocks.find((b) => b.type === "tool_use")
    const text =
      tool !== undefined && tool.type === "tool_use"
        ? JSON.stringify(tool.input)
        : blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("")
    if (text.trim() === "") return new ServerError({ ...fields, detail: "empty response", unusable: true })
    return {
      text,
      finishReason: message.stop_reason ?? "unknown",
      usage: { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 },
      provider: id,
      model: message.model || request.model
    }
  }

  const asEffect = <A>(r: A | ProviderError): Effect.Effect<A, ProviderError> =>
    isProviderError(r) ? Effect.fail(r) : Effect.succeed(r as A)

  const chat = (request: ChatRequest): Effect.Effect<ChatResponse, ProviderError> =>
    asEffect(bodyOf(request)).pipe(
      Effect.flatMap((body) =>
        Effect.tryPromise({
          try: async (signal) => (await lazy.client()).messages.create(body, { signal }).withResponse(),
          catch: mapError(request.model)
        })
      ),
      Effect.flatMap(({ data, response }) => {
        const r = responseOf(request, data)
        const limits = announcedLimits(response.headers)
        return asEffect(isProviderError(r) || limits === undefined ? r : { ...r, rateLimits: limits })
      })
    )

  /** Message Batches: one request per custom id; results stream as JSONL once the batch has ended. */
  const batch: BatchApi = {
    submit: (requests) =>
      Effect.gen(function* () {
        const items: Array<Anthropic.Messages.Batches.BatchCreateParams.Request> = []
        for (const { customId, request } of requests) {
          const params = bodyOf(request)
          if (isProviderError(params)) return yield* params
          items.push({ custom_id: customId, params })
        }
        const created = yield* Effect.tryPromise({
          try: async (signal) => (await lazy.client()).messages.batches.create({ requests: items }, { signal }),
          catch: mapError("batch")
        })
        return { provider: id, id: created.id } satisfies BatchRef
      }),
    status: (ref) =>
      Effect.map(
        Effect.tryPromise({
          try: async (signal) => (await lazy.client()).messages.batches.retrieve(ref.id, null, { signal }),
          catch: mapError("batch")
        }),
        (b) => {
          const c = b.request_counts
          const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired
          return {
            state: b.processing_status === "ended" ? ("ended" as const) : ("running" as const),
            total,
            done: total - c.processing,
            detail: b.processing_status
          }
        }
      ),
    results: (ref, requests) =>
      Effect.tryPromise({
        try: async () => {
          const out: Array<BatchResult> = []
          for await (const line of await (await lazy.client()).messages.batches.results(ref.id)) {
            const r = line.result
            const request = requests.get(line.custom_id)
            if (request === undefined) continue
            const fields = { provider: id, model: request.model }
            out.push({
              customId: line.custom_id,
              outcome:
                r.type === "succeeded"
                  ? responseOf(request, r.message)
                  : r.type === "errored"
                    ? r.error.error.type === "invalid_request_error"
                      ? new BadRequest({ ...fields, detail: r.error.error.message })
                      : new ServerError({ ...fields, detail: r.error.error.message })
                    : new ServerError({ ...fields, detail: `request ${r.type} before it was processed` })
            })
          }
          return out
        },
        catch: mapError("batch")
      })
  }

  return { id, chat, batch }
}
