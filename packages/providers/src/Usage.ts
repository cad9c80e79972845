import { Context, Effect } from "effect"
import type { ChatRequest, ModelCall, ModelProviderShape, Price } from "@videokr/core"
import { cacheKey } from "./Cache.ts"

/**
 * Usage recording: one ModelCall per call (tokens, cost from the price table, latency, outcome), for the
 * store's model_calls ledger. It sits inside the response cache, so that a paid answer is recorded before
 * the cache keeps it: a process killed in between leaves the answer unrecorded and uncached, and the next
 * run asks (and records) it again, instead of having paid for an answer the ledger never saw. Which stage
 * and model id a call belongs to comes from the caller (CallContext), since one provider client serves
 * every model and stage.
 */
export interface CallContextShape {
  readonly stage: string | undefined
  /** the model id as the config writes it */
  readonly modelId: string
  readonly price: Price | undefined
  /** performance.now() when the call began (the cache lookup included) */
  readonly started: number
}

export const CallContext = Context.Reference<CallContextShape | undefined>("@videokr/providers/CallContext", {
  defaultValue: () => undefined
})

export const costOf = (price: Price | undefined, inputTokens: number, outputTokens: number): number =>
  price === undefined ? 0 : (inputTokens * price.input + outputTokens * price.output) / 1_000_000

export type Recorder = (call: ModelCall) => Effect.Effect<void>

const base = (providerId: string, request: ChatRequest, context: CallContextShape) => ({
  stage: context.stage,
  modelId: context.modelId,
  provider: providerId,
  model: request.model,
  cacheKey: cacheKey(providerId, request),
  latencyMs: performance.now() - context.started
})

/** A cache hit, as a ledger row (nothing paid). */
export const recordHit = (
  record: Recorder,
  providerId: string,
  request: ChatRequest,
  usage: { readonly inputTokens: number; readonly outputTokens: number }
) =>
  CallContext.use((context) =>
    context === undefined
      ? Effect.void
      : record({
          ...base(providerId, request, context),
          status: "ok",
          cached: true,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd: 0,
          error: undefined
        })
  )

export const withUsage = (provider: ModelProviderShape, record: Recorder): ModelProviderShape => ({
  ...provider,
  chat: (request) =>
    CallContext.use((context) =>
      context === undefined
        ? provider.chat(request)
        : provider.chat(request).pipe(
            Effect.tap((r) =>
              record({
                ...base(provider.id, request, context),
                status: "ok",
                cached: false,
                inputTokens: r.usage.inputTokens,
                outputTokens: r.usage.outputTokens,
                costUsd: costOf(context.price, r.usage.inputTokens, r.usage.outputTokens),
                error: undefined
              })
            ),
            Effect.tapError((e) =>
              record({
                ...base(provider.id, request, context),
                status: e._tag,
                cached: false,
                inputTokens: 0,
                outputTokens: 0,
                costUsd: 0,
                error: e.message
              })
            )
          )
    )
})
