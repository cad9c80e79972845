import { Effect, Layer, Redacted, Schema } from "effect"
import { CircuitBreaker, RateLimiter } from "effect/persistence"
import {
  type BoundModel, type ChatRequest, isPoolSpec, ModelRegistry, ModelUnavailable, type PickContext, type ChatResponse, InvalidModelId, type ModelCall, type ModelProviderShape, type ModelsConfig, parseModelId,
  type Price, type ProviderError, type ProviderFactory, providerKey, type VideokrPlugin
} from "@videokr/core"
import { makeAnthropic } from "./Anthropic.ts"
import { cacheKey, type CacheMode, type CacheStats, responseCache, withCache } from "./Cache.ts"
import { makeOpenAi } from "./OpenAi.ts"
import { drawModel } from "./Pool.ts"
import { withCircuitBreaker } from "./CircuitBreaking.ts"
import { middlewareLayer } from "./Middleware.ts"
import { withRateLimits } from "./RateLimits.ts"
import { retryDefaults, type RetryPolicy, withRetry } from "./Retry.ts"
import { builtinScripts } from "./scripts.ts"
import { makeScripted, type ScriptedRule } from "./Scripted.ts"

/**
 * The models of a project: model ids resolved to providers, each wrapped in the middleware every call
 * goes through (outermost first): usage recording, the response cache, retries, the circuit breaker,
 * rate limits. Provider
 * clients (and so limits and cache) are made once per provider and shared by its models and stages.
 */

export class MissingApiKey extends Schema.TaggedError<MissingApiKey>()("MissingApiKey", {
  modelId: Schema.String,
  variable: Schema.String
}) {
  override get message() {
    return `${this.modelId}: the environment variable ${this.variable} is not set (API keys are read from the environment only)`
  }
}

