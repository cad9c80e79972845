import { Clock, Context, Duration, Effect, Layer, Stream } from "effect"
import { CircuitBreaker } from "effect/persistence"
import type { ProviderError } from "@videokr/core"

/**
 * How each model is faring in this process: what its calls met (retries, 429s, 5xx, timeouts, broken
 * connections, unusable answers), its circuit (closed, open since when and until the next probe,
 * half-open), and the time calls spent waiting for it. The run's status and its closing summary read it;
 * pools read it to route around a sick member. Keyed by model id as the config writes it.
 */
export interface ModelCounters {
  /** calls asked of the provider (cache hits excluded), each counted once however often it was retried */
  calls: number
  /** attempts that failed and were tried again */
  retried: number
  rateLimited: number
  serverErrors: number
  timeouts: number
  /** refused or reset connections */
  connectionErrors: number
  /** HTTP 200 answers that were empty or not the provider's format */
  unusable: number
  circuitOpenings: number
  /** milliseconds calls spent waiting for the model's circuit to close (summed over calls) */
  waitingMillis: number
  /** the run stopped waiting for this model: its circuit stayed open longer than models.circuit.maxWaitMinutes */
  gaveUp: boolean
}

export type CircuitState =
  | { readonly state: "closed" }
  | { readonly state: "open"; readonly since: number; readonly nextProbeAt: number }
  | { readonly state: "half-open"; readonly since: number }

export interface ModelHealthRow extends ModelCounters {
  readonly model: string
  readonly circuit: CircuitState
}

/** What one failed attempt was, for the counters. */
export const failureKind = (
  e: ProviderError
): "rateLimited" | "serverErrors" | "timeouts" | "connectionErrors" | "unusable" | undefined => {
  switch (e._tag) {
    case "RateLimited":
      return "rateLimited"
    case "Timeout":
      return "timeouts"
    case "ServerError":
      if (e.status !== undefined) return "serverErrors"
      return e.unusable === true ? "unusable" : "connectionErrors"
    default:
      return undefined
  }
}

const emptyCounters = (): ModelCounters => ({
  calls: 0,
  retried: 0,
  rateLimited: 0,
  serverErrors: 0,
  timeouts: 0,
  connectionErrors: 0,
  unusable: 0,
  circuitOpenings: 0,
  waitingMillis: 0,
  gaveUp: false
})

export interface ModelHealthShape {
  readonly counters: (model: string) => ModelCounters
  readonly circuit: (model: string) => CircuitState
  /** whether calls to the model would wait now (its circuit is not closed, or the run gave up on it) */
  readonly isSick: (model: string) => boolean
  readonly snapshot: () => ReadonlyArray<ModelHealthRow>
  /** the circuit as the breaker last told it (its transitions), or as a waiting call learnt it */
  readonly setCircuit: (model: string, state: CircuitState) => void
}

export const makeModelHealth = (): ModelHealthShape => {
  const counters = new Map<string, ModelCounters>()
  const circuits = new Map<string, CircuitState>()
  const countersOf = (model: string) => {
    let c = counters.get(model)
    if (c === undefined) counters.set(model, (c = emptyCounters()))
    return c
  }
  const circuit = (model: string): CircuitState => circuits.get(model) ?? { state: "closed" }
  return {
    counters: countersOf,
    circuit,
    isSick: (model) => circuit(model).state !== "closed" || counters.get(model)?.gaveUp === true,
    snapshot: () =>
      [...counters.keys()].sort().map((model) => ({ model, ...countersOf(model), circuit: circuit(model) })),
    setCircuit: (model, state) => {
      if (state.state === "open" && circuit(model).state !== "open") countersOf(model).circuitOpenings++
      circuits.set(model, state)
    }
  }
}

export class ModelHealth extends Context.Service<ModelHealth, ModelHealthShape>()("@videokr/providers/ModelHealth") {
  /** Health fed by the breaker's transitions for as long as the layer lives. */
  static readonly layer = Layer.effect(
    ModelHealth,
    Effect.gen(function* () {
      const health = makeModelHealth()
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* Stream.runForEach(breaker.transitions, (t) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const current = health.circuit(t.key)
          // a circuit that re-opens after a failed probe has been open since it first opened
          const since = current.state === "closed" ? now : current.since
          if (t.to === "Open")
            health.setCircuit(t.key, { state: "open", since, nextProbeAt: now + Duration.toMillis(t.retryAfter) })
          else if (t.to === "HalfOpen") health.setCircuit(t.key, { state: "half-open", since })
          else health.setCircuit(t.key, { state: "closed" })
        })
      ).pipe(Effect.forkScoped)
      return health
    })
  )
}
