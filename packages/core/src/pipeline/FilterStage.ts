import { Effect } from "effect"
import type { CorpusStore } from "../CorpusStore.ts"
import type { StoreError } from "../Errors.ts"
import type { ExampleValidator, PipelineServices, VideoFilter } from "../Filter.ts"
import { type Candidate, type CandidateFilter, type GeneratedExample, readCandidates, readGeneratedExamples } from "./Candidates.ts"
import { doneKeys, hashOf, type Stage } from "./Stage.ts"

/**
 * Filters and validators as pipeline stages. A filter runs over the (video, knowledge point) candidates
 * that `after` kept (ids "<video id>@<knowledge point id>"); a validator over the generated examples that
 * generation and the validators before it kept. What an item's result depends on: the check's id,
 * version and model, and the item itself.
 */
const pendingOf = <I extends { readonly id: string }>(stage: string, check: { readonly id: string; readonly version: string; readonly modelId?: string | undefined }, read: Effect.Effect<ReadonlyArray<I>, StoreError, CorpusStore>) =>
  Effect.gen(function* () {
    const done = yield* doneKeys(stage)
    const items = yield* read
    return items
      .map((input) => ({ id: input.id, input, inputHash: hashOf(check.id, check.version, check.modelId ?? null, input) }))
      .filter((item) => !done.has(`${item.id}:${item.inputHash}`))
  })

export const filterStage = (filter: VideoFilter, after: CandidateFilter): Stage<Candidate, undefined, PipelineServices> => ({
  name: filter.stage,
  pending: pendingOf(filter.stage, filter, readCandidates(after)),
  process: (item) => Effect.map(filter.decide(item.input), (verdict) => ({ verdict })),
  commit: () => Effect.void
})

export const validatorStage = (validator: ExampleValidator, after: ReadonlyArray<string>): Stage<GeneratedExample, undefined, PipelineServices> => ({
  name: validator.stage,
  pending: pendingOf(validator.stage, validator, readGeneratedExamples(after)),
  process: (item) => Effect.map(validator.check(item.input), (verdict) => ({ verdict })),
  commit: () => Effect.void
})
