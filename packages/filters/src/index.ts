/**
 * @videokr/filters — the filters and validators of the construction pipeline, each a VideoFilter or
 * ExampleValidator of @videokr/core run as a stage: metadata relevance, visual relevance, safety
 * moderation, self-consistency, video dependency and rationale verification. (Contamination and
 * near-duplicates are whole-set checks; their stages are in @videokr/core's pipeline.)
 *
 * @module @videokr/filters
 */
export { metadataRelevance } from "./MetadataRelevance.ts"
export { visualRelevance } from "./VisualRelevance.ts"
export { safetyModeration } from "./SafetyModeration.ts"
export { selfConsistency, type SelfConsistencyOptions } from "./SelfConsistency.ts"
export { videoDependency, type VideoDependencyOptions } from "./VideoDependency.ts"
export { rationaleVerifier } from "./RationaleVerifier.ts"
export { openAiModeration, type OpenAiModerationOptions } from "./OpenAiModeration.ts"
export { answerScore, renderAnswerPrompt } from "./Answering.ts"
export { builtinChecks } from "./Builtins.ts"
export { defaultChecks } from "./DefaultChecks.ts"
