import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { FileError, parseModelId, writeTextAtomic } from "@videokr/core"
import { Effect, Stream } from "effect"
import type { RunRecord } from "./Reproducibility.ts"
import { taskRecord } from "./Reproducibility.ts"
import type { TaskRun } from "./Runner.ts"

/**
 * Results in the layout LMMs-Eval writes with `--output_path X --log_samples` (the VideoKR release's copy,
 * loggers/evaluation_tracker.py), so that tools reading those folders read ours:
 *   X/<model name sanitized>/<date id>_results.json         indent 2, non-ASCII as is, no trailing newline
 *   X/<model name sanitized>/<date id>_samples_<task>.jsonl  one compact line per document (", " and ": ")
 * with the date id as "%Y%m%d_%H%M%S" in Asia/Singapore time (the reference's default time zone). The results
 * file has LMMs-Eval's keys in its order, and one key of ours at the end, "videokr": per task, every
 * breakdown, the counts (errors and skips), the headline score and what makes the result reproducible.
 * Samples that have no answer (missing video, failed call) are not in the samples file (LMMs-Eval would
 * have stopped); they are listed with their reasons under "videokr".
 */

/** sanitize_model_name(full_path=False): the last two path parts, runs of `"<>:/|\?*[]` as "__". */
export const sanitizeModelName = (name: string) => {
  const parts = name.split("/")
  const lastTwo = parts.length > 1 ? parts.slice(-2).join("/") : parts[parts.length - 1]!
  return lastTwo.replace(/["<>:/|\\?*[\]]+/g, "__")
}

/** The model's name as LMMs-Eval would know it (the model= of model_args): the provider's model name. */
export const lmmsModelName = (modelId: string) => {
  const parsed = parseModelId(modelId)
  return "provider" in parsed ? parsed.model : modelId
}

export const dateId = (at: Date) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Singapore",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23"
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value])
  )
  return `${parts["year"]}${parts["month"]}${parts["day"]}_${parts["hour"]}${parts["minute"]}${parts["second"]}`
}

/** json.dumps(value, ensure_ascii=False) with Python's separators: ", " between items and ": " after keys. */
export const pyJsonLine = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  if (Array.isArray(value)) return `[${value.map(pyJsonLine).join(", ")}]`
  if (typeof value === "object")
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyJsonLine(v)}`)
      .join(", ")}}`
  if (typeof value === "number" && !Number.isFinite(value))
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity"
  return JSON.stringify(value)
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")
/** the reference hashes a document it never fills in: sha256 of "null" on every line */
const docHash = sha256("null")

const metricEntries = (run: TaskRun) => {
  const entry: Record<string, unknown> = { alias: run.task.name }
  for (const [name, value] of Object.entries(run.aggregates)) {
    entry[`${name},none`] = value
    entry[`${name}_stderr,none`] = "N/A"
  }
  return entry
}

const sortedBy = <A>(runs: ReadonlyArray<TaskRun>, f: (r: TaskRun) => A) =>
  Object.fromEntries([...runs].sort((a, b) => a.task.name.localeCompare(b.task.name)).map((r) => [r.task.name, f(r)]))

export const samplesLines = (run: TaskRun): string =>
  run.samples
    .filter((s) => s.result !== undefined)
    .map(
      (s) =>
        pyJsonLine({
          doc_id: s.index,
          target: s.target,
          filtered_resps: [s.output],
          doc_hash: docHash,
          ...s.result!.metrics,
          input: s.prompt
        }) + "\n"
    )
    .join("")

