import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import type { ModelCall } from "./ModelProvider.ts"
import { jsonParam, rowsOf } from "./pipeline/BatchSql.ts"

/** Appends one model call to the corpus store (usage, cost, latency, outcome; never the request's secrets). */
export const recordModelCall = (call: ModelCall) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.run(
      `INSERT INTO model_calls (stage, model_id, provider, model, cache_key, status, cached, input_tokens, output_tokens, cost_usd, latency_ms, error)
       VALUES ($stage, $modelId, $provider, $model, $cacheKey, $status, $cached, $inputTokens, $outputTokens, $costUsd, $latencyMs, $error)`,
      {
        stage: call.stage ?? null, modelId: call.modelId, provider: call.provider, model: call.model, cacheKey: call.cacheKey ?? null,
        status: call.status, cached: call.cached, inputTokens: call.inputTokens, outputTokens: call.outputTokens,
        costUsd: call.costUsd, latencyMs: call.latencyMs, error: call.error ?? null
      }
    )
  )

/**
 * Model calls recorded in batches, for runs that make many: calls are buffered and written in one
 * statement every `maxRows` calls or `maxMillis` (and by `flush`, which a run calls when it ends, however
 * it ends). A run killed outright loses at most that window of usage rows; never a paid answer, which is
 * in the response cache before its call is recorded.
 */
export const makeCallRecorder = (options: { readonly maxRows?: number; readonly maxMillis?: number } = {}) =>
  Effect.map(CorpusStore, (store) => {
    let buffer: Array<ModelCall> = []
    let last = Date.now()
    const flush = Effect.suspend(() => {
      if (buffer.length === 0) return Effect.void
      const calls = buffer
      buffer = []
      last = Date.now()
      return store.run(
        `INSERT INTO model_calls (stage, model_id, provider, model, cache_key, status, cached, input_tokens, output_tokens, cost_usd, latency_ms, error)
         SELECT stage, model_id, provider, model, cache_key, status, cached, input_tokens, output_tokens, cost_usd, latency_ms, error
         FROM ${rowsOf({ stage: "VARCHAR", model_id: "VARCHAR", provider: "VARCHAR", model: "VARCHAR", cache_key: "VARCHAR", status: "VARCHAR", cached: "BOOLEAN", input_tokens: "BIGINT", output_tokens: "BIGINT", cost_usd: "DOUBLE", latency_ms: "DOUBLE", error: "VARCHAR" })}`,
        {
          rows: jsonParam(calls.map((c) => ({
            stage: c.stage ?? null, model_id: c.modelId, provider: c.provider, model: c.model, cache_key: c.cacheKey ?? null, status: c.status, cached: c.cached,
            input_tokens: c.inputTokens, output_tokens: c.outputTokens, cost_usd: c.costUsd, latency_ms: c.latencyMs, error: c.error ?? null
          })))
        }
      )
    })
    const record = (call: ModelCall) =>
      Effect.suspend(() => {
        buffer.push(call)
        return buffer.length >= (options.maxRows ?? 256) || Date.now() - last >= (options.maxMillis ?? 1000) ? flush : Effect.void
      })
    return { record, flush }
  })
