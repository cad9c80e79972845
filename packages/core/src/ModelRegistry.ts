import { Context, type Effect, Schema } from "effect"
import type { ChatRequest, ChatResponse, ProviderError } from "./ModelProvider.ts"

/**
 * The models of a run, as pipeline stages and evaluations see them: a model id resolved to a model ready
 * to be asked (every call through the cache, retries, limits and usage recording of @videokr/providers).
 */
export interface BoundModel {
  readonly id: string
  readonly chat: (request: Omit<ChatRequest, "model">) => Effect.Effect<ChatResponse, ProviderError>
  /** the model takes a whole local video (its provider's `accepts.video`): the stages send it in place of frames */
  readonly acceptsVideo?: boolean | undefined
}

export class ModelUnavailable extends Schema.TaggedError<ModelUnavailable>()("ModelUnavailable", {
  modelId: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** Which item a model is picked for: the same context always picks the same model. */
export interface PickContext {
  readonly step: string
  readonly item: string
  /** several models for one item (k answers, 2 examples per skill): 0, 1, ... */
  readonly draw?: number | undefined
  /** models that may not serve this item (e.g. the example's generator, for its validators) */
  readonly excluded?: ReadonlySet<string> | undefined
}

export interface ModelRegistryShape {
  readonly resolve: (
    modelId: string,
    context?: { readonly stage?: string | undefined }
  ) => Effect.Effect<BoundModel, ModelUnavailable>
  /**
   * The model id for an item: a model id is itself; "pool:<name>" draws one of the pool's members by
   * weight, seeded by the context (models.pools in the config).
   */
  readonly pick: (spec: string, context: PickContext) => Effect.Effect<string, ModelUnavailable>
}

export class ModelRegistry extends Context.Service<ModelRegistry, ModelRegistryShape>()(
  "@videokr/core/ModelRegistry"
) {}

/** Whether a model spec names a pool. */
export const isPoolSpec = (spec: string): boolean => spec.startsWith("pool:")
