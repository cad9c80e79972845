import { dirname, join, resolve } from "node:path"
import { Console, Effect } from "effect"
import {
  CorpusStore,
  IncompleteRun,
  loadPlugins,
  Media,
  type Project,
  subjectDisciplines,
  UsageError,
  version
} from "@videokr/core"
import { pyStrip } from "@videokr/core/python"
import {
  aggregatesOf,
  breakdownsOf,
  type EvalMode,
  fileReader,
  type FramesSpec,
  headlineOf,
  type PendingTask,
  readLmmsOutput,
  referenceFrames,
  reproducibilityRecord,
  runTask,
  type SampleRecord,
  storeResult,
  storeTaskRun,
  type TaskInput,
  type TaskProgress,
  type TaskRun,
  tasks as knownTasks,
  writeLmmsOutput
} from "@videokr/eval"
import { middlewareLayerFor } from "@videokr/providers"
import { table } from "./Output.ts"
import { modelSession } from "./ModelSession.ts"

export interface EvalOptions {
  readonly model: string
  readonly tasks: ReadonlyArray<string>
  /** task=folder pairs, over eval.data of the config */
  readonly data: ReadonlyArray<string>
  readonly limit: number | undefined
  readonly concurrency: number | undefined
  readonly judge: string | undefined
  readonly mode: EvalMode
  readonly strict: boolean
  readonly output: string | undefined
  readonly maxFrames: number | undefined
  readonly fps: number | undefined
  readonly cache: "use" | "refresh" | "off"
  readonly progress: boolean
}

const progressLine = (p: TaskProgress, startedAt: number) => {
  const seconds = (performance.now() - startedAt) / 1000
  const fresh = p.done - p.resumed
  const rate = seconds > 0 ? fresh / seconds : 0
  const left = p.total - p.done
  // samples left pending make a finished task incomplete, not done
  const eta = p.finished
    ? p.pending > 0
      ? "incomplete"
      : "done"
    : rate > 0
      ? `ETA ${Math.floor(left / rate / 60)}:${String(Math.round(left / rate) % 60).padStart(2, "0")}`
      : "ETA --:--"
  const bar = "#".repeat(p.total === 0 ? 20 : Math.round((p.done / p.total) * 20)).padEnd(20, "-")
  const again = p.nextRoundMillis === undefined ? "" : ` (asked again in ${Math.round(p.nextRoundMillis / 1000)} s)`
  return `${p.task.padEnd(22)} [${bar}] ${String(p.done).padStart(6)}/${String(p.total).padEnd(6)} ${rate.toFixed(1).padStart(6)}/s  ${eta.padEnd(10)} errors ${p.errors}, pending ${p.pending}${again}${p.resumed > 0 ? `, resumed ${p.resumed}` : ""}`
}

/** What a task's pending samples wait for, by kind of failure: how many, the first one's detail and document. */
const pendingLines = (t: PendingTask) => {
  const kinds = new Map<string, Array<PendingTask["pending"][number]>>()
  for (const p of t.pending) {
    const group = kinds.get(p.kind)
    if (group === undefined) kinds.set(p.kind, [p])
    else group.push(p)
  }
  const answered = t.pending.filter((p) => p.answered).length
  return [
    `${t.task.name}: ${t.pending.length} of ${t.counts.samples} sample(s) pending after transient failures; nothing of the task written (its numbers would be wrong)${answered > 0 ? `; ${answered} of them answered and kept, waiting only for the judge` : ""}`,
    ...[...kinds].map(([kind, ps]) => `  ${ps.length} x ${kind}: ${ps[0]!.detail} (first: ${ps[0]!.docId})`)
  ]
}

