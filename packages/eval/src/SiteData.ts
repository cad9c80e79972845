import type { CardFile, Eligibility } from "@videokr/core"
import type { ScoredTask, SubmissionMeta } from "./Submission.ts"

/**
 * The one JSON document `videokr site build` gathers and the site's pages read: the board (submissions
 * scored again from their outputs), the corpus's dataset card, and the reports.
 */
export interface BoardEntry {
  readonly slug: string
  readonly folder: string
  readonly key: string
  readonly meta: SubmissionMeta
  readonly scores: Readonly<Record<string, ScoredTask>>
  readonly generalAverage: number | null
  readonly knowledgeAverage: number | null
}

/**
 * A row of numbers the paper reports (its main table or its single-frame table), shown on the board as
 * "reported": never re-scored, visibly apart from the submissions, so that visitors can place new models.
 */
export interface ReportedRow {
  readonly model: string
  /** the model it was trained from, when it is a post-trained one */
  readonly base: string | null
  readonly parametersBillions: number | null
  readonly openWeights: boolean | null
  /** frames per video of the reported run, when the source says */
  readonly frames: number | null
  /** task name -> accuracy (%), only the numbers the source states */
  readonly scores: Readonly<Record<string, number>>
  readonly generalAverage: number | null
  readonly knowledgeAverage: number | null
  /** where the numbers were read */
  readonly source: { readonly title: string; readonly url: string }
}

export interface Reported {
  readonly main: ReadonlyArray<ReportedRow>
  readonly singleFrame: ReadonlyArray<{
    readonly model: string
    readonly source: { readonly title: string; readonly url: string }
    readonly benchmarks: ReadonlyArray<{
      readonly task: string
      readonly singleFrame: number | null
      readonly fullVideo: number | null
    }>
  }>
}

/** Which judge scored the outputs the rules cannot score, and how many verdicts the build used. */
export interface BoardJudge {
  /** the pinned judge model (config site.judge, or the one judge of the stored verdicts); null without verdicts */
  readonly model: string | null
  /** the judge prompts' version (JudgePrompts.ts's judgePromptVersion) */
  readonly promptVersion: string
  readonly verdicts: number
  /** outputs on the board still waiting for a verdict */
  readonly awaiting: number
}

export interface SiteData {
  readonly generatedAt: string
  readonly version: string
  readonly benchmarks: ReadonlyArray<{
    readonly task: string
    readonly benchmark: string
    readonly group: "general" | "knowledge"
  }>
  readonly entries: ReadonlyArray<BoardEntry>
  readonly judge: BoardJudge
  readonly reported: Reported
  readonly dataset: {
    readonly name: string
    readonly stats: unknown
    readonly funnel: ReadonlyArray<{
      readonly stage: string
      readonly items: number
      readonly kept: number
      readonly dropped: number
      readonly errors: number
    }>
    readonly licenses: ReadonlyArray<{ readonly license: string; readonly videos: number }>
    readonly files: ReadonlyArray<CardFile>
    /** human review per step and model (videokr eligibility), with the threshold it was judged by */
    readonly quality: {
      readonly rows: ReadonlyArray<Eligibility>
      readonly maxErrorRate: number
      readonly sampleSize: number
    }
  }
  readonly reports: { readonly singleFrame: unknown; readonly difficulty: unknown }
}
