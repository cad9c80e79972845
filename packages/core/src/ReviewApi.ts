import type { ReviewCategory, ReviewMark } from "./Review.ts"

/**
 * What the review app and `videokr review` speak over HTTP (JSON under /api). The app imports these as
 * types only, so that none of the toolkit's code reaches the browser.
 *
 * GET  /api/session                      -> ReviewSession
 * GET  /api/queue?step=S&reviewer=R      -> ReviewQueue
 * GET  /api/item?step=S&item=I           -> ReviewItem
 * POST /api/marks  (NewReviewMark)       -> 201 StoredReviewMark | 400 ApiProblem
 * DELETE /api/marks/<mark_id>?reviewer=R -> 204 (undo: only the reviewer's own mark)
 * GET  /api/eligibility                  -> ReadonlyArray<Eligibility>
 * GET  /api/agreement                    -> ReviewAgreement (Cohen's kappa per step, the disagreements to adjudicate)
 * GET  /api/seeds/coverage               -> SeedCoverage
 * GET  /api/seeds?discipline=D&skill=S   -> ReadonlyArray<SeedRecord>
 * POST /api/seeds  (SeedDraft)           -> 201 { id } | 400 SeedProblem
 * PUT  /api/seeds/<id>  (SeedDraft)      -> 200 { id } | 400 SeedProblem | 404 ApiProblem
 * GET  /api/videos                       -> ReadonlyArray<ReviewVideo> (the videos on this machine, to write seeds on)
 * GET  /media/<video id>                 the video file (byte ranges, for seeking)
 * GET  /frames/<video id>/<index>.jpg    a frame the step's model saw
 * When the server needs a token (bound to another address than loopback), every request carries it as
 * the cookie the page gets when opened with ?token=..., or as "Authorization: Bearer <token>".
 */

export interface ReviewStepInfo {
  readonly step: string
  /** what one item of the step is ("video@knowledge point", "example", ...) */
  readonly unit: string
  /** items in the step's review queue */
  readonly queued: number
  /** the reason categories that fit the step, in the order keys 1..n pick them */
  readonly categories: ReadonlyArray<ReviewCategory>
  /** what a reviewer checks for this step, one rule per line */
  readonly guidelines: ReadonlyArray<string>
}

export interface ReviewSession {
  readonly project: string
  /** steps with a review queue, in pipeline order */
  readonly steps: ReadonlyArray<ReviewStepInfo>
  readonly threshold: { readonly maxErrorRate: number; readonly sampleSize: number }
}

export interface ReviewMarkSummary {
  readonly mark_id: string
  readonly reviewer: string
  readonly correct: boolean
  readonly category: string | null
  readonly note: string | null
  readonly marked_at: string
}

export interface ReviewQueueEntry {
  readonly item_id: string
  readonly model_id: string
  readonly discipline: string
  readonly skill: string
  /** this reviewer's latest mark of the item, if any */
  readonly mine: ReviewMarkSummary | null
  /** reviewers who marked it */
  readonly reviewers: number
}

export interface ReviewQueue {
  readonly step: string
  readonly reviewer: string
  readonly items: ReadonlyArray<ReviewQueueEntry>
  /** items this reviewer has marked, of those listed */
  readonly done: number
}

export interface ReviewFrame {
  readonly index: number
  /** seconds into the video */
  readonly time: number
  readonly url: string
}

export interface ReviewItem {
  readonly step: string
  readonly item_id: string
  readonly model_id: string
  readonly discipline: string
  readonly skill: string
  /** what the model produced, as it was when the item was drawn */
  readonly output: {
    readonly decision: string
    readonly reason: string
    readonly evidence: unknown
    readonly example: {
      readonly problem_type: string
      readonly question: string
      readonly options: ReadonlyArray<string> | null
      readonly answer: string
      readonly rationale: string
      readonly generator_model: string
    } | null
  }
  readonly knowledgePoint: {
    readonly id: string
    readonly discipline: string
    readonly subject: string
    readonly course: string
    readonly lecture: string
    readonly knowledge_point: string
    readonly description: string | null
  } | null
  /** the search scenario that found the video, when the item is a video for a knowledge point */
  readonly scenario: string | null
  readonly video: {
    readonly id: string
    readonly title: string | null
    readonly url: string
    readonly duration: number | null
  } | null
  /** the frames the step's model saw (empty when the video is not on this machine) */
  readonly frames: ReadonlyArray<ReviewFrame>
  /** the verdicts of the validators on the same item (generated examples) */
  readonly validators: ReadonlyArray<{
    readonly stage: string
    readonly decision: string
    readonly reason: string
    readonly model_id: string | null
  }>
  readonly marks: ReadonlyArray<ReviewMarkSummary>
}

/** A mark as the app sends it: the server stamps its time. */
export type NewReviewMark = Omit<ReviewMark, "marked_at">

export interface StoredReviewMark {
  readonly mark_id: string
  readonly marked_at: string
}

export interface ApiProblem {
  readonly error: string
}

export interface ReviewAgreement {
  readonly steps: ReadonlyArray<{
    readonly step: string
    /** items two or more reviewers marked (their two first reviewers by name are compared) */
    readonly pairs: number
    /** the share of those items where the two agree */
    readonly observed: number | null
    /** Cohen's kappa of the two ratings (null when undefined: no pairs, or both always gave one answer) */
    readonly kappa: number | null
  }>
  /** items whose reviewers are split evenly (latest mark of each), for an adjudicator to settle with a mark of their own */
  readonly disagreements: ReadonlyArray<{
    readonly step: string
    readonly item_id: string
    readonly model_id: string
    readonly marks: ReadonlyArray<ReviewMarkSummary>
  }>
}

export interface ReviewVideo {
  readonly id: string
  readonly title: string
  readonly duration: number
  readonly url: string
  /** the knowledge point the video was found for, if any */
  readonly knowledge_point_id: string | null
}

/** A seed example as the app writes it (the generator's few-shot input; `options` for multiple choice as "A. text" lines). */
export interface SeedDraft {
  readonly skill: string
  readonly discipline: string
  readonly subject?: string | undefined
  readonly knowledge_point_id?: string | undefined
  /** the video the expert wrote it on */
  readonly video_id?: string | undefined
  readonly video_description?: string | undefined
  readonly question: string
  readonly options?: ReadonlyArray<string> | undefined
  readonly problem_type: string
  readonly answer: string
  readonly rationale: string
  readonly author: string
}

export interface SeedRecord extends SeedDraft {
  readonly id: string
  /** where it came from: "review app", or the file it was imported from */
  readonly source: string
}

/** What is wrong with a draft, field by field (the same checks as an import of seeds). */
export interface SeedProblem extends ApiProblem {
  readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>
}

export interface SeedCoverage {
  /** seeds wanted per skill and discipline (150 in METHOD.md) */
  readonly target: number
  readonly skills: ReadonlyArray<string>
  readonly disciplines: ReadonlyArray<string>
  readonly cells: ReadonlyArray<{ readonly discipline: string; readonly skill: string; readonly count: number }>
}