export const resultsJson = (
  runs: ReadonlyArray<TaskRun>,
  record: RunRecord,
  model: string,
  at: { readonly date: string; readonly seconds: number }
) => {
  const name = lmmsModelName(model)
  const withSamples = (r: TaskRun) => r.samples.filter((s) => s.result !== undefined)
  const results = {
    results: sortedBy(runs, metricEntries),
    group_subtasks: sortedBy(runs, () => []),
    configs: sortedBy(runs, (r) => ({
      task: r.task.name,
      dataset_path: r.task.source.dataset,
      test_split: r.task.source.split,
      output_type: "generate_until",
      generation_kwargs: {
        max_new_tokens: r.task.generation.maxTokens,
        temperature: r.task.generation.temperature,
        ...(r.task.generation.topP === undefined ? {} : { top_p: r.task.generation.topP }),
        num_beams: 1,
        do_sample: r.task.generation.doSample ?? false
      },
      metric_list: Object.entries(r.task.metrics)
        .filter(([m]) => m in r.aggregates)
        .map(([metric, m]) => ({ metric, higher_is_better: m.higherIsBetter })),
      repeats: 1
    })),
    versions: sortedBy(runs, () => "Yaml"),
    "n-shot": sortedBy(runs, () => 0),
    higher_is_better: sortedBy(runs, (r) =>
      Object.fromEntries(
        Object.entries(r.task.metrics)
          .filter(([m]) => m in r.aggregates)
          .map(([m, d]) => [m, d.higherIsBetter])
      )
    ),
    "n-samples": Object.fromEntries(
      runs.map((r) => [r.task.name, { original: r.counts.samples, effective: withSamples(r).length }])
    ),
    config: {
      model: record.model.provider,
      model_args: `model=${name}`,
      batch_size: 1,
      batch_sizes: [],
      device: null,
      use_cache: null,
      limit: null,
      bootstrap_iters: 0,
      gen_kwargs: "",
      random_seed: 0,
      numpy_seed: 1234,
      torch_seed: 1234,
      fewshot_seed: 1234
    },
    git_hash: null,
    date: at.date,
    task_hashes: Object.fromEntries(
      runs.map((r) => [
        r.task.name,
        sha256(
          withSamples(r)
            .map((_, i) => `sample_${i}${docHash}`)
            .join("")
        )
      ])
    ),
    model_source: record.model.provider,
    model_name: name,
    model_name_sanitized: sanitizeModelName(name),
    system_instruction: null,
    system_instruction_sha: null,
    fewshot_as_multiturn: false,
    chat_template: null,
    chat_template_sha: null,
    start_time: 0,
    end_time: at.seconds,
    total_evaluation_time_seconds: String(at.seconds),
    videokr: {
      model,
      tasks: sortedBy(runs, (r) => ({
        benchmark: r.task.benchmark,
        group: r.task.group,
        score: r.score ?? null,
        counts: r.counts,
        breakdowns: r.breakdowns,
        record: taskRecord(record, r),
        errors: r.samples
          .filter((s) => s.error !== undefined)
          .map((s) => ({ doc_id: s.index, id: s.docId, error: s.error })),
        quirks: r.task.quirks
      }))
    }
  }
  return JSON.stringify(results, null, 2)
}

export interface WrittenOutput {
  readonly dir: string
  readonly results: string
  readonly samples: ReadonlyArray<string>
}

/** Writes one run's files (each atomically) and returns their paths. */
export const writeLmmsOutput = (
  outputDir: string,
  model: string,
  runs: ReadonlyArray<TaskRun>,
  record: RunRecord,
  startedAt = new Date()
) =>
  Effect.gen(function* () {
    const dir = join(outputDir, sanitizeModelName(lmmsModelName(model)))
    const date = dateId(startedAt)
    const samples: Array<string> = []
    for (const run of runs) {
      const path = join(dir, `${date}_samples_${run.task.name}.jsonl`)
      yield* writeTextAtomic(path, Stream.make(samplesLines(run)))
      samples.push(path)
    }
    const results = join(dir, `${date}_results.json`)
    yield* writeTextAtomic(
      results,
      Stream.make(resultsJson(runs, record, model, { date, seconds: (Date.now() - startedAt.getTime()) / 1000 }))
    )
    return { dir, results, samples } satisfies WrittenOutput
  })

/** One task of an LMMs-Eval results file, with its samples when they were logged. */
export interface ImportedTask {
  readonly task: string
  /** "<metric>" -> value (the "<metric>,<filter>" keys, stderr left out) */
  readonly metrics: Readonly<Record<string, unknown>>
  readonly samples: ReadonlyArray<{
    readonly docId: number
    readonly output: string
    readonly payloads: Readonly<Record<string, unknown>>
    readonly target: string
    readonly input: string
  }>
  readonly samplesFile: string | undefined
  readonly nSamples: { readonly original: number; readonly effective: number } | undefined
}

export interface ImportedRun {
  readonly resultsFile: string
  readonly date: string
  readonly modelName: string
  readonly config: unknown
  readonly tasks: ReadonlyArray<ImportedTask>
}

const fileError = (path: string, operation: string) => (e: unknown) =>
  new FileError({ path, operation, reason: e instanceof Error ? e.message : String(e) })

