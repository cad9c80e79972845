import { Effect, Layer, Redacted, Schema } from "effect"
import { CircuitBreaker, RateLimiter } from "effect/persistence"
import {
  type BoundModel,
  type ChatRequest,
  didYouMeanHint,
  isPoolSpec,
  isTransient,
  ModelRegistry,
  noteItemEvent,
  ModelUnavailable,
  type PickContext,
  type ChatResponse,
  InvalidModelId,
  type ModelCall,
  type ModelProviderShape,
  type ModelsConfig,
  parseModelId,
  type ProviderError,
  type ProviderFactory,
  providerKey,
  type VideokrPlugin
} from "@videokr/core"
import { makeAnthropic } from "./Anthropic.ts"
import { cacheKey, type CacheMode, type CacheStats, responseCache, withCache } from "./Cache.ts"
import { makeOpenAi } from "./OpenAi.ts"
import { drawModel } from "./Pool.ts"
import { withCircuitBreaker } from "./CircuitBreaking.ts"
import { circuitPolicyOf, middlewareLayerFor } from "./Middleware.ts"
import { ModelHealth, type ModelHealthShape } from "./ModelHealth.ts"
import { ConcurrencyGate } from "./ConcurrencyGate.ts"
import { withRateLimits } from "./RateLimits.ts"
import { retryDefaults, type RetryPolicy, withRetry } from "./Retry.ts"
import { CallContext, costOf, recordHit, withUsage } from "./Usage.ts"
import { builtinScripts } from "./scripts.ts"
import { makeScripted, type ScriptedRule } from "./Scripted.ts"

