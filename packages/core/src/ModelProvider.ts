import { Context, type Effect, Schema } from "effect"

/**
 * The port every model call goes through: chat with text, images (video frames) or a video URL, optional
 * structured output, token usage. Providers (OpenAI, Anthropic, OpenAI-compatible servers, the scripted
 * test model) implement it in @videokr/providers; middleware (cache, retries, limits, usage) wraps it.
 */

export const TextPart = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
/** An image (usually a sampled video frame), base64 encoded. `detail` is OpenAI's resolution hint. */
export const ImagePart = Schema.Struct({
  type: Schema.Literal("image"),
  mediaType: Schema.Literals(["image/jpeg", "image/png", "image/webp"]),
  data: Schema.String,
  detail: Schema.optionalKey(Schema.Literals(["low", "high", "auto"]))
})
/** A whole video by URL, for servers that take one (vLLM and SGLang with video-capable models). */
export const VideoPart = Schema.Struct({ type: Schema.Literal("video"), url: Schema.String })
export const ContentPart = Schema.Union([TextPart, ImagePart, VideoPart])
export type ContentPart = typeof ContentPart.Type

export const ChatMessage = Schema.Struct({
  role: Schema.Literals(["system", "user", "assistant"]),
  content: Schema.Union([Schema.String, Schema.Array(ContentPart)])
})
export type ChatMessage = typeof ChatMessage.Type

export const GenerationParams = Schema.Struct({
  temperature: Schema.optionalKey(Schema.Finite),
  topP: Schema.optionalKey(Schema.Finite),
  maxTokens: Schema.optionalKey(Schema.Int),
  seed: Schema.optionalKey(Schema.Int),
  stop: Schema.optionalKey(Schema.Array(Schema.String))
})
export type GenerationParams = typeof GenerationParams.Type

/** A JSON Schema the answer must follow (generated from an Effect Schema by `structured`). */
export const ResponseFormat = Schema.Struct({
  name: Schema.String,
  schema: Schema.Record(Schema.String, Schema.Unknown),
  /** ask the server to enforce the schema (OpenAI's strict mode needs every field required, no extra fields) */
  strict: Schema.optionalKey(Schema.Boolean)
})
export type ResponseFormat = typeof ResponseFormat.Type

export const ChatRequest = Schema.Struct({
  /** the model's name at its provider (e.g. "gpt-4o-2024-08-06") */
  model: Schema.String,
  messages: Schema.Array(ChatMessage),
  params: Schema.optionalKey(GenerationParams),
  responseFormat: Schema.optionalKey(ResponseFormat),
  /**
   * Which draw of a sampled request this is (0, 1, ...). Several draws of the same request are different
   * paid responses, each cached under its own key.
   */
  draw: Schema.optionalKey(Schema.Int)
})
export type ChatRequest = typeof ChatRequest.Type

/** The system messages' text, joined by blank lines (for APIs that take the system prompt apart): undefined when there are none. */
export const systemPrompt = (request: ChatRequest): string | undefined => {
  const texts = request.messages
    .filter((m) => m.role === "system")
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n")
    )
  return texts.length === 0 ? undefined : texts.join("\n\n")
}

export const Usage = Schema.Struct({ inputTokens: Schema.Int, outputTokens: Schema.Int })
export type Usage = typeof Usage.Type

export const ChatResponse = Schema.Struct({
  text: Schema.String,
  /** "stop", "length", "content_filter", ... as the provider says it */
  finishReason: Schema.String,
  usage: Usage,
  /** the provider's id (e.g. "openai", "openai-compatible:http://host:8000/v1") and the model that answered */
  provider: Schema.String,
  model: Schema.String,
  /** true when the response came from the cache (nothing was paid) */
  cached: Schema.optionalKey(Schema.Boolean),
  /** the limits the provider announced in its rate-limit headers, per minute */
  rateLimits: Schema.optionalKey(
    Schema.Struct({
      requestsPerMinute: Schema.optionalKey(Schema.Finite),
      tokensPerMinute: Schema.optionalKey(Schema.Finite)
    })
  )
})
export type ChatResponse = typeof ChatResponse.Type

/** One model call as recorded in the corpus store's `model_calls` table. */
export interface ModelCall {
  readonly stage: string | undefined
  readonly modelId: string
  readonly provider: string
  readonly model: string
  readonly cacheKey: string | undefined
  readonly status: "ok" | ProviderError["_tag"]
  readonly cached: boolean
  readonly inputTokens: number
  readonly outputTokens: number
  readonly costUsd: number
  readonly latencyMs: number
  readonly error: string | undefined
}

const providerFields = { provider: Schema.String, model: Schema.String, detail: Schema.String }

