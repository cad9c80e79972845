import { Clock, Duration, Effect, Exit, Layer, Schedule } from "effect"
import { CircuitBreaker } from "effect/persistence"
import { type ChatRequest, type ModelProviderShape, ServerError } from "@videokr/core"
import type { ModelHealthShape } from "./ModelHealth.ts"

/**
 * Circuit breaking per model (Effect's CircuitBreaker): after `failures` server errors, timeouts,
 * refused connections or unusable answers in a row the model's circuit opens, and its calls stop
 * reaching the provider. They wait instead of failing: a probe goes through after `firstProbeSeconds`,
 * then after doubling pauses up to `maxProbeSeconds`, and when a probe answers, the waiting calls go on.
 * A call gives up (a transient ServerError "not sent": its item stays pending) only when the circuit has
 * kept it waiting `maxWaitMinutes`; the run then stops waiting for that model. Rate limits and bad
 * requests neither trip nor close it.
 */
export interface CircuitPolicy {
  readonly failures: number
  readonly firstProbeSeconds: number
  readonly maxProbeSeconds: number
  readonly maxWaitMinutes: number
}

export const circuitDefaults: CircuitPolicy = {
  failures: 5,
  firstProbeSeconds: 10,
  maxProbeSeconds: 300,
  maxWaitMinutes: 30
}

/** While a probe is in flight, the other calls look again this often. */
const halfOpenPoll = Duration.millis(500)

export interface CircuitOptions {
  readonly breaker: CircuitBreaker.CircuitBreaker
  readonly health: ModelHealthShape
  readonly policy: CircuitPolicy
  /** the model id (as config writes it) of a request's model at this provider */
  readonly modelIdOf: (model: string) => string
}

export const withCircuitBreaker = (provider: ModelProviderShape, options: CircuitOptions): ModelProviderShape => {
  const { breaker, health, policy } = options
  const maxWait = policy.maxWaitMinutes * 60_000
  const notSent = (request: ChatRequest, why: string) =>
    new ServerError({ provider: provider.id, model: request.model, detail: `not sent: ${why}` })

  const chat = (request: ChatRequest) => {
    const key = options.modelIdOf(request.model)
    const counters = health.counters(key)
    const attempt = breaker.execute(provider.chat(request), {
      key,
      classify: (exit) =>
        Exit.isSuccess(exit)
          ? CircuitBreaker.success
          : exit.cause.reasons.some(
                (r) =>
                  r._tag === "Fail" &&
                  (r.error._tag === "ServerError" || r.error._tag === "Timeout" || r.error._tag === "AuthFailed")
              )
            ? CircuitBreaker.failure()
            : CircuitBreaker.ignored
    })
    const loop: ReturnType<ModelProviderShape["chat"]> = attempt.pipe(
      Effect.catchTag("CircuitBreakerError", (e) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (counters.gaveUp)
            return yield* notSent(
              request,
              `the run stopped waiting for ${key}, whose circuit stayed open for ${policy.maxWaitMinutes} min (models.circuit.maxWaitMinutes)`
            )
          const reason = e.reason
          if (reason._tag === "CircuitBreakerStoreError") return yield* notSent(request, reason.message)
          const pause =
            reason._tag === "CircuitOpen" ? Duration.max(reason.retryAfter, Duration.millis(1)) : halfOpenPoll
          if (health.circuit(key).state === "closed")
            health.setCircuit(key, { state: "open", since: now, nextProbeAt: now + Duration.toMillis(pause) })
          // the cap is on how long the model has been out, not on one call: a long outage stops the waiting
          const circuit = health.circuit(key)
          const since = circuit.state === "closed" ? now : circuit.since
          const left = maxWait - (now - since)
          if (left <= 0) {
            counters.gaveUp = true
            return yield* notSent(
              request,
              `${key} has been unavailable (circuit open) for ${Math.round((now - since) / 60_000)} min, the most the run waits (models.circuit.maxWaitMinutes)`
            )
          }
          const sleep = Math.min(Duration.toMillis(pause), left)
          yield* Effect.sleep(sleep)
          counters.waitingMillis += sleep
          return yield* loop
        })
      )
    )
    return loop
  }
  return { ...provider, chat }
}

/** The breaker state every provider's middleware keeps in this process, with the policy's probes. */
export const circuitBreakerLayer = (policy: CircuitPolicy = circuitDefaults) =>
  CircuitBreaker.layer({
    tripPolicy: CircuitBreaker.consecutive(policy.failures),
    // doubling pauses between probes, capped
    openDuration: Schedule.min([
      Schedule.exponential(Duration.seconds(policy.firstProbeSeconds)),
      Schedule.spaced(Duration.seconds(policy.maxProbeSeconds))
    ]),
    maxOpenDuration: Duration.seconds(policy.maxProbeSeconds)
  }).pipe(Layer.provide(CircuitBreaker.layerStoreMemory()))
