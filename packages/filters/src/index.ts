/**
 * @videokr/filters — Every filter and validator of the construction pipeline as a plugin (metadata, visual, safety, license, duration, self-consistency, video dependency, rationale verifier, near-duplicate, contamination). Lands with the pipeline issue.
 */
export {}
