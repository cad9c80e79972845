import { Layer } from "effect"
import type { ModelsConfig } from "@videokr/core"
import { circuitBreakerLayer, circuitDefaults, type CircuitPolicy } from "./CircuitBreaking.ts"
import { ModelHealth } from "./ModelHealth.ts"
import { rateLimiterLayer } from "./RateLimits.ts"

/** The circuit policy of a project: models.circuit over the defaults. */
export const circuitPolicyOf = (config: ModelsConfig | undefined): CircuitPolicy => ({ ...circuitDefaults, ...config?.circuit })

/**
 * The state that models' middleware keeps in this process: rate limiters, circuit breakers (with the
 * project's probe schedule) and the health of each model, for a command that calls models.
 */
export const middlewareLayerFor = (config: ModelsConfig | undefined) => {
  // one breaker, which the health service watches and the providers' middleware uses
  return Layer.mergeAll(rateLimiterLayer, ModelHealth.layer.pipe(Layer.provideMerge(circuitBreakerLayer(circuitPolicyOf(config)))))
}

/** The middleware state with the default policy. */
export const middlewareLayer = middlewareLayerFor(undefined)
