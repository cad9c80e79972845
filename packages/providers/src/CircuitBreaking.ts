import { Duration, Effect, Exit, Layer } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { type ChatRequest, type ModelProviderShape, ServerError } from "@videokr/core"

/**
 * Circuit breaking per model on repeated server errors (Effect's CircuitBreaker): after
 * `consecutiveFailures` 5xx answers in a row the model's circuit opens, and calls fail fast, without
 * reaching the provider, until a probe gets through. Other errors (rate limits, bad requests) neither
 * trip nor close it.
 */
export const consecutiveFailures = 5

export const withCircuitBreaker = (provider: ModelProviderShape, breaker: CircuitBreaker.CircuitBreaker): ModelProviderShape => ({
  ...provider,
  chat: (request: ChatRequest) =>
    breaker
      .execute(provider.chat(request), {
        key: `${provider.id}:${request.model}`,
        classify: (exit) =>
          Exit.isSuccess(exit)
            ? CircuitBreaker.success
            : exit.cause.reasons.some((r) => r._tag === "Fail" && (r.error._tag === "ServerError" || r.error._tag === "Timeout"))
              ? CircuitBreaker.failure()
              : CircuitBreaker.ignored
      })
      .pipe(
        Effect.catchTag("CircuitBreakerError", (e) =>
          Effect.fail(new ServerError({ provider: provider.id, model: request.model, detail: `not sent: ${e.message} (repeated server errors)` }))
        )
      )
})

/** The state every provider's middleware keeps in this process: rate limits and circuits. */
export const circuitBreakerLayer = CircuitBreaker.layer({
  tripPolicy: CircuitBreaker.consecutive(consecutiveFailures),
  openDuration: Duration.seconds(10),
  maxOpenDuration: Duration.minutes(5)
}).pipe(Layer.provide(CircuitBreaker.layerStoreMemory()))