/** `videokr eval`: the named tasks asked of one model, where eval.data (or --data) says their files are. */
export const evaluate = (project: Project, options: EvalOptions) =>
  Effect.gen(function* () {
    const config = project.config.eval ?? {}
    const data: Record<string, string> = { ...config.data }
    for (const pair of options.data) {
      const at = pair.indexOf("=")
      if (at <= 0) return yield* new UsageError({ reason: `--data wants task=folder, got "${pair}"` })
      data[pair.slice(0, at)] = pair.slice(at + 1)
    }
    const names = options.tasks.length > 0 ? options.tasks : Object.keys(data)
    if (names.length === 0)
      return yield* new UsageError({
        reason: `no tasks: give --tasks (known: ${Object.keys(knownTasks).join(", ")}) and where their files are (eval.data in ${project.configPath}, or --data task=folder)`
      })
    const unknown = names.filter((n) => knownTasks[n] === undefined)
    if (unknown.length > 0)
      return yield* new UsageError({
        reason: `unknown task(s): ${unknown.join(", ")}; known: ${Object.keys(knownTasks).join(", ")}`
      })
    const missing = names.filter((n) => data[n] === undefined)
    if (missing.length > 0)
      return yield* new UsageError({
        reason: `where are the files of ${missing.join(", ")}? Set eval.data.<task> in ${project.configPath} or give --data <task>=<folder>`
      })
    return yield* evaluateTasks(
      project,
      names.map((n) => ({ task: knownTasks[n]!, root: resolve(project.dir, data[n]!) })),
      options
    )
  })

/**
 * Runs the tasks, prints a summary, writes the LMMs-Eval layout and stores a row per task. A task left
 * with pending samples (transient failures that outlasted the runner's rounds) is reported, not written,
 * and the command then fails with IncompleteRun (exit 3): the same command again finishes it.
 */
