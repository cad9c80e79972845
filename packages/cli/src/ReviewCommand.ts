import { resolve } from "node:path"
import { Console, Effect } from "effect"
import {
  type CorpusStore, eligibility, exportReviewQueue, type FileError, importReviewMarks, type InputError, percent, type Project, reviewDefaults, sampleForReview,
  type StoreError, type UsageError
} from "@videokr/core"
import { table } from "./Output.ts"

/**
 * `videokr review sample | export | import` and `videokr eligibility`: the human quality control of
 * METHOD.md, from the command line (the review app comes on top of the same store).
 */

/** (Annotated: declarations cannot name the store's service by themselves.) */
type Command<E> = Effect.Effect<void, E, CorpusStore.CorpusStore>

export const sampleReview = (options: { readonly step: string; readonly model: string | undefined; readonly n: number; readonly seed: number }): Command<StoreError | UsageError> =>
  Effect.gen(function* () {
    const sampled = yield* sampleForReview(options)
    yield* Console.log(table(["model", "step", "queued now", "in the queue", "outputs"], sampled.map((s) => [s.model, options.step, s.queued, s.inQueue, s.available])))
    yield* Console.log(`\nseed ${options.seed}, up to ${options.n} per model, stratified by discipline and skill; videokr review export writes the queue for reviewers`)
  })

export const exportReview = (out: string): Command<StoreError | FileError> =>
  Effect.gen(function* () {
    const n = yield* exportReviewQueue(resolve(out))
    yield* Console.log(`${out}: ${n} queued item(s), with what each step saw and produced and the marks so far`)
  })

export const importReview = (file: string): Command<StoreError | InputError> =>
  Effect.gen(function* () {
    const r = yield* importReviewMarks(resolve(file))
    yield* Console.log(`${file}: ${r.read} mark(s) read, ${r.added} new${r.read > r.added ? ` (${r.read - r.added} already stored)` : ""}`)
  })

export const showEligibility = (project: Project, json: boolean): Command<StoreError> =>
  Effect.gen(function* () {
    const review = project.config.review ?? {}
    const rows = yield* eligibility(review)
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("Nothing reviewed yet: videokr review sample --step <stage> draws outputs to review")
    yield* Console.log(table(
      ["model", "step", "queued", "reviewed", "errors", "disputed", "error rate", "95% interval", "state"],
      rows.map((r) => [r.model, r.step, r.queued, r.reviewed, r.errors, r.disputed, r.errorRate === null ? "-" : percent(r.errorRate),
        r.interval === null ? "-" : `${percent(r.interval.low)}-${percent(r.interval.high)}`, r.state])
    ))
    yield* Console.log(`\na model serves a step when at least ${review.sampleSize ?? reviewDefaults.sampleSize} of its outputs there are reviewed and fewer than ${percent(review.maxErrorRate ?? reviewDefaults.maxErrorRate)} are wrong (review.sampleSize, review.maxErrorRate).` +
      `\nAn excluded model leaves the step's pool at the next videokr run, which redoes what it made there; unreviewed models ${review.unreviewed === "exclude" ? "may not serve (review.unreviewed: \"exclude\")" : "serve until reviewed (review.unreviewed: \"exclude\" holds them back)"}.`)
  })
