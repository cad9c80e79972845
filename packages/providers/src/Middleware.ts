import { Layer } from "effect"
import { circuitBreakerLayer } from "./CircuitBreaking.ts"
import { rateLimiterLayer } from "./RateLimits.ts"

/** The state that models' middleware keeps, in this process: rate limiters and circuit breakers. */
export const middlewareLayer = Layer.mergeAll(rateLimiterLayer, circuitBreakerLayer)