export const evaluateTasks = (
  project: Project,
  inputs: ReadonlyArray<TaskInput>,
  options: Omit<EvalOptions, "tasks" | "data">
) =>
  Effect.gen(function* () {
    const config = project.config.eval ?? {}
    const frames: FramesSpec = {
      ...referenceFrames,
      ...config.frames,
      ...(options.maxFrames === undefined ? {} : { maxFrames: options.maxFrames }),
      ...(options.fps === undefined ? {} : { fps: options.fps })
    }
    // "--judge none": rule mode even when the config names a judge
    const chosen = options.judge ?? config.judge
    const judge = chosen === "none" ? undefined : chosen
    const plugins = yield* loadPlugins(project)
    const session = yield* modelSession(project, plugins, options.cache)
    const store = yield* CorpusStore.CorpusStore
    const outputDir = resolve(project.dir, options.output ?? config.outputDir ?? "eval-results")
    const media = yield* Media.Media.pipe(Effect.provide(session.services))
    const decoder = yield* Effect.orElseSucceed(media.versions, () => ({ ffmpeg: "unknown", ffprobe: "unknown" }))
    const out = process.stderr
    const disciplines = yield* subjectDisciplines
    const runs: Array<TaskRun> = []
    const incomplete: Array<PendingTask> = []
    const failures: Array<string> = []
    const runId = `${new Date().toISOString().replace(/[:.]/g, "-")}-${options.model.replace(/[^A-Za-z0-9._-]+/g, "_")}`
    for (const { task, root } of inputs) {
      let lastDraw = 0
      const taskStarted = performance.now()
      const run = yield* runTask(
        { task, root },
        {
          model: options.model,
          mode: options.mode,
          frames,
          limit: options.limit,
          concurrency: options.concurrency ?? config.concurrency ?? 8,
          judge,
          strict: options.strict,
          checkpointDir: join(project.dir, ".videokr/eval"),
          disciplines,
          onProgress: (p) => {
            if (!options.progress) return
            const finished = p.finished
            if (out.isTTY) {
              const now = performance.now()
              // a pause before a round is drawn however recent the last line: it stands for seconds
              if (now - lastDraw > 100 || finished || p.nextRoundMillis !== undefined) {
                lastDraw = now
                out.write(`\r\x1b[2K${progressLine(p, taskStarted)}${finished ? "\n" : ""}`)
              }
            } else if (finished) out.write(`${progressLine(p, taskStarted)}\n`)
          }
        }
      ).pipe(
        Effect.provide(session.services),
        Effect.map((r): TaskRun | PendingTask | undefined => r),
        Effect.catchTag("TaskDataError", (e) =>
          Effect.as(
            Effect.sync(() => failures.push(e.message)),
            undefined
          )
        ),
        Effect.ensuring(Effect.orDie(session.calls.flush))
      )
      if (run?._tag === "TaskRun") runs.push(run)
      else if (run?._tag === "PendingTask") incomplete.push(run)
    }
    // every usage row is in the store now: the journal that guarded them goes
    yield* Effect.orDie(session.calls.close)
    if (runs.length > 0) {
      const record = reproducibilityRecord({
        model: options.model,
        config: project.config.models ?? {},
        frames,
        mode: options.mode,
        judge,
        decoder,
        videokr: version
      })
      const written = yield* writeLmmsOutput(outputDir, options.model, runs, record)
      yield* Effect.forEach(runs, (r) =>
        storeTaskRun(store, {
          runId,
          run: r,
          model: options.model,
          mode: options.mode,
          source: "run",
          record,
          outputDir: written.dir
        })
      )
      yield* Console.log(
        table(
          ["task", "benchmark", "score", "samples", "scored", "skipped", "errors", "resumed", "spend ($)"],
          runs.map((r) => [
            r.task.name,
            r.task.benchmark,
            r.score === undefined ? "-" : r.score.toFixed(2),
            r.counts.samples,
            r.counts.scored,
            r.counts.skipped,
            r.counts.errors,
            r.counts.resumed,
            session.tally.spend(`eval:${r.task.name}`).toFixed(4)
          ])
        )
      )
      yield* Console.log(`results: ${written.results}`)
      for (const f of written.samples) yield* Console.log(`samples: ${f}`)
      for (const r of runs) {
        if (r.counts.skipped > 0 && judge === undefined)
          yield* Console.log(
            `${r.task.name}: ${r.counts.skipped} open-ended sample(s) skipped: no judge (eval.judge in the config, or --judge <model>)`
          )
        const errors = r.samples.filter((s) => s.error !== undefined)
        if (errors.length > 0) {
          yield* Console.log(
            `${r.task.name}: ${errors.length} sample(s) not answered, left out of the score; first: ${errors[0]!.docId}: ${errors[0]!.error}`
          )
        }
      }
    }
    for (const t of incomplete) for (const line of pendingLines(t)) yield* Console.log(line)
    for (const f of failures) yield* Console.error(`task failed: ${f}`)
    // unreadable data wants a fix before anything else; pending samples want only a second run
    if (failures.length > 0) return yield* new UsageError({ reason: `${failures.length} task(s) could not be read` })
    if (incomplete.length > 0) {
      return yield* new IncompleteRun({
        what: incomplete.map((t) => `${t.task.name}: ${t.pending.length} sample(s)`).join(", "),
        pending: incomplete.reduce((n, t) => n + t.pending.length, 0),
        hint: "run the same command again to finish them, once the models answer (it picks up from the checkpoint and asks only what is missing)"
      })
    }
    return runs
  }).pipe(Effect.provide(middlewareLayerFor(project.config.models))) // limiter, breaker (the project's models.circuit) and health state

/**
 * `videokr eval import <dir>`: every task of every LMMs-Eval results file under the folder becomes a stored
 * result (source "import"). Where videokr knows the task and its documents are at hand (eval.data), the
 * logged outputs are scored again by our rules (with the judge's verdicts the samples carry, for a judged
 * run), the breakdowns computed, and both numbers shown, so a difference from the file is seen at once.
 */
