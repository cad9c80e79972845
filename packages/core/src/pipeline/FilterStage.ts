import { Effect } from "effect"
import type { Check, ExampleValidator, PipelineServices, VideoFilter } from "../Filter.ts"
import type { Candidate } from "../Candidate.ts"
import type { GeneratedExample } from "../GeneratedExample.ts"
import { type CandidateFilter, type KeyedRows, readCandidates, readGeneratedExamples } from "./Candidates.ts"
import { keyedPageOf } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Filters and validators as pipeline stages. A filter runs over the (video, knowledge point) candidates
 * that `after` kept (ids "<video id>@<knowledge point id>"); a validator over the generated examples that
 * generation and the validators before it kept. What an item's result depends on: the check's id,
 * version, model and prompt texts, and the item itself.
 */
/** What a check's result for `input` depends on, hashed: a stored verdict with another hash is redone. */
export const checkInputHash = (check: Check, input: Candidate | GeneratedExample): string => {
  // the prompts' texts only when it lists some: a check without stays at the hashes of its results so far
  const prompts = check.prompts === undefined || check.prompts.length === 0 ? [] : [check.prompts.map((p) => p.text)]
  return hashOf(check.id, check.version, check.modelId ?? null, ...prompts, input)
}

const pendingOf = <I extends Candidate | GeneratedExample>(stage: string, check: Check, read: KeyedRows<I>) =>
  keyedPageOf(stage, read, (input) => [{ id: input.id, input, inputHash: checkInputHash(check, input) }])

export const filterStage = (
  filter: VideoFilter,
  after: CandidateFilter
): Stage<Candidate, undefined, PipelineServices> => ({
  name: filter.stage,
  pending: (page) => Effect.flatMap(readCandidates(after, page), (read) => pendingOf(filter.stage, filter, read)),
  process: (item) => Effect.map(filter.decide(item.input), (verdict) => ({ verdict })),
  commit: () => Effect.void
})

export const validatorStage = (
  validator: ExampleValidator,
  after: ReadonlyArray<string>
): Stage<GeneratedExample, undefined, PipelineServices> => ({
  name: validator.stage,
  pending: (page) =>
    Effect.flatMap(readGeneratedExamples(after, page), (read) => pendingOf(validator.stage, validator, read)),
  process: (item) => Effect.map(validator.check(item.input), (verdict) => ({ verdict })),
  commit: () => Effect.void
})
