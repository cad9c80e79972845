import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"

export interface CorpusStats {
  readonly totals: {
    readonly knowledge_points: number
    readonly seed_examples: number
    readonly videos: number
    readonly examples: number
    readonly examples_with_rationale: number
  }
  /** example counts per value of discipline, subject, skill, problem_type, split and generator_model */
  readonly examplesBy: Record<string, Array<{ readonly value: string; readonly examples: number }>>
  readonly videoDurations: {
    readonly summary: {
      readonly videos: number
      readonly mean_seconds: number | null
      readonly median_seconds: number | null
      readonly min_seconds: number | null
      readonly max_seconds: number | null
      readonly total_hours: number | null
    }
    readonly histogram: Array<{ readonly bucket: string; readonly videos: number }>
  }
  /** model calls per stage and model: calls, cache hits, failures, tokens, cost, latency */
  readonly modelUsage: Array<{
    readonly stage: string
    readonly model_id: string
    readonly calls: number
    readonly cache_hits: number
    readonly failures: number
    readonly input_tokens: number
    readonly output_tokens: number
    readonly cost_usd: number
    readonly mean_latency_ms: number | null
  }>
  readonly knowledgeCoverage: Array<{
    readonly discipline: string
    readonly knowledge_points: number
    readonly with_examples: number
    readonly with_videos: number
    readonly with_seeds: number
  }>
}

/** Corpus statistics, read from the SQL views of the store (migration 2). */
export const corpusStats = Effect.gen(function* () {
  const store = yield* CorpusStore
  const [totals, by, summary, histogram, coverage, modelUsage] = yield* Effect.all([
    store.query<CorpusStats["totals"]>("SELECT * FROM stats_totals"),
    store.query<{ dimension: string; value: string; examples: number }>(
      "SELECT * FROM stats_examples_by ORDER BY dimension, examples DESC, value"
    ),
    store.query<CorpusStats["videoDurations"]["summary"]>("SELECT * FROM stats_video_summary"),
    store.query<{ bucket: string; videos: number }>("SELECT bucket, videos FROM stats_video_durations"),
    store.query<CorpusStats["knowledgeCoverage"][number]>("SELECT * FROM stats_knowledge_coverage"),
    store.query<CorpusStats["modelUsage"][number]>("SELECT * FROM model_usage")
  ])
  const examplesBy: CorpusStats["examplesBy"] = {}
  for (const row of by) (examplesBy[row.dimension] ??= []).push({ value: row.value, examples: row.examples })
  return {
    totals: totals[0]!,
    examplesBy,
    videoDurations: { summary: summary[0]!, histogram },
    knowledgeCoverage: coverage,
    modelUsage
  } satisfies CorpusStats
})

/** Videos per license, most first: what a dataset card lists. */
export const licenseCounts = Effect.flatMap(CorpusStore, (store) =>
  store.query<{ license: string; videos: number }>(
    "SELECT license, count(*)::INT AS videos FROM videos GROUP BY license ORDER BY videos DESC, license"
  )
)

/** The discipline of each subject of the knowledge bank (results are broken down by discipline through the subject). */
export const subjectDisciplines = Effect.map(
  Effect.flatMap(CorpusStore, (store) =>
    store.query<{ subject: string; discipline: string }>("SELECT DISTINCT subject, discipline FROM knowledge_points")
  ),
  (rows): ReadonlyMap<string, string> => new Map(rows.map((r) => [r.subject, r.discipline]))
)

/** Per stage: items decided, kept, dropped and final errors (the stage_funnel view), in no particular order. */
export const stageFunnel = Effect.flatMap(CorpusStore, (store) =>
  store.query<{ stage: string; items: number; kept: number; dropped: number; errors: number }>(
    "SELECT stage, items::INT AS items, kept::INT AS kept, dropped::INT AS dropped, errors::INT AS errors FROM stage_funnel"
  )
)

/** Per stage: items left pending after transient failures (the stage_pending view). */
export const stagePending = Effect.flatMap(CorpusStore, (store) =>
  store.query<{ stage: string; pending: number }>("SELECT stage, pending::INT AS pending FROM stage_pending")
)