export const importEvalResults = (project: Project, dir: string, model: string | undefined) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const runs = yield* readLmmsOutput(resolve(dir))
    const data = project.config.eval?.data ?? {}
    const rows: Array<Array<string | number>> = []
    for (const run of runs) {
      const runId = `import:${run.resultsFile}`
      for (const t of run.tasks) {
        const known = knownTasks[t.task]
        let rescored: { score: number | undefined; breakdowns: unknown; scored: number; skipped: number } | undefined
        if (known !== undefined && t.samples.length > 0 && data[t.task] !== undefined) {
          const root = resolve(project.dir, data[t.task]!)
          const docs = yield* known.documents(fileReader(known.name, root))
          const samples = t.samples.flatMap((s): Array<SampleRecord> => {
            const doc = docs[s.docId]
            if (doc === undefined) return []
            const result = known.score(doc, pyStrip(s.output), judgmentIn(s.payloads))
            return [
              {
                index: s.docId,
                docId: known.docId(doc, s.docId),
                doc,
                prompt: s.input,
                target: s.target,
                output: s.output,
                result,
                breakdown: known.breakdown(doc)
              }
            ]
          })
          const breakdowns = breakdownsOf(samples)
          rescored = {
            score: headlineOf(known, aggregatesOf(known, samples, false), breakdowns.overall),
            breakdowns,
            scored: samples.filter((s) => s.result!.score !== null).length,
            skipped: samples.filter((s) => s.result!.score === null).length
          }
        }
        const fileScore = known?.headline?.(t.metrics) ?? firstNumber(t.metrics)
        const samples = t.nSamples?.effective ?? t.samples.length
        yield* storeResult(store, {
          runId,
          task: t.task,
          benchmark: known?.benchmark ?? t.task,
          group: known?.group ?? "other",
          model: model ?? run.modelName,
          mode: "video",
          source: "import",
          score: fileScore,
          counts: { samples, scored: rescored?.scored ?? samples, skipped: rescored?.skipped ?? 0, errors: 0 },
          metrics: t.metrics,
          breakdowns: rescored?.breakdowns ?? {},
          record: {
            resultsFile: run.resultsFile,
            samplesFile: t.samplesFile ?? null,
            date: run.date,
            config: run.config,
            rescoredScore: rescored?.score ?? null
          },
          outputDir: dirname(run.resultsFile)
        })
        rows.push([
          t.task,
          model ?? run.modelName,
          fileScore === undefined ? "-" : fileScore.toFixed(2),
          rescored?.score === undefined ? "-" : rescored.score.toFixed(2),
          samples,
          t.samplesFile === undefined ? "no" : "yes"
        ])
      }
    }
    yield* Console.log(table(["task", "model", "score (file)", "score (re-scored)", "samples", "samples logged"], rows))
    const differing = rows.filter((r) => r[3] !== "-" && r[2] !== r[3])
    if (differing.length > 0)
      yield* Console.log(
        `re-scored differently: ${differing.map((r) => r[0]).join(", ")} (the run's judge, or its harness version, may differ from ours; see the task's quirks)`
      )
    yield* Console.log(`${rows.length} result(s) imported from ${runs.length} results file(s)`)
  })

/**
 * The judge's verdict a logged sample carries, when its run had a judge: the payloads of the tasks say
 * so with evaluation_mode "vlm_judge" (or MMVU's eval_method "gpt-based") beside `correct` (or MVBench's
 * `score`); re-scoring then uses the verdict as the run did instead of the rules.
 */
const judgmentIn = (payloads: Readonly<Record<string, unknown>>): number | undefined => {
  for (const p of Object.values(payloads)) {
    if (p === null || typeof p !== "object") continue
    const o = p as Record<string, unknown>
    if (typeof o["judgment"] === "number") return o["judgment"]
    if (o["evaluation_mode"] !== "vlm_judge" && o["eval_method"] !== "gpt-based") continue
    const verdict = o["correct"] ?? o["score"]
    if (typeof verdict === "boolean" || typeof verdict === "number") return verdict === true || verdict === 1 ? 1 : 0
  }
  return undefined
}

/** The first number among a results entry's metrics (a task videokr does not know). */
const firstNumber = (metrics: Readonly<Record<string, unknown>>): number | undefined => {
  for (const v of Object.values(metrics)) {
    if (typeof v === "number") return v
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>
      for (const k of ["overall_acc", "accuracy", "acc", "score"]) if (typeof o[k] === "number") return o[k]
    }
  }
  return undefined
}
