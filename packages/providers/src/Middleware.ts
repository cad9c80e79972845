import { Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import type { ModelsConfig } from "@videokr/core"
import { circuitBreakerLayer, circuitDefaults, type CircuitPolicy } from "./CircuitBreaking.ts"
import { ModelHealth } from "./ModelHealth.ts"

/** The circuit policy of a project: models.circuit over the defaults. */
export const circuitPolicyOf = (config: ModelsConfig | undefined): CircuitPolicy => ({
  ...circuitDefaults,
  ...config?.circuit
})

/**
 * The state that models' middleware keeps: rate limiters, circuit breakers (with the project's probe
 * schedule) and the health of each model, for a command that calls models. The limiters' state is this
 * process's unless a store is given (workers share theirs through Redis: @videokr/queue).
 */
export const middlewareLayerFor = <E = never, R = never>(
  config: ModelsConfig | undefined,
  limiterStore: Layer.Layer<RateLimiter.RateLimiterStore, E, R> = RateLimiter.layerStoreMemory as Layer.Layer<
    RateLimiter.RateLimiterStore,
    E,
    R
  >
) => {
  // one breaker, which the health service watches and the providers' middleware uses
  return Layer.mergeAll(
    RateLimiter.layer.pipe(Layer.provide(limiterStore)),
    ModelHealth.layer.pipe(Layer.provideMerge(circuitBreakerLayer(circuitPolicyOf(config))))
  )
}

/** The middleware state with the default policy. */
export const middlewareLayer = middlewareLayerFor(undefined)