export class UnknownProvider extends Schema.TaggedError<UnknownProvider>()("UnknownProvider", {
  modelId: Schema.String,
  provider: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.modelId}: no provider "${this.provider}" (known: ${this.known.join(", ")}; plugins add more)`
  }
}

export interface ModelsOptions {
  readonly config: ModelsConfig
  /** where API keys are read; process.env in the CLI */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cache: { readonly dir: string; readonly mode: CacheMode }
  readonly retry?: RetryPolicy | undefined
  /** plugins' providers, key variables and scripts, on top of the built-ins */
  readonly plugins?: ReadonlyArray<VideokrPlugin> | undefined
  /** called once per call, after its outcome is known (the CLI writes it to model_calls) */
  readonly record?: ((call: ModelCall) => Effect.Effect<void>) | undefined
}

/** A model ready to be asked (the request's `model` is filled in): the port of @videokr/core. */
export type { BoundModel }

const defaultKeyEnv: Record<string, string> = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" }

export const costOf = (price: Price | undefined, inputTokens: number, outputTokens: number): number =>
  price === undefined ? 0 : (inputTokens * price.input + outputTokens * price.output) / 1_000_000

export const makeModels = (options: ModelsOptions) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter.RateLimiter
    const breaker = yield* CircuitBreaker.CircuitBreaker
    const plugins = options.plugins ?? []
    const scripts: Record<string, ReadonlyArray<ScriptedRule>> = Object.assign({ ...builtinScripts }, ...plugins.map((p) => p.scripts ?? {}))
    const keyEnv: Record<string, string> = Object.assign({ ...defaultKeyEnv }, ...plugins.map((p) => p.apiKeyEnv ?? {}))
    const factories: Record<string, ProviderFactory> = {
      openai: ({ key, settings, apiKey }) => makeOpenAi({ id: key, baseURL: settings.baseURL, apiKey, timeoutMs: settings.timeoutMs, capabilities: { maxTokensField: "max_completion_tokens" } }),
      "openai-compatible": ({ key, settings, apiKey }) =>
        makeOpenAi({
          id: `openai-compatible:${key}`,
          baseURL: key,
          apiKey,
          timeoutMs: settings.timeoutMs,
          capabilities: {
            ...(settings.maxImages !== undefined ? { maxImages: settings.maxImages } : {}),
            ...(settings.jsonMode !== undefined ? { jsonMode: settings.jsonMode } : {}),
            ...(settings.videoUrl !== undefined ? { videoUrl: settings.videoUrl } : {})
          }
        }),
      anthropic: ({ settings, apiKey }) => makeAnthropic({ baseURL: settings.baseURL, apiKey, timeoutMs: settings.timeoutMs }),
      ...Object.assign({}, ...plugins.map((p) => p.providers ?? {}))
    }
    const clients = new Map<string, { readonly provider: ModelProviderShape; readonly stats: Effect.Effect<CacheStats> }>()

    const client = (modelId: string) =>
      Effect.gen(function* () {
        const parsed = parseModelId(modelId)
        if (parsed instanceof InvalidModelId) return yield* parsed
        const key = providerKey(parsed)
        // one client per provider (its limits, breaker and cache are shared), except scripted models: each has its own script
        const clientKey = parsed.provider === "scripted" ? `scripted:${parsed.model}` : key
        const existing = clients.get(clientKey)
        if (existing !== undefined) return { parsed, ...existing }
        const settings = options.config.providers?.[key] ?? {}
        let base: ModelProviderShape
        if (parsed.provider === "scripted") {
          const rules = scripts[parsed.model]
          if (rules === undefined) return yield* new UnknownProvider({ modelId, provider: `scripted:${parsed.model}`, known: Object.keys(scripts).map((s) => `scripted:${s}`) })
          base = makeScripted(parsed.model, rules)
        } else {
          const factory = factories[parsed.provider]
          if (factory === undefined) return yield* new UnknownProvider({ modelId, provider: parsed.provider, known: [...Object.keys(factories), "scripted"] })
          const variable = settings.apiKeyEnv ?? keyEnv[parsed.provider]
          const value = variable === undefined ? undefined : options.env[variable]
          if (variable !== undefined && (value === undefined || value === "")) {
            // a compatible server without a configured key variable needs none; a named variable must be set
            if (parsed.provider !== "openai-compatible" || settings.apiKeyEnv !== undefined) return yield* new MissingApiKey({ modelId, variable })
          }
          base = factory({ key, settings, apiKey: value ? Redacted.make(value) : undefined })
        }
        const idOf = (model: string) => (parsed.provider === "openai-compatible" ? `openai-compatible:${key}#${model}` : `${parsed.provider}:${model}`)
        const limited = withRateLimits(base, { limiter, limitsOf: (model) => options.config.limits?.[idOf(model)] })
        const guarded = withCircuitBreaker(limited, breaker)
        const cached = yield* withCache(withRetry(guarded, options.retry ?? retryDefaults), options.cache)
        const made = { provider: cached.provider, stats: cached.stats }
        clients.set(clientKey, made)
        return { parsed, ...made }
      })

    const resolve = (modelId: string, context: { readonly stage?: string | undefined } = {}) =>
      Effect.map(client(modelId), ({ parsed, provider }): BoundModel => {
        const price = options.config.prices?.[modelId]
        const record = options.record ?? (() => Effect.void)
        return {
          id: modelId,
          chat: (request) => {
            const full: ChatRequest = { ...request, model: parsed.model }
            const started = performance.now()
            const base = { stage: context.stage, modelId, provider: provider.id, model: parsed.model, cacheKey: cacheKey(provider.id, full) }
            return provider.chat(full).pipe(
              Effect.tap((r) =>
                record({
                  ...base, status: "ok", cached: r.cached === true, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens,
                  costUsd: r.cached === true ? 0 : costOf(price, r.usage.inputTokens, r.usage.outputTokens),
                  latencyMs: performance.now() - started, error: undefined
                })
              ),
              Effect.tapError((e) =>
                record({ ...base, status: e._tag, cached: false, inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: performance.now() - started, error: e.message })
              )
            )
          }
        }
      })

    /**
     * What batch mode needs of a model: its provider's batch API, the response cache, cache keys, and
     * call recording (batch APIs bill half the live price at OpenAI and Anthropic).
     */
    const batchTarget = (modelId: string, context: { readonly stage?: string | undefined } = {}) =>
      Effect.map(client(modelId), ({ parsed, provider }) => {
        const price = options.config.prices?.[modelId]
        const record = options.record ?? (() => Effect.void)
        return {
          providerId: provider.id,
          model: parsed.model,
          batch: provider.batch,
          cache: responseCache(options.cache.dir),
          keyOf: (request: ChatRequest) => cacheKey(provider.id, request),
          record: (request: ChatRequest, outcome: ChatResponse | ProviderError) =>
            record({
              stage: context.stage, modelId, provider: provider.id, model: parsed.model, cacheKey: cacheKey(provider.id, request),
              status: "_tag" in outcome ? outcome._tag : "ok", cached: false,
              inputTokens: "usage" in outcome ? outcome.usage.inputTokens : 0,
              outputTokens: "usage" in outcome ? outcome.usage.outputTokens : 0,
              costUsd: "usage" in outcome ? costOf(price, outcome.usage.inputTokens, outcome.usage.outputTokens) / 2 : 0,
              latencyMs: 0,
              error: "_tag" in outcome ? outcome.message : undefined
            })
        }
      })

    /** Cache hits, misses and writes over every provider so far. */
    const cacheStats = Effect.suspend(() => Effect.forEach([...clients.values()], (c) => c.stats)).pipe(
      Effect.map((all) => all.reduce((a, s) => ({ hits: a.hits + s.hits, misses: a.misses + s.misses, writes: a.writes + s.writes }), { hits: 0, misses: 0, writes: 0 }))
    )

    return { resolve, batchTarget, cacheStats }
  })

export type Models = Effect.Success<ReturnType<typeof makeModels>>
export type { ProviderFactory }

/** A model id for an item: the spec itself, or a seeded draw from the pool "pool:<name>" (Pool.ts). */
export const pickModel = (config: ModelsConfig, spec: string, context: PickContext): Effect.Effect<string, ModelUnavailable> => {
  if (!isPoolSpec(spec)) return Effect.succeed(spec)
  const name = spec.slice("pool:".length)
  const members = config.pools?.[name]
  if (members === undefined) return Effect.fail(new ModelUnavailable({ modelId: spec, reason: `no pool "${name}" in models.pools (pools: ${Object.keys(config.pools ?? {}).join(", ") || "none"})` }))
  const drawn = drawModel(members, { seed: config.poolSeed ?? 0, pool: name, step: context.step, item: context.item, draw: context.draw, excluded: context.excluded })
  return typeof drawn === "string" ? Effect.succeed(drawn) : Effect.fail(new ModelUnavailable({ modelId: spec, reason: drawn.message }))
}

/** The ModelRegistry port of @videokr/core, served by these models (with the middleware state layer). */
export const registryOf = (models: Models, config: ModelsConfig) => ({
  resolve: (modelId: string, context?: { readonly stage?: string | undefined }) =>
    models.resolve(modelId, context ?? {}).pipe(Effect.mapError((e) => new ModelUnavailable({ modelId, reason: e.message }))),
  pick: (spec: string, context: PickContext) => pickModel(config, spec, context)
})

export const modelRegistryLayer = (options: ModelsOptions) =>
  Layer.effect(ModelRegistry, Effect.map(makeModels(options), (models) => registryOf(models, options.config))).pipe(Layer.provide(middlewareLayer))
