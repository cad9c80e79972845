import type { Effect } from "effect"
import type { TaskDataError } from "./TaskData.ts"

/**
 * A benchmark task as its LMMs-Eval task defines it: where the released files live under a local root,
 * how a document becomes a prompt, which media it shows, the generation parameters, and how an output is
 * parsed and scored. Each task module (tasks/*.ts) follows its reference task source, quirks included;
 * the runner (Runner.ts) is the same for all of them.
 */
export type Doc = Readonly<Record<string, unknown>>

/** Reads one released data file (.json, .jsonl or .parquet) under the task's root into documents. */
export type ReadFile = (relativePath: string) => Effect.Effect<ReadonlyArray<Doc>, TaskDataError>

/**
 * The video a document shows: candidate paths relative to the root (or absolute), tried in order; each is
 * tried as is, then with its extension replaced (or, without one, given) by .mp4, .MP4, .mkv, .avi and
 * .mov, as the reference's Path.with_suffix does. (No reference task needs frame folders or clip bounds:
 * MVBench's release ships its clips pre-cut.)
 */
export interface VideoRef {
  readonly paths: ReadonlyArray<string>
}

export interface Generation {
  readonly maxTokens: number
  readonly temperature: number
  readonly topP?: number | undefined
  readonly doSample?: boolean | undefined
}

/** What one output scores: process_results' dict (metric name -> per-sample payload, as LMMs-Eval logs it). */
export interface SampleScore {
  readonly metrics: Readonly<Record<string, unknown>>
  /** 1/0 (or a fraction) this sample adds to the accuracy breakdowns; null when it is skipped (open-ended without a judge) */
  readonly score: number | null
  /** the answer parsed from the output (a letter, a number, text) */
  readonly parsed: string
}

export interface Metric {
  /** LMMs-Eval's aggregation function for the metric: the per-sample payloads to the reported value */
  readonly aggregate: (payloads: ReadonlyArray<unknown>) => unknown
  readonly higherIsBetter: boolean
  /** stricter metrics of ours, reported only when asked for (`--strict`), under their own name */
  readonly optIn?: boolean | undefined
}

/** Breakdown keys of a document: question type, subject, dataset, discipline, skill, and any task-specific ones. */
export type Breakdown = Readonly<Record<string, string | undefined>>

export interface Task {
  /** LMMs-Eval task name (the `task:` of its YAML), e.g. "videomme" */
  readonly name: string
  /** display name, e.g. "Video-MME" */
  readonly benchmark: string
  /** the main table's group; "corpus" for a training corpus sampled for the difficulty report */
  readonly group: "general" | "knowledge" | "corpus"
  /** where the data comes from and how it is laid out once downloaded (for errors and docs) */
  readonly source: { readonly dataset: string; readonly split: string; readonly layout: string }
  /** the documents, in the order LMMs-Eval reads them */
  readonly documents: (read: ReadFile) => Effect.Effect<ReadonlyArray<Doc>, TaskDataError>
  /** a stable id of the document (for caching, resume and the samples file) */
  readonly docId: (doc: Doc, index: number) => string
  readonly media: (doc: Doc) => VideoRef
  /** the prompt text with the task's default lmms_eval_specific_kwargs */
  readonly docToText: (doc: Doc) => string
  readonly docToTarget: (doc: Doc) => string
  readonly generation: Generation
  /** a judge prompt for outputs the rules cannot score (open-ended); undefined when rules suffice */
  readonly judgePrompt?: ((doc: Doc, output: string) => string | undefined) | undefined
  /** how the task's reference reads the judge's reply (default: the VideoKR judge's 1/0 protocol, Judge.ts) */
  readonly parseJudge?: ((reply: string) => number) | undefined
  /** the judge's request parameters in the task's reference (default: temperature 1, 256 tokens) */
  readonly judgeParams?: { readonly temperature: number; readonly maxTokens: number } | undefined
  /** process_results: the output (and the judge's 1/0 when one was asked) to metric payloads */
  readonly score: (doc: Doc, output: string, judgment?: number) => SampleScore
  readonly metrics: Readonly<Record<string, Metric>>
  /**
   * The task's headline score in percent (the main table's number) from the aggregated metrics; without
   * it, the accuracy over the scored samples.
   */
  readonly headline?: ((aggregates: Readonly<Record<string, unknown>>) => number | undefined) | undefined
  readonly breakdown: (doc: Doc) => Breakdown
  /** quirks of the reference parser kept in the default mode, listed for the docs and the reports */
  readonly quirks: ReadonlyArray<string>
}