/**
 * The models of a project: model ids resolved to providers, each wrapped in the middleware every call
 * goes through (outermost first): the response cache, usage recording (a paid answer is recorded before
 * it is cached), retries, the circuit breaker (calls wait while it is open), rate limits. Provider
 * clients (and so limits and cache) are made once per provider and shared by its models and stages.
 * A call that fails transiently tells the pipeline item it belongs to (ItemCalls), so that the item
 * stays pending instead of getting an error verdict.
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
  known: Schema.Array(Schema.String),
  /** the plugin package that provides it, when videokr knows one */
  install: Schema.optionalKey(Schema.String)
}) {
  override get message() {
    if (this.install !== undefined)
      return `${this.modelId}: "${this.provider}" models come from the plugin ${this.install}, which is not installed (npm install ${this.install})`
    return `${this.modelId}: no provider "${this.provider}"${didYouMeanHint(this.provider, this.known)} (known: ${this.known.join(", ")}; plugins add more)`
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
  /** called once per call, after its outcome is known (the CLI writes it to model_calls); a paid answer before it is cached */
  readonly record?: ((call: ModelCall) => Effect.Effect<void>) | undefined
}

/** A model ready to be asked (the request's `model` is filled in): the port of @videokr/core. */
export type { BoundModel }

const defaultKeyEnv: Record<string, string> = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" }

/**
 * Providers videokr knows by their plugin: a model id with one of these prefixes loads the plugin package
 * when it is installed, with no `plugins` entry ("gemini:gemini-2.5-flash" after `npm install
 * videokr-plugin-gemini`). The package stays the plugin's own: videokr depends on it only by name.
 */
export const knownProviderPlugins: Readonly<Record<string, string>> = { gemini: "videokr-plugin-gemini" }

/** The provider factories and key variables of a known plugin package, if it is installed. */
const loadKnownPlugin = (prefix: string) =>
  Effect.tryPromise({
    try: async () => ((await import(knownProviderPlugins[prefix]!)) as { default?: VideokrPlugin }).default,
    catch: () => undefined
  }).pipe(Effect.orElseSucceed(() => undefined))

export { costOf }

/** The model id (as config writes it) of a model at a provider. */
const modelIdAt = (parsed: { readonly provider: string }, key: string) => (model: string) =>
  parsed.provider === "openai-compatible" ? `openai-compatible:${key}#${model}` : `${parsed.provider}:${model}`

export const makeModels = (options: ModelsOptions) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter.RateLimiter
    const gate = yield* ConcurrencyGate
    const breaker = yield* CircuitBreaker.CircuitBreaker
    const health = yield* ModelHealth
    const record = options.record ?? (() => Effect.void)
    const circuit = circuitPolicyOf(options.config)
    const retry: RetryPolicy = options.retry ?? { ...retryDefaults, ...options.config.retry }
    const plugins = options.plugins ?? []
    const scripts: Record<string, ReadonlyArray<ScriptedRule>> = Object.assign(
      { ...builtinScripts },
      ...plugins.map((p) => p.scripts ?? {})
    )
    const keyEnv: Record<string, string> = Object.assign({ ...defaultKeyEnv }, ...plugins.map((p) => p.apiKeyEnv ?? {}))
    const factories: Record<string, ProviderFactory> = {
      openai: ({ key, settings, apiKey }) =>
        makeOpenAi({
          id: key,
          baseURL: settings.baseURL,
          apiKey,
          timeoutMs: settings.timeoutMs,
          capabilities: { maxTokensField: "max_completion_tokens" }
        }),
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
      anthropic: ({ settings, apiKey }) =>
        makeAnthropic({ baseURL: settings.baseURL, apiKey, timeoutMs: settings.timeoutMs }),
      ...Object.assign({}, ...plugins.map((p) => p.providers ?? {}))
    }
    const clients = new Map<
      string,
      {
        readonly provider: ModelProviderShape
        readonly stats: Effect.Effect<CacheStats>
        readonly acceptsVideo: boolean
      }
    >()

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
          if (rules === undefined)
            return yield* new UnknownProvider({
              modelId,
              provider: `scripted:${parsed.model}`,
              known: Object.keys(scripts).map((s) => `scripted:${s}`)
            })
          base = makeScripted(parsed.model, rules)
        } else {
          if (factories[parsed.provider] === undefined && knownProviderPlugins[parsed.provider] !== undefined) {
            const plugin = yield* loadKnownPlugin(parsed.provider)
            if (plugin === undefined)
              return yield* new UnknownProvider({
                modelId,
                provider: parsed.provider,
                known: [...Object.keys(factories), "scripted"],
                install: knownProviderPlugins[parsed.provider]!
              })
            Object.assign(factories, plugin.providers ?? {})
            Object.assign(keyEnv, plugin.apiKeyEnv ?? {})
          }
          const factory = factories[parsed.provider]
          if (factory === undefined)
            return yield* new UnknownProvider({
              modelId,
              provider: parsed.provider,
              known: [...Object.keys(factories), "scripted"]
            })
          const variable = settings.apiKeyEnv ?? keyEnv[parsed.provider]
          const value = variable === undefined ? undefined : options.env[variable]
          if (variable !== undefined && (value === undefined || value === "")) {
            // a compatible server without a configured key variable needs none; a named variable must be set
            if (parsed.provider !== "openai-compatible" || settings.apiKeyEnv !== undefined)
              return yield* new MissingApiKey({ modelId, variable })
          }
          base = factory({ key, settings, apiKey: value ? Redacted.make(value) : undefined })
        }
        const idOf = modelIdAt(parsed, key)
        const limited = withRateLimits(base, {
          limiter,
          gate,
          limitsOf: (model) => options.config.limits?.[idOf(model)]
        })
        const guarded = withCircuitBreaker(limited, { breaker, health, policy: circuit, modelIdOf: idOf })
        const recorded = withUsage(withRetry(guarded, retry, { health, modelIdOf: idOf }), record)
        const cached = yield* withCache(recorded, {
          ...options.cache,
          onHit: (request, response) => recordHit(record, base.id, request, response.usage)
        })
        const made = { provider: cached.provider, stats: cached.stats, acceptsVideo: base.accepts?.video === true }
        clients.set(clientKey, made)
        return { parsed, ...made }
      })

    const resolve = (modelId: string, context: { readonly stage?: string | undefined } = {}) =>
      Effect.map(client(modelId), ({ parsed, provider, acceptsVideo }): BoundModel => {
        const price = options.config.prices?.[modelId]
        return {
          id: modelId,
          acceptsVideo,
          chat: (request) =>
            provider.chat({ ...request, model: parsed.model }).pipe(
              Effect.provideService(CallContext, { stage: context.stage, modelId, price, started: performance.now() }),
              Effect.tapError((e) =>
                isTransient(e) ? noteItemEvent({ kind: "transient", modelId, detail: e.message }) : Effect.void
              )
            )
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
              stage: context.stage,
              modelId,
              provider: provider.id,
              model: parsed.model,
              cacheKey: cacheKey(provider.id, request),
              status: "_tag" in outcome ? outcome._tag : "ok",
              cached: false,
              inputTokens: "usage" in outcome ? outcome.usage.inputTokens : 0,
              outputTokens: "usage" in outcome ? outcome.usage.outputTokens : 0,
              costUsd:
                "usage" in outcome ? costOf(price, outcome.usage.inputTokens, outcome.usage.outputTokens) / 2 : 0,
              latencyMs: 0,
              error: "_tag" in outcome ? outcome.message : undefined
            })
        }
      })

    /** Cache hits, misses and writes over every provider so far. */
    const cacheStats = Effect.suspend(() => Effect.forEach([...clients.values()], (c) => c.stats)).pipe(
      Effect.map((all) =>
        all.reduce((a, s) => ({ hits: a.hits + s.hits, misses: a.misses + s.misses, writes: a.writes + s.writes }), {
          hits: 0,
          misses: 0,
          writes: 0
        })
      )
    )

    return { resolve, batchTarget, cacheStats, health }
  })

