import type { Effect } from "effect"
import type { KnowledgePoint } from "./KnowledgeBank.ts"
import type { ModelRegistry } from "./ModelRegistry.ts"
import type { Verdict } from "./pipeline/Stage.ts"
import type { Video } from "./Video.ts"

/**
 * The filter port: a check that keeps or drops a candidate, with its reason and evidence. Filters are
 * plugins (packages/filters holds the built-ins); the pipeline runs each as a stage over the candidates
 * the previous stages kept. `version` changes when the filter's behaviour or prompt does, so that only
 * its own results are redone.
 */
export interface VideoCandidateForKnowledgePoint {
  readonly video: Video
  readonly knowledgePoint: KnowledgePoint
}

export interface VideoFilter {
  readonly id: string
  readonly stage: string
  readonly version: string
  /** the model it asks, if any (part of what its results depend on) */
  readonly modelId?: string | undefined
  readonly decide: (candidate: VideoCandidateForKnowledgePoint) => Effect.Effect<Verdict, never, ModelRegistry>
}
