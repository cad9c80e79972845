import { resolve } from "node:path"
import { Console, Deferred, Effect, Fiber } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import {
  assignReviews,
  type CorpusStore,
  eligibility,
  exportReviewQueue,
  exportSeeds,
  type FileError,
  importReviewMarks,
  type InputError,
  Media,
  percent,
  type Project,
  type ReviewQueue,
  reviewAgreement,
  reviewDefaults,
  sampleForReview,
  storageOf,
  type StoreError,
  type UsageError
} from "@videokr/core"
import { outputWidth, table } from "./Output.ts"
import { framesOf } from "./Pipeline.ts"
import type { ReviewAppError } from "./ReviewApp.ts"
import { serveReview } from "./ReviewServer.ts"

/**
 * `videokr review [sample | export | import]` and `videokr eligibility`: the human quality control of
 * METHOD.md, from the command line; `videokr review` alone serves the review app on the same store.
 */

/** (Annotated: declarations cannot name the store's service by themselves.) */
type Command<E> = Effect.Effect<void, E, CorpusStore.CorpusStore>

export const sampleReview = (options: {
  readonly step: string
  readonly model: string | undefined
  readonly n: number
  readonly seed: number
}): Command<StoreError | UsageError> =>
  Effect.gen(function* () {
    const sampled = yield* sampleForReview(options)
    yield* Console.log(
      table(
        ["model", "step", "queued now", "in the queue", "outputs"],
        sampled.map((s) => [s.model, options.step, s.queued, s.inQueue, s.available])
      )
    )
    yield* Console.log(
      `\nseed ${options.seed}, up to ${options.n} per model, stratified by discipline and skill; videokr review export writes the queue for reviewers`
    )
  })

export const assignReview = (options: {
  readonly step: string
  readonly reviewers: ReadonlyArray<string>
  readonly double: number
  readonly seed: number
}): Command<StoreError | UsageError> =>
  Effect.gen(function* () {
    const r = yield* assignReviews(options)
    yield* Console.log(
      table(
        ["reviewer", "items"],
        r.perReviewer.map((p) => [p.reviewer, p.items])
      )
    )
    yield* Console.log(
      `\n${r.items} item(s) of ${options.step} dealt, ${r.twice} of them to two reviewers (their agreement: videokr review agreement); each reviewer sees their own in videokr review`
    )
  })

export const showAgreement = (json: boolean): Command<StoreError> =>
  Effect.gen(function* () {
    const a = yield* reviewAgreement
    if (json) return yield* Console.log(JSON.stringify(a, null, 2))
    if (a.steps.length === 0)
      return yield* Console.log(
        "No item has marks from two reviewers yet (videokr review assign --double gives items to two)"
      )
    yield* Console.log(
      table(
        ["step", "marked twice", "observed agreement", "Cohen's kappa"],
        a.steps.map((s) => [
          s.step,
          s.pairs,
          s.observed === null ? "-" : percent(s.observed),
          s.kappa === null ? "-" : s.kappa.toFixed(2)
        ])
      )
    )
    if (a.disagreements.length === 0) return yield* Console.log("\nNo item waits for adjudication.")
    yield* Console.log(
      `\n${a.disagreements.length} item(s) split evenly, for an adjudicator to mark (videokr review: Agreement):\n` +
        table(
          ["step", "item", "model", "marks"],
          a.disagreements.map((d) => [
            d.step,
            d.item_id,
            d.model_id,
            d.marks.map((m) => `${m.reviewer}: ${m.correct ? "correct" : `incorrect (${m.category})`}`).join("; ")
          ]),
          { wrap: { width: outputWidth() } }
        )
    )
  })

export const exportReview = (out: string, seeds: string | undefined): Command<StoreError | FileError> =>
  Effect.gen(function* () {
    const n = yield* exportReviewQueue(resolve(out))
    yield* Console.log(
      `${out}: ${n} queued item(s), with what each step saw and produced and the marks so far (videokr review import reads the marks back)`
    )
    if (seeds === undefined) return
    const s = yield* exportSeeds(resolve(seeds))
    yield* Console.log(`${seeds}: ${s} seed example(s), as videokr import reads them`)
  })

