import { Clock, Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import type { ChatRequest, ChatResponse, Limits, ModelProviderShape, ProviderError } from "@videokr/core"
import type { ConcurrencyGateShape } from "./ConcurrencyGate.ts"

/**
 * Rate limits per model, shared by every stage that uses it (one limiter key per model; waiting calls
 * are served in arrival order):
 * - requests and tokens per minute, configured: token buckets refilled every second (providers enforce
 *   per-minute limits over shorter periods too), so that calls are spread instead of burst;
 * - not configured: learned. From the limits the provider announces in its rate-limit headers once a
 *   call has answered; until then (and for providers that announce none) after a 429 the model cools
 *   down for its Retry-After, and Effect's adaptive limiter learns the rate the provider accepts;
 * - concurrency: at most that many calls in flight.
 */
export interface RateLimitOptions {
  /** the limits of a model (by its name at the provider), if configured */
  readonly limitsOf: (model: string) => Limits | undefined
  readonly limiter: RateLimiter.RateLimiter
  /** the permits of limits.<model>.concurrency: this process's, or shared through Redis by workers */
  readonly gate: ConcurrencyGateShape
}

/** Tokens a request may use, as providers count them at admission: prompt estimate plus max output. */
export const estimateTokens = (request: ChatRequest): number => {
  let chars = 0
  let images = 0
  for (const m of request.messages) {
    if (typeof m.content === "string") chars += m.content.length
    else
      for (const p of m.content)
        p.type === "text" ? (chars += p.text.length) : p.type === "image" ? images++ : undefined
  }
  return Math.ceil(chars / 4) + images * 765 + (request.params?.maxTokens ?? 512)
}

/**
 * Calls are admitted at 97% of a configured limit: requests reach the provider with jitter (more of it
 * when several workers share the limit on busy machines), and one that arrives early costs a 429 and a retry.
 */
export const headroom = 0.97

/**
 * A per-minute limit as a bucket of half a second's worth (at least one), refilled over its share of a
 * minute. Providers hold a second's worth: the other half absorbs requests that reach them bunched up
 * (a busy event loop, several workers sharing the bucket through Redis), up to half a second late.
 */
export const bucketOf = (perMinute: number) => {
  const rate = perMinute * headroom
  const capacity = Math.max(1, Math.floor(rate / 120))
  return { limit: capacity, window: Duration.millis((capacity * 60_000) / rate) }
}

/**
 * Waits for a turn in a bucket. A caller that wakes more than the bucket's slack late (its event loop
 * was stalled: a busy machine, a long garbage collection) would send in the turns of the callers after
 * it, all at once; it takes a new turn instead, which costs the limit a turn but never exceeds it.
 */
const turnIn = (
  limiter: RateLimiter.RateLimiter,
  key: string,
  tokens: number,
  bucket: ReturnType<typeof bucketOf>
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const slack = Duration.toMillis(bucket.window)
    while (true) {
      const { delay } = yield* Effect.orDie(
        limiter.consume({ key, algorithm: "token-bucket", onExceeded: "delay", tokens, ...bucket })
      )
      if (Duration.isZero(delay)) return
      const due = (yield* Clock.currentTimeMillis) + Duration.toMillis(delay)
      yield* Effect.sleep(delay)
      if ((yield* Clock.currentTimeMillis) - due <= slack) return
    }
  })

export const withRateLimits = (provider: ModelProviderShape, options: RateLimitOptions): ModelProviderShape => {
  const limiter = options.limiter

  const admitted = (
    key: string,
    limits: Limits | undefined,
    request: ChatRequest,
    call: Effect.Effect<ChatResponse, ProviderError>
  ) =>
    Effect.gen(function* () {
      if (limits?.requestsPerMinute !== undefined)
        yield* turnIn(limiter, `${key}:rpm`, 1, bucketOf(limits.requestsPerMinute))
      if (limits?.tokensPerMinute !== undefined)
        yield* turnIn(limiter, `${key}:tpm`, estimateTokens(request), bucketOf(limits.tokensPerMinute))
      if (limits?.requestsPerMinute !== undefined || limits?.tokensPerMinute !== undefined) return yield* call
      // nothing configured: learn from the provider's 429s
      // (the in-memory limiter store cannot fail: its errors are defects)
      const admission = yield* Effect.orDie(
        limiter.adaptiveConsume({
          key: `${key}:adaptive`,
          tokens: 1,
          fallbackLimit: 600,
          fallbackWindow: Duration.minutes(1)
        })
      )
      if (!Duration.isZero(admission.delay)) yield* Effect.sleep(admission.delay)
      return yield* call.pipe(
        Effect.tapError((e) =>
          e._tag === "RateLimited"
            ? limiter
                .adaptiveFeedback({
                  key: `${key}:adaptive`,
                  epoch: admission.epoch,
                  tokens: 1,
                  status: 429,
                  retryAfter: Duration.millis(e.retryAfterMs ?? 1_000)
                })
                .pipe(Effect.ignore)
            : Effect.void
        )
      )
    })

  /** limits announced by the provider's headers, for models without configured ones */
  const learned = new Map<string, Limits>()
  const chat = (request: ChatRequest) => {
    const key = `${provider.id}:${request.model}`
    const configured = options.limitsOf(request.model)
    // configured limits win; announced ones fill in what is not configured
    const merged = { ...learned.get(key), ...configured }
    const limits = Object.keys(merged).length > 0 ? merged : undefined
    const call = admitted(key, limits, request, provider.chat(request)).pipe(
      Effect.tap((r) =>
        Effect.sync(() => {
          if (r.rateLimits === undefined) return
          const { requestsPerMinute, tokensPerMinute } = r.rateLimits
          learned.set(key, {
            ...(requestsPerMinute === undefined ? {} : { requestsPerMinute: Math.floor(requestsPerMinute) }),
            ...(tokensPerMinute === undefined ? {} : { tokensPerMinute: Math.floor(tokensPerMinute) })
          })
        })
      )
    )
    return limits?.concurrency === undefined ? call : options.gate.withPermit(key, limits.concurrency)(call)
  }
  return { ...provider, chat }
}

/** The limiter with its state in this process (a run spread over workers puts it in Redis: @videokr/queue). */
export const rateLimiterLayer = RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))
