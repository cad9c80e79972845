import type OpenAI from "openai"
import { Effect, Redacted } from "effect"
import {
  BadRequest,
  type ChatRequest,
  type ChatResponse,
  ContentFiltered,
  type ContentPart,
  isProviderError,
  lazySdk,
  type ModelProviderShape,
  type ProviderError,
  ServerError
} from "@videokr/core"
import { announcedLimits, notTheFormat, sdkError } from "./HttpErrors.ts"
import { makeOpenAiBatch } from "./OpenAiBatch.ts"

/**
 * OpenAI Chat Completions through the official SDK: OpenAI itself, and any OpenAI-compatible server
 * (vLLM, SGLang, Ollama, LM Studio) by base URL. The SDK's own retries are off: retries, limits and the
 * cache are middleware, so that every attempt is seen and counted.
 */
export interface OpenAiOptions {
  /** provider id recorded with every call, e.g. "openai" or "openai-compatible:http://host:8000/v1" */
  readonly id: string
  readonly baseURL?: string | undefined
  /** from the environment; never logged, cached or written */
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly timeoutMs?: number | undefined
  readonly capabilities?: Partial<OpenAiCapabilities> | undefined
}

export interface OpenAiCapabilities {
  /** how structured output is asked for: JSON schema (OpenAI, vLLM), JSON object mode only, or in the prompt */
  readonly jsonMode: "json_schema" | "json_object" | "none"
  /** the most images one request may carry (a server limit, e.g. vLLM's --limit-mm-per-prompt) */
  readonly maxImages: number
  /** whether the server takes {"type": "video_url"} parts */
  readonly videoUrl: boolean
  /** OpenAI's newer models take max_completion_tokens; compatible servers take max_tokens */
  readonly maxTokensField: "max_tokens" | "max_completion_tokens"
}

const defaults: OpenAiCapabilities = {
  jsonMode: "json_schema",
  maxImages: 64,
  videoUrl: false,
  maxTokensField: "max_tokens"
}

const part = (
  p: ContentPart
): OpenAI.Chat.Completions.ChatCompletionContentPart | { type: "video_url"; video_url: { url: string } } => {
  switch (p.type) {
    case "text":
      return { type: "text", text: p.text }
    case "image":
      return {
        type: "image_url",
        image_url: { url: `data:${p.mediaType};base64,${p.data}`, ...(p.detail ? { detail: p.detail } : {}) }
      }
    case "video":
      return { type: "video_url", video_url: { url: p.url } }
  }
}

export const makeOpenAi = (options: OpenAiOptions): ModelProviderShape => {
  const caps = { ...defaults, ...options.capabilities }
  const lazy = lazySdk(
    () => import("openai").then((m) => m.default),
    (OpenAI) =>
      new OpenAI({
        apiKey: options.apiKey === undefined ? "EMPTY" : Redacted.value(options.apiKey),
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
        maxRetries: 0,
        timeout: options.timeoutMs ?? 120_000
      })
  )

  const mapError =
    (model: string) =>
    (e: unknown): ProviderError =>
      sdkError({ provider: options.id, model, detail: e instanceof Error ? e.message : String(e) }, e, lazy.sdk())

  /** The Chat Completions body of a request, or why this server cannot take it. */
  const bodyOf = (
    request: ChatRequest
  ): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming | BadRequest => {
    const model = request.model
    const images = request.messages.reduce(
      (n, m) => n + (typeof m.content === "string" ? 0 : m.content.filter((p) => p.type === "image").length),
      0
    )
    if (images > caps.maxImages) {
      return new BadRequest({
        provider: options.id,
        model,
        detail: `${images} images; this server takes at most ${caps.maxImages} per request`
      })
    }
    if (
      !caps.videoUrl &&
      request.messages.some((m) => typeof m.content !== "string" && m.content.some((p) => p.type === "video"))
    ) {
      return new BadRequest({
        provider: options.id,
        model,
        detail: "this server does not take video URLs; send sampled frames instead"
      })
    }
    const p = request.params ?? {}
    const format = request.responseFormat
    return {
      model,
      messages: request.messages.map((m) => ({
        role: m.role,
        content: typeof m.content === "string" ? m.content : m.content.map(part)
      })) as Array<OpenAI.Chat.Completions.ChatCompletionMessageParam>,
      ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
      ...(p.topP !== undefined ? { top_p: p.topP } : {}),
      ...(p.maxTokens !== undefined ? { [caps.maxTokensField]: p.maxTokens } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.stop !== undefined ? { stop: [...p.stop] } : {}),
      ...(format === undefined || caps.jsonMode === "none"
        ? {}
        : caps.jsonMode === "json_object"
          ? { response_format: { type: "json_object" as const } }
          : {
              response_format: {
                type: "json_schema" as const,
                json_schema: { name: format.name, schema: format.schema, strict: format.strict ?? false }
              }
            })
    }
  }

  /** A completion as our response, or the error it amounts to (filtered, empty). */
  const responseOf = (
    model: string,
    completion: OpenAI.Chat.Completions.ChatCompletion
  ): ChatResponse | ProviderError => {
    const fields = { provider: options.id, model }
    // the SDK types the body, but returns whatever came with status 200 (an HTML page as a string)
    if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices))
      return notTheFormat(fields, completion)
    const choice = completion.choices[0]
    const text = choice?.message?.content ?? ""
    const finishReason = choice?.finish_reason ?? "unknown"
    if (finishReason === "content_filter")
      return new ContentFiltered({ ...fields, detail: "finish_reason content_filter" })
    if (choice === undefined || text.trim() === "")
      return new ServerError({ ...fields, detail: "empty response", unusable: true })
    return {
      text,
      finishReason,
      usage: {
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0
      },
      provider: options.id,
      model: completion.model || model
    }
  }

  const withLimits = (r: ChatResponse | ProviderError, headers: Headers) => {
    const limits = announcedLimits(headers)
    return isProviderError(r) || limits === undefined ? r : { ...r, rateLimits: limits }
  }

  const asEffect = <A>(r: A | ProviderError): Effect.Effect<A, ProviderError> =>
    isProviderError(r) ? Effect.fail(r) : Effect.succeed(r as A)

  const chat = (request: ChatRequest): Effect.Effect<ChatResponse, ProviderError> =>
    asEffect(bodyOf(request)).pipe(
      Effect.flatMap((body) =>
        Effect.tryPromise({
          try: async (signal) => (await lazy.client()).chat.completions.create(body, { signal }).withResponse(),
          catch: mapError(request.model)
        })
      ),
      Effect.flatMap(({ data, response }) => asEffect(withLimits(responseOf(request.model, data), response.headers)))
    )

  const batch = makeOpenAiBatch({ client: lazy.client, id: options.id, bodyOf, responseOf, mapError })

  return { id: options.id, chat, batch }
}
