/**
 * @videokr/filters — the filters and validators of the construction pipeline, each a VideoFilter of
 * @videokr/core run as a stage: metadata relevance so far (visual relevance, safety, self-consistency,
 * video dependency, rationale verification, near-duplicates and contamination join with the pipeline).
 */
export { metadataRelevance } from "./MetadataRelevance.ts"
