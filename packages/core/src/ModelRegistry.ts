import { Context, type Effect, Schema } from "effect"
import type { ChatRequest, ChatResponse, ProviderError } from "./ModelProvider.ts"

/**
 * The models of a run, as pipeline stages and evaluations see them: a model id resolved to a model ready
 * to be asked (every call through the cache, retries, limits and usage recording of @videokr/providers).
 */
export interface BoundModel {
  readonly id: string
  readonly chat: (request: Omit<ChatRequest, "model">) => Effect.Effect<ChatResponse, ProviderError>
}

export class ModelUnavailable extends Schema.TaggedError<ModelUnavailable>()("ModelUnavailable", {
  modelId: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

export interface ModelRegistryShape {
  readonly resolve: (modelId: string, context?: { readonly stage?: string | undefined }) => Effect.Effect<BoundModel, ModelUnavailable>
}

export class ModelRegistry extends Context.Service<ModelRegistry, ModelRegistryShape>()("@videokr/core/ModelRegistry") {}
