import type { Effect } from "effect"
import type { Media } from "./Media.ts"
import type { ModelRegistry } from "./ModelRegistry.ts"
import type { Candidate } from "./Candidate.ts"
import type { GeneratedExample } from "./GeneratedExample.ts"
import type { Verdict } from "./Verdict.ts"
import type { PromptTemplate } from "./pipeline/Prompt.ts"

/**
 * The ports of the pipeline's checks. A filter keeps or drops a (video, knowledge point) candidate; a
 * validator keeps or drops a generated example; each gives its reason and evidence. They are plugins
 * (packages/filters holds the built-ins); the pipeline runs each as a stage over what the stages before
 * it kept. `version` changes when the behaviour or prompt does, so that only its own results are redone.
 * A check never fails: a model error or an unusable answer is an "error" verdict with its reason.
 */
export type PipelineServices = ModelRegistry | Media

export interface Check {
  readonly id: string
  /** the stage it runs as (its verdicts' stage name) */
  readonly stage: string
  readonly version: string
  /** the model or pool it asks, if any (part of what its results depend on) */
  readonly modelId?: string | undefined
  /** the prompt templates it asks with: their texts are part of what its results depend on */
  readonly prompts?: ReadonlyArray<PromptTemplate> | undefined
  /**
   * why the check cannot run at all, if it cannot (a missing API key): asked before a run touches any
   * item, so that a configuration error stops the run instead of turning every item into an error
   */
  readonly unready?: (() => string | undefined) | undefined
}

export interface VideoFilter extends Check {
  readonly decide: (candidate: Candidate) => Effect.Effect<Verdict, never, PipelineServices>
}

export interface ExampleValidator extends Check {
  readonly check: (example: GeneratedExample) => Effect.Effect<Verdict, never, PipelineServices>
}
