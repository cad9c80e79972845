import { Effect, Random } from "effect"
import {
  type ChatRequest,
  type ChatResponse,
  isRetryable,
  type ModelProviderShape,
  type ProviderError
} from "@videokr/core"
import { failureKind, type ModelHealthShape } from "./ModelHealth.ts"

export interface RetryPolicy {
  /** attempts in all, the first included */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const retryDefaults: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 60_000 }

/**
 * The wait before attempt `attempt + 1`: exponential backoff with full jitter, but never less than the
 * provider's Retry-After.
 */
export const retryDelay = (error: ProviderError, attempt: number, policy: RetryPolicy, unit: number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  const backoff = ceiling / 2 + (ceiling / 2) * unit
  const after = error._tag === "RateLimited" ? (error.retryAfterMs ?? 0) : 0
  return Math.max(backoff, after)
}

/** Where retries report what each failed attempt was (the run's per-model summary and status). */
export interface RetryReport {
  readonly health: ModelHealthShape
  readonly modelIdOf: (model: string) => string
}

/** Retries rate limits, timeouts and server errors; other errors (auth, bad request, content) at once. */
export const withRetry = (
  provider: ModelProviderShape,
  policy: RetryPolicy = retryDefaults,
  report?: RetryReport
): ModelProviderShape => {
  const attempt = (request: ChatRequest, n: number): Effect.Effect<ChatResponse, ProviderError> =>
    provider.chat(request).pipe(
      Effect.catch((error: ProviderError) => {
        const counters = report?.health.counters(report.modelIdOf(request.model))
        // once the run has stopped waiting for a model (its circuit stayed open too long), trying again is pointless
        const again = isRetryable(error) && n + 1 < policy.maxAttempts && counters?.gaveUp !== true
        if (counters !== undefined) {
          const kind = failureKind(error)
          if (kind !== undefined) counters[kind]++
          if (again) counters.retried++
        }
        return again
          ? Effect.flatMap(Random.next, (unit) => Effect.sleep(retryDelay(error, n, policy, unit))).pipe(
              Effect.andThen(attempt(request, n + 1))
            )
          : Effect.fail(error)
      })
    )
  return {
    ...provider,
    chat: (request) => {
      if (report !== undefined) report.health.counters(report.modelIdOf(request.model)).calls++
      return attempt(request, 0)
    }
  }
}
