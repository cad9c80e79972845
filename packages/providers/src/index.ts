/**
 * @videokr/providers — model providers behind the ModelProvider port of @videokr/core: OpenAI and any
 * OpenAI-compatible server, Anthropic, the scripted test model (and the demo's script); middleware: usage
 * recording, response cache, retries, circuit breaker, rate limits; model pools; batch APIs; the
 * ModelRegistry of @videokr/core (modelRegistryLayer, registryOf).
 *
 * @module @videokr/providers
 */
export { makeOpenAi, type OpenAiCapabilities, type OpenAiOptions } from "./OpenAi.ts"
export { errorOfStatus, retryAfterMs } from "./HttpErrors.ts"
export { makeAnthropic, type AnthropicOptions } from "./Anthropic.ts"
export { makeScripted, modelCheckPrompts, requestText, type ScriptedRule } from "./Scripted.ts"
export { ConcurrencyGate, type ConcurrencyGateShape, localConcurrencyGate } from "./ConcurrencyGate.ts"
export { withRateLimits, rateLimiterLayer, estimateTokens, bucketOf, type RateLimitOptions } from "./RateLimits.ts"
export { withCircuitBreaker, circuitBreakerLayer, circuitDefaults, type CircuitPolicy } from "./CircuitBreaking.ts"
export { middlewareLayer, middlewareLayerFor, circuitPolicyOf } from "./Middleware.ts"
export {
  ModelHealth,
  makeModelHealth,
  failureKind,
  type ModelHealthShape,
  type ModelHealthRow,
  type ModelCounters,
  type CircuitState
} from "./ModelHealth.ts"
export { CallContext, withUsage } from "./Usage.ts"
export { withRetry, retryDelay, retryDefaults, type RetryPolicy } from "./Retry.ts"
export {
  withCache,
  cacheKey,
  canonicalJson,
  normalizeRequest,
  type CacheMode,
  type CacheOptions,
  type CacheStats
} from "./Cache.ts"
export { drawModel, eligibleMembers, EmptyPool, unitOf, type DrawContext } from "./Pool.ts"
export {
  knownProviderPlugins,
  makeModels,
  modelRegistryLayer,
  registryOf,
  costOf,
  MissingApiKey,
  UnknownProvider,
  type BoundModel,
  type Models,
  type ModelsOptions,
  type ProviderFactory
} from "./Models.ts"
export { builtinScripts } from "./scripts.ts"
export { demoReply } from "./DemoScript.ts"
export { pickModel } from "./Models.ts"
export { summarizeFailures, renderFailureSummary, type FailureGroup } from "./FailureSummary.ts"
export { runBatch, BatchFailed, BatchUnsupported, type BatchRunOptions, type BatchSummary } from "./Batch.ts"
export { responseCache } from "./Cache.ts"
export { lazySdk } from "@videokr/core"
