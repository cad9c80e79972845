import { CorpusStore } from "@videokr/core"
import { Effect } from "effect"
import type { ResultRow } from "./Reports.ts"
import type { EvalMode, TaskRun } from "./Runner.ts"
import { taskRecord, type RunRecord } from "./Reproducibility.ts"

/** A task's result as one eval_results row of the corpus store (replacing the row of the same run and task). */
export interface StoredResult {
  readonly runId: string
  readonly task: string
  readonly benchmark: string
  readonly group: string
  readonly model: string
  readonly mode: EvalMode
  readonly source: "run" | "import"
  readonly score: number | undefined
  readonly counts: {
    readonly samples: number
    readonly scored: number
    readonly skipped: number
    readonly errors: number
  }
  readonly metrics: unknown
  readonly breakdowns: unknown
  readonly record: unknown
  readonly outputDir: string | undefined
}

/** One statement, so atomic by itself. */
export const storeResult = (store: CorpusStore.CorpusStoreShape, r: StoredResult) =>
  store.run(
    `INSERT OR REPLACE INTO eval_results (run_id, task, benchmark, task_group, model, mode, source, score, samples, scored, skipped, errors, metrics, breakdowns, record, output_dir)
       VALUES ($run_id, $task, $benchmark, $group, $model, $mode, $source, $score, $samples, $scored, $skipped, $errors, $metrics::JSON, $breakdowns::JSON, $record::JSON, $output_dir)`,
    {
      run_id: r.runId,
      task: r.task,
      benchmark: r.benchmark,
      group: r.group,
      model: r.model,
      mode: r.mode,
      source: r.source,
      score: r.score ?? null,
      samples: r.counts.samples,
      scored: r.counts.scored,
      skipped: r.counts.skipped,
      errors: r.counts.errors,
      metrics: JSON.stringify(r.metrics),
      breakdowns: JSON.stringify(r.breakdowns),
      record: JSON.stringify(r.record),
      output_dir: r.outputDir ?? null
    }
  )

export const storeTaskRun = (
  store: CorpusStore.CorpusStoreShape,
  input: {
    readonly runId: string
    readonly run: TaskRun
    readonly model: string
    readonly mode: EvalMode
    readonly source: "run"
    readonly record: RunRecord
    readonly outputDir: string
  }
) =>
  storeResult(store, {
    runId: input.runId,
    task: input.run.task.name,
    benchmark: input.run.task.benchmark,
    group: input.run.task.group,
    model: input.model,
    mode: input.mode,
    source: input.source,
    score: input.run.score,
    counts: input.run.counts,
    metrics: input.run.aggregates,
    breakdowns: input.run.breakdowns,
    record: taskRecord(input.record, input.run),
    outputDir: input.outputDir
  })

/** The newest result of each model and task (the eval_latest view), by model then task: what the reports read. */
export const latestResults = Effect.flatMap(CorpusStore.CorpusStore, (store) =>
  store.query<ResultRow>(
    "SELECT model, task, benchmark, task_group, mode, score, samples::INT AS samples, scored::INT AS scored, errors::INT AS errors FROM eval_latest ORDER BY model, task"
  )
)
