import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import type { ModelCall } from "./ModelProvider.ts"

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