const findResults = async (dir: string, depth: number): Promise<Array<string>> => {
  const entries = await readdir(dir, { withFileTypes: true })
  const found: Array<string> = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isFile() && e.name.endsWith("_results.json")) found.push(join(dir, e.name))
    else if (e.isDirectory() && depth > 0) found.push(...(await findResults(join(dir, e.name), depth - 1)))
  }
  return found
}

const standardKeys = new Set([
  "doc_id",
  "doc",
  "target",
  "arguments",
  "resps",
  "filtered_resps",
  "doc_hash",
  "prompt_hash",
  "target_hash",
  "input",
  "input_media",
  "token_counts"
])

/** Reads an LMMs-Eval output folder: every results file under it (two levels down), with its samples files. */
export const readLmmsOutput = (dir: string) =>
  Effect.gen(function* () {
    const files = yield* Effect.tryPromise({ try: () => findResults(dir, 2), catch: fileError(dir, "read folder") })
    if (files.length === 0)
      return yield* new FileError({
        path: dir,
        operation: "import",
        reason: "no *_results.json here or two levels down (an LMMs-Eval --output_path folder)"
      })
    return yield* Effect.forEach(files, (file) =>
      Effect.gen(function* () {
        const text = yield* Effect.tryPromise({ try: () => readFile(file, "utf8"), catch: fileError(file, "read") })
        // Python writes NaN and Infinity as bare tokens; JSON.parse does not know them
        const parsed = yield* Effect.try({
          try: () =>
            JSON.parse(text.replace(/(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, "null")) as Record<string, any>,
          catch: fileError(file, "parse JSON")
        })
        if (typeof parsed["results"] !== "object" || parsed["results"] === null)
          return yield* new FileError({
            path: file,
            operation: "import",
            reason: 'no "results" object: not an LMMs-Eval results file'
          })
        const date = file.slice(file.lastIndexOf("/") + 1, -"_results.json".length)
        const folder = file.slice(0, file.lastIndexOf("/"))
        const leafTasks = Object.entries(parsed["results"] as Record<string, Record<string, unknown>>)
        const tasks = yield* Effect.forEach(leafTasks, ([task, entry]) =>
          Effect.gen(function* () {
            const metrics = Object.fromEntries(
              Object.entries(entry)
                .filter(([k]) => k.includes(",") && !k.split(",")[0]!.endsWith("_stderr"))
                .map(([k, v]) => [k.split(",")[0]!, v])
            )
            const samplesFile = join(folder, `${date}_samples_${task}.jsonl`)
            const samplesText = yield* Effect.promise(() => readFile(samplesFile, "utf8").catch(() => undefined))
            const samples =
              samplesText === undefined
                ? []
                : yield* Effect.forEach(
                    samplesText
                      .split("\n")
                      .map((l, i) => [l, i] as const)
                      .filter(([l]) => l.trim() !== ""),
                    ([line, i]) =>
                      Effect.try({
                        try: () => {
                          const s = JSON.parse(line) as Record<string, unknown>
                          if (typeof s["doc_id"] !== "number") throw new Error("field doc_id: missing or not a number")
                          const resps = s["filtered_resps"] ?? s["resps"]
                          const output = Array.isArray(resps)
                            ? Array.isArray(resps[0])
                              ? resps[0][0]
                              : resps[0]
                            : resps
                          if (typeof output !== "string") throw new Error("field filtered_resps: no model output")
                          return {
                            docId: s["doc_id"],
                            output,
                            target: String(s["target"] ?? ""),
                            input: String(s["input"] ?? ""),
                            payloads: Object.fromEntries(Object.entries(s).filter(([k]) => !standardKeys.has(k)))
                          }
                        },
                        catch: (e) =>
                          new FileError({
                            path: `${samplesFile}:${i + 1}`,
                            operation: "import",
                            reason: e instanceof Error ? e.message : String(e)
                          })
                      })
                  )
            const n = (parsed["n-samples"] as Record<string, { original: number; effective: number }> | undefined)?.[
              task
            ]
            return {
              task,
              metrics,
              samples,
              samplesFile: samplesText === undefined ? undefined : samplesFile,
              nSamples: n
            } satisfies ImportedTask
          })
        )
        return {
          resultsFile: file,
          date: String(parsed["date"] ?? date),
          modelName: String(parsed["model_name"] ?? parsed["config"]?.["model_args"] ?? "unknown"),
          config: parsed["config"],
          // group entries carry no metric of their own leaf task ({" ": " "}) and are kept only when they have metrics
          tasks: tasks.filter((t) => Object.keys(t.metrics).length > 0)
        } satisfies ImportedRun
      })
    )
  })