/** 429: too many requests or tokens; `retryAfterMs` from the Retry-After headers when given. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...providerFields,
  retryAfterMs: Schema.optionalKey(Schema.Finite)
}) {
  override get message() {
    return `${this.provider} ${this.model}: rate limited${this.retryAfterMs === undefined ? "" : ` (retry after ${Math.ceil(this.retryAfterMs / 1000)} s)`}: ${this.detail}`
  }
}
/** 401/403: the key is missing, wrong or lacks access. Never retried. */
export class AuthFailed extends Schema.TaggedError<AuthFailed>()("AuthFailed", providerFields) {
  override get message() {
    return `${this.provider} ${this.model}: authentication failed (check the API key variable): ${this.detail}`
  }
}
/** 400/404/422: the request itself is wrong (unknown model, too many images, bad parameter). Never retried. */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", providerFields) {
  override get message() {
    return `${this.provider} ${this.model}: bad request: ${this.detail}`
  }
}
/** The provider refused the content (moderation). Never retried. */
export class ContentFiltered extends Schema.TaggedError<ContentFiltered>()("ContentFiltered", providerFields) {
  override get message() {
    return `${this.provider} ${this.model}: content filtered: ${this.detail}`
  }
}
/** No answer in time. */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", providerFields) {
  override get message() {
    return `${this.provider} ${this.model}: timed out: ${this.detail}`
  }
}
/** 5xx, a broken connection, or a body that is not the protocol (truncated, malformed). */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...providerFields,
  status: Schema.optionalKey(Schema.Int),
  /** an HTTP 200 whose body was empty or not the provider's format (a proxy's page, broken JSON) */
  unusable: Schema.optionalKey(Schema.Boolean)
}) {
  override get message() {
    return `${this.provider} ${this.model}: server error${this.status === undefined ? "" : ` ${this.status}`}: ${this.detail}`
  }
}
/** The answer does not follow the requested structure, after the repair attempt. */
export class InvalidOutput extends Schema.TaggedError<InvalidOutput>()("InvalidOutput", {
  ...providerFields,
  output: Schema.String
}) {
  override get message() {
    return `${this.provider} ${this.model}: the answer does not follow the requested structure: ${this.detail}`
  }
}

export type ProviderError =
  | RateLimited
  | AuthFailed
  | BadRequest
  | ContentFiltered
  | Timeout
  | ServerError
  | InvalidOutput

const providerErrorTags = new Set([
  "RateLimited",
  "AuthFailed",
  "BadRequest",
  "ContentFiltered",
  "Timeout",
  "ServerError",
  "InvalidOutput"
])
export const isProviderError = (u: unknown): u is ProviderError =>
  typeof u === "object" && u !== null && providerErrorTags.has((u as { _tag?: string })._tag ?? "")

/** Errors worth another attempt of the same request, at once (with backoff) by the retry middleware. */
export const isRetryable = (e: ProviderError): boolean =>
  e._tag === "RateLimited" || e._tag === "Timeout" || e._tag === "ServerError"

/**
 * Whether a failure says nothing about the item, only about the moment: a connection refused or reset, a
 * timeout, a 5xx or 529, a 429 that outlasted the retries, an open circuit, an empty answer or an HTTP 200
 * whose body is not the provider's format (all ServerError), or a key the provider refused (fixed by the
 * user, not by the item). Such an item stays pending and is asked again; only the other failures (an
 * answer that fails its schema after the repair, a content-policy block, a 400 that names the request)
 * are final verdicts. Anything that is not a provider error (a video that cannot be read) is final.
 */
export const isTransient = (e: unknown): boolean => isProviderError(e) && (isRetryable(e) || e._tag === "AuthFailed")

export interface ModelProviderShape {
  /** e.g. "openai", "anthropic", "openai-compatible:http://127.0.0.1:8000/v1", "scripted:demo" */
  readonly id: string
  readonly chat: (request: ChatRequest) => Effect.Effect<ChatResponse, ProviderError>
  /** batch APIs (OpenAI Batch, Anthropic Message Batches), for providers that have one */
  readonly batch?: BatchApi | undefined
  /**
   * what its models take beyond text and images: `video`, a whole local video file as a content part
   * `{ type: "video", url: <path> }`, which the stages then send in place of sampled frames
   */
  readonly accepts?: { readonly video?: boolean | undefined } | undefined
}

/** A submitted batch, as much as is needed to find it again after a restart. */
export interface BatchRef {
  readonly provider: string
  readonly id: string
}

export interface BatchStatus {
  readonly state: "running" | "ended" | "failed"
  readonly total: number
  readonly done: number
  readonly detail: string
}

export interface BatchResult {
  readonly customId: string
  readonly outcome: ChatResponse | ProviderError
}

/** Submit many requests at once (cheaper, slower); poll; collect. Requests carry a custom id each. */
export interface BatchApi {
  readonly submit: (
    requests: ReadonlyArray<{ readonly customId: string; readonly request: ChatRequest }>
  ) => Effect.Effect<BatchRef, ProviderError>
  readonly status: (ref: BatchRef) => Effect.Effect<BatchStatus, ProviderError>
  /** the results, read with the requests they answer (by custom id): parsing depends on the request */
  readonly results: (
    ref: BatchRef,
    requests: ReadonlyMap<string, ChatRequest>
  ) => Effect.Effect<ReadonlyArray<BatchResult>, ProviderError>
}

export class ModelProvider extends Context.Service<ModelProvider, ModelProviderShape>()(
  "@videokr/core/ModelProvider"
) {}
