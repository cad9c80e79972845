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

export interface SiteData {
  readonly generatedAt: string
  readonly version: string
  readonly benchmarks: ReadonlyArray<{
    readonly task: string
    readonly benchmark: string
    readonly group: "general" | "knowledge"
  }>
  readonly entries: ReadonlyArray<BoardEntry>
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