export const importReview = (file: string): Command<StoreError | InputError> =>
  Effect.gen(function* () {
    const r = yield* importReviewMarks(resolve(file))
    yield* Console.log(
      `${file}: ${r.read} mark(s) read, ${r.added} new${r.read > r.added ? ` (${r.read - r.added} already stored)` : ""}`
    )
  })

export const showEligibility = (project: Project, json: boolean): Command<StoreError> =>
  Effect.gen(function* () {
    const review = project.config.review ?? {}
    const rows = yield* eligibility(review)
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0)
      return yield* Console.log("Nothing reviewed yet: videokr review sample --step <stage> draws outputs to review")
    yield* Console.log(
      table(
        ["model", "step", "queued", "reviewed", "errors", "disputed", "error rate", "95% interval", "state"],
        rows.map((r) => [
          r.model,
          r.step,
          r.queued,
          r.reviewed,
          r.errors,
          r.disputed,
          r.errorRate === null ? "-" : percent(r.errorRate),
          r.interval === null ? "-" : `${percent(r.interval.low)}-${percent(r.interval.high)}`,
          r.state
        ])
      )
    )
    yield* Console.log(
      `\na model serves a step when at least ${review.sampleSize ?? reviewDefaults.sampleSize} of its outputs there are reviewed and fewer than ${percent(review.maxErrorRate ?? reviewDefaults.maxErrorRate)} are wrong (review.sampleSize, review.maxErrorRate).` +
        `\nAn excluded model leaves the step's pool at the next videokr run, which redoes what it made there; unreviewed models ${review.unreviewed === "exclude" ? 'may not serve (review.unreviewed: "exclude")' : 'serve until reviewed (review.unreviewed: "exclude" holds them back)'}.`
    )
  })

/** `videokr review`: serves the review app until stopped. */
export const serveReviewApp = (
  project: Project,
  options: {
    readonly host: string
    readonly port: number
    readonly token: string | undefined
    readonly onListening?: ((url: string) => Effect.Effect<void>) | undefined
  }
): Command<StoreError | ReviewAppError | unknown> =>
  serveReview(project, { ...options, frames: framesOf(project) }).pipe(
    Effect.provide(Media.layer({ cacheDir: storageOf(project).frames }))
  )

/**
 * For the demo: a seeded sample of a step's outputs, marked by a stand-in expert through the review
 * app's own HTTP API (the server runs in this process, on a free loopback port), then the eligibility table.
 */
export const demoReview = (project: Project, step: string): Command<unknown> =>
  Effect.gen(function* () {
    yield* sampleReview({ step, model: undefined, n: 4, seed: 42 })
    const listening = yield* Deferred.make<string>()
    const server = yield* Effect.forkChild(
      serveReviewApp(project, {
        host: "127.0.0.1",
        port: 0,
        token: undefined,
        onListening: (url) => Effect.asVoid(Deferred.succeed(listening, url))
      })
    )
    const base = yield* Deferred.await(listening)
    yield* Console.log(
      `\nthe review app served at ${base} (videokr review); a stand-in expert marks the queue through its API:`
    )
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    const queue = (yield* (yield* client.get(`${base}api/queue?step=${step}&reviewer=demo-expert`))
      .json) as unknown as ReviewQueue
    // every fourth wrong, so that the table shows both verdicts
    const marks = queue.items.map((item, i) => ({
      step,
      item_id: item.item_id,
      reviewer: "demo-expert",
      correct: i % 4 !== 3,
      ...(i % 4 === 3 ? { category: "ambiguous question", note: "two options fit what the clip shows" } : {})
    }))
    for (const mark of marks)
      yield* client.execute(HttpClientRequest.bodyJsonUnsafe(HttpClientRequest.post(`${base}api/marks`), mark))
    yield* Console.log(`POST /api/marks x ${marks.length} (${marks.filter((m) => !m.correct).length} incorrect)`)
    yield* Fiber.interrupt(server)
    yield* showEligibility(project, false)
  }).pipe(Effect.provide(FetchHttpClient.layer))