export type Models = Effect.Success<ReturnType<typeof makeModels>>
export type { ProviderFactory }

/**
 * A model id for an item: the spec itself, or a seeded draw from the pool "pool:<name>" (Pool.ts). When
 * the drawn member is sick (its circuit open, or the run gave up on it), another eligible member of the
 * pool takes the item, and the item's history says so; a pinned model (not a pool) waits for its circuit.
 */
export const pickModel = (
  config: ModelsConfig,
  spec: string,
  context: PickContext,
  health?: ModelHealthShape
): Effect.Effect<string, ModelUnavailable> => {
  if (!isPoolSpec(spec)) return Effect.succeed(spec)
  const name = spec.slice("pool:".length)
  const members = config.pools?.[name]
  if (members === undefined)
    return Effect.fail(
      new ModelUnavailable({
        modelId: spec,
        reason: `no pool "${name}" in models.pools (pools: ${Object.keys(config.pools ?? {}).join(", ") || "none"})`
      })
    )
  const draw = (excluded: ReadonlySet<string> | undefined) =>
    drawModel(members, {
      seed: config.poolSeed ?? 0,
      pool: name,
      step: context.step,
      item: context.item,
      draw: context.draw,
      excluded
    })
  const drawn = draw(context.excluded)
  if (typeof drawn !== "string") return Effect.fail(new ModelUnavailable({ modelId: spec, reason: drawn.message }))
  if (health === undefined || !health.isSick(drawn)) return Effect.succeed(drawn)
  const sick = new Set(context.excluded)
  for (const m of members) if (health.isSick(m.model)) sick.add(m.model)
  const standIn = draw(sick)
  if (typeof standIn !== "string") return Effect.succeed(drawn) // every eligible member is sick: wait for the drawn one
  return Effect.as(
    noteItemEvent({
      kind: "rerouted",
      modelId: standIn,
      detail: `${drawn}, drawn from pool ${name} for ${context.step}, is unavailable (circuit ${health.circuit(drawn).state}); ${standIn} stands in`
    }),
    standIn
  )
}

/** The ModelRegistry port of @videokr/core, served by these models (with the middleware state layer). */
export const registryOf = (models: Models, config: ModelsConfig) => ({
  resolve: (modelId: string, context?: { readonly stage?: string | undefined }) =>
    models
      .resolve(modelId, context ?? {})
      .pipe(Effect.mapError((e) => new ModelUnavailable({ modelId, reason: e.message }))),
  pick: (spec: string, context: PickContext) => pickModel(config, spec, context, models.health)
})

export const modelRegistryLayer = (options: ModelsOptions) =>
  Layer.effect(
    ModelRegistry,
    Effect.map(makeModels(options), (models) => registryOf(models, options.config))
  ).pipe(Layer.provide(middlewareLayerFor(options.config)))
