import type { DefaultChecks, SamplingSpec } from "@videokr/core"
import { metadataRelevance } from "./MetadataRelevance.ts"
import { rationaleVerifier } from "./RationaleVerifier.ts"
import { safetyModeration } from "./SafetyModeration.ts"
import { selfConsistency } from "./SelfConsistency.ts"
import { videoDependency } from "./VideoDependency.ts"
import { visualRelevance } from "./VisualRelevance.ts"

/** The checks of the pipeline's default stages (core's `assemblePipeline` makes each for its model). */
export const defaultChecks = (options: {
  /** the frames the multimodal checks see */
  readonly frames: SamplingSpec
  readonly consistency?: { readonly k?: number; readonly threshold?: number } | undefined
  readonly dependency?: { readonly threshold?: number | undefined } | undefined
}): DefaultChecks => ({
  metadata: metadataRelevance,
  visual: (model) => visualRelevance(model, options.frames),
  safety: (model) => safetyModeration(model, options.frames),
  consistency: (model) => selfConsistency({ model, frames: options.frames, ...options.consistency }),
  dependency: (model) => videoDependency({ model, threshold: options.dependency?.threshold }),
  verification: (model) => rationaleVerifier(model, options.frames)
})
