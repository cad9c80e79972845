import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { InputError, type InputProblem, inputProblems, PythonRandom, schemaProblems } from "@videokr/core"
import { pyRound, pyStrip } from "@videokr/core/python"
import { Effect, Schema } from "effect"
import * as tar from "tar"
import type { Doc, SampleScore, Task } from "./Task.ts"
import { aggregatesOf, type Bucket, breakdownsOf, headlineOf, type SampleRecord, withDiscipline } from "./Runner.ts"
import { fileReader, type TaskDataError } from "./TaskData.ts"

/**
 * A leaderboard submission: a folder (`submissions/<org>/<model>/`, ready for a pull request) holding
 * `submission.json` (who and what: model, revision, organisation, contact, the run's frames and
 * generation parameters, links; `withdrawn` to take it back while keeping it listed) and
 * `predictions.jsonl` (one line per document: task, document id, the model's raw output). Scores are
 * never taken from the submission: every task is scored again from the outputs by its own rules, in rule
 * mode (a judge's verdicts would be declared scores too), with a 95% bootstrap interval.
 */
const Url = Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s<>"]+$/))

export const SubmissionMeta = Schema.Struct({
  model: Schema.NonEmptyString,
  revision: Schema.NonEmptyString,
  organisation: Schema.NonEmptyString,
  contact: Schema.String.check(Schema.isPattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/)),
  date: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/)),
  frames: Schema.Struct({ fps: Schema.Finite, maxFrames: Schema.Int, maxPixels: Schema.optionalKey(Schema.Int) }),
  generation: Schema.Struct({
    temperature: Schema.Finite,
    topP: Schema.optionalKey(Schema.Finite),
    maxTokens: Schema.Int
  }),
  /** the prompts used: "default" (each task's reference prompt) or a description of the change */
  prompt: Schema.String,
  links: Schema.optionalKey(Schema.Array(Schema.Struct({ label: Schema.NonEmptyString, url: Url }))),
  notes: Schema.optionalKey(Schema.String),
  /** the model's size in billions of parameters (7 for a 7B model), for the board's size column and filter */
  parametersBillions: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  /** whether the weights are published (for the board's open-weights filter) */
  openWeights: Schema.optionalKey(Schema.Boolean),
  withdrawn: Schema.optionalKey(Schema.Struct({ date: Schema.String, reason: Schema.String }))
}).annotate({ identifier: "Submission" })
export type SubmissionMeta = typeof SubmissionMeta.Type

export const Prediction = Schema.Struct({
  task: Schema.NonEmptyString,
  id: Schema.NonEmptyString,
  output: Schema.String
}).annotate({ identifier: "Prediction" })
export type Prediction = typeof Prediction.Type

export const submissionFiles = { meta: "submission.json", predictions: "predictions.jsonl" } as const

export interface LoadedSubmission {
  readonly dir: string
  readonly meta: SubmissionMeta
  readonly predictions: ReadonlyArray<Prediction>
}

const decodeMeta = Schema.decodeUnknownExit(SubmissionMeta)
const decodePrediction = Schema.decodeUnknownExit(Prediction)

const readText = (path: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: () =>
      new InputError({
        file: path,
        problems: [{ line: 0, message: "missing: a submission folder holds submission.json and predictions.jsonl" }],
        omitted: 0,
        outcome: "the submission is refused"
      })
  })

const refused = (file: string, problems: ReadonlyArray<InputProblem>) =>
  inputProblems(file, problems, "the submission is refused")

/** Checks a submission's two files' texts (as they are or would be in `dir`): every problem names the file, line and field. */
export const parseSubmission = (dir: string, metaText: string, predictionsText: string) =>
  Effect.gen(function* () {
    const metaPath = join(dir, submissionFiles.meta)
    let metaJson: unknown
    try {
      metaJson = JSON.parse(metaText)
    } catch (e) {
      return yield* refused(metaPath, [{ line: 0, message: `not JSON: ${(e as Error).message}` }])
    }
    const meta = decodeMeta(metaJson, { errors: "all", onExcessProperty: "error" })
    if (meta._tag === "Failure") return yield* refused(metaPath, schemaProblems(meta.cause, metaJson, 0))
    const predictionsPath = join(dir, submissionFiles.predictions)
    const problems: Array<InputProblem> = []
    const predictions: Array<Prediction> = []
    const seen = new Map<string, number>()
    predictionsText.split("\n").forEach((text, i) => {
      if (text.trim() === "") return
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (e) {
        problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` })
        return
      }
      const p = decodePrediction(json, { errors: "all" })
      if (p._tag === "Failure") return void problems.push(...schemaProblems(p.cause, json, i + 1))
      const key = `${p.value.task}\u0000${p.value.id}`
      const first = seen.get(key)
      if (first !== undefined)
        return void problems.push({
          line: i + 1,
          field: "id",
          message: `a second prediction for ${p.value.task} ${p.value.id} (the first is on line ${first})`
        })
      seen.set(key, i + 1)
      predictions.push(p.value)
    })
    if (problems.length > 0) return yield* refused(predictionsPath, problems)
    if (predictions.length === 0) return yield* refused(predictionsPath, [{ line: 0, message: "no predictions" }])
    return { dir, meta: meta.value, predictions } satisfies LoadedSubmission
  })

/** Whether a path names a submission archive rather than a folder. */
export const isSubmissionArchive = (path: string) => /\.(tar\.gz|tgz)$/i.test(path)

/**
 * The two files of an archive (.tar.gz), read in memory: only submission.json and predictions.jsonl (at
 * the top or in one folder) are taken; nothing of an archive is written to disk.
 */
const archiveTexts = (archive: string) =>
  Effect.tryPromise({
    try: async () => {
      const found: Record<string, Array<Buffer>> = {}
      await tar.t({
        file: archive,
        onReadEntry: (entry) => {
          const name =
            entry.path
              .split("/")
              .filter((p) => p !== "" && p !== ".")
              .at(-1) ?? ""
          const depth = entry.path.split("/").filter((p) => p !== "" && p !== ".").length
          if (
            entry.type !== "File" ||
            depth > 2 ||
            (name !== submissionFiles.meta && name !== submissionFiles.predictions)
          )
            return entry.resume()
          const chunks: Array<Buffer> = (found[name] = [])
          entry.on("data", (c: Buffer) => chunks.push(c))
        }
      })
      return Object.fromEntries(Object.entries(found).map(([k, v]) => [k, Buffer.concat(v).toString("utf8")]))
    },
    catch: (e) =>
      new InputError({
        file: archive,
        problems: [{ line: 0, message: `not a readable .tar.gz: ${e instanceof Error ? e.message : String(e)}` }],
        omitted: 0,
        outcome: "the submission is refused"
      })
  })

/** Reads and checks a submission: a folder, or a .tar.gz archive of one. */
export const loadSubmission = (path: string) =>
  Effect.gen(function* () {
    if (isSubmissionArchive(path)) {
      const texts = yield* archiveTexts(path)
      const missing = [submissionFiles.meta, submissionFiles.predictions].filter((f) => texts[f] === undefined)
      if (missing.length > 0)
        return yield* refused(path, [{ line: 0, message: `the archive holds no ${missing.join(" or ")}` }])
      return yield* parseSubmission(path, texts[submissionFiles.meta]!, texts[submissionFiles.predictions]!)
    }
    const metaText = yield* readText(join(path, submissionFiles.meta))
    const predictionsText = yield* readText(join(path, submissionFiles.predictions))
    return yield* parseSubmission(path, metaText, predictionsText)
  })

/** A submission folder packed as a .tar.gz archive (the folder's two files at its top). */
export const packSubmission = (dir: string, archive: string) =>
  Effect.tryPromise({
    try: () =>
      tar.c({ gzip: true, file: archive, cwd: dir, portable: true }, [
        submissionFiles.meta,
        submissionFiles.predictions
      ]),
    catch: (e) =>
      new InputError({
        file: archive,
        problems: [{ line: 0, message: `could not write the archive: ${e instanceof Error ? e.message : String(e)}` }],
        omitted: 0
      })
  })

/** What identifies a result on the board: the same model, revision and run configuration appear once. */
export const submissionKey = (meta: SubmissionMeta) =>
  createHash("sha256")
    .update(JSON.stringify([meta.model, meta.revision, meta.frames, meta.generation, meta.prompt]))
    .digest("hex")
    .slice(0, 16)

export interface Interval {
  readonly low: number
  readonly high: number
}

/**
 * The 95% percentile bootstrap interval (in percent) of the mean of per-sample scores: `rounds` resamples
 * with replacement drawn by Python's random.Random(seed), so the interval is the same on every build.
 */
export const bootstrapInterval = (scores: ReadonlyArray<number>, rounds = 1000, seed = 0): Interval | undefined => {
  const n = scores.length
  if (n === 0) return undefined
  const rng = new PythonRandom(seed)
  const means = new Float64Array(rounds)
  for (let r = 0; r < rounds; r++) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += scores[rng.randbelow(n)]!
    means[r] = sum / n
  }
  means.sort()
  const at = (q: number) => means[Math.min(rounds - 1, Math.max(0, Math.floor(q * rounds)))]!
  return { low: pyRound(at(0.025) * 100, 2), high: pyRound(at(0.975) * 100, 2) }
}

export interface ScoredTask {
  readonly task: string
  readonly benchmark: string
  readonly group: string
  readonly score: number | undefined
  readonly interval: Interval | undefined
  readonly samples: number
  readonly scored: number
  readonly skipped: number
  /** outputs the rules cannot score, scored by the board's judge from its stored verdicts */
  readonly judged: number
  /** outputs the rules cannot score and the judge has not judged yet (counted in skipped, never dropped silently) */
  readonly awaiting: number
  readonly breakdowns: { readonly overall: Bucket } & Readonly<
    Record<string, Bucket | Readonly<Record<string, Bucket>>>
  >
}

/** A task's documents, read once for every submission of a build. */
export type DocumentsOf = (task: Task) => Effect.Effect<ReadonlyArray<Doc>, TaskDataError>

export const documentsUnder = (roots: Readonly<Record<string, string>>): DocumentsOf => {
  const cache = new Map<string, ReadonlyArray<Doc>>()
  return (task) =>
    Effect.suspend(() => {
      const known = cache.get(task.name)
      if (known !== undefined) return Effect.succeed(known)
      const root = roots[task.name]
      if (root === undefined) return Effect.succeed([])
      return Effect.tap(task.documents(fileReader(task.name, root)), (docs) =>
        Effect.sync(() => void cache.set(task.name, docs))
      )
    })
}

/**
 * The judge prompt of an output (stripped, as LMMs-Eval hands it to the task) that only a judge can
 * score: the rules leave it unscored (an open-ended answer) and the task has a judge prompt for it.
 */
export const judgePromptFor = (
  task: Task,
  doc: Doc,
  output: string,
  ruled: SampleScore = task.score(doc, output)
): string | undefined => (ruled.score === null ? task.judgePrompt?.(doc, output) : undefined)

/** The board judge's stored verdicts, as the re-scoring reads them: the verdict on an output, if judged. */
export interface VerdictLookup {
  /** the board's judge; undefined when no verdict is stored (every judgeable output then awaits the judge) */
  readonly judge: string | undefined
  readonly verdictOf: (task: string, id: string, output: string) => number | undefined
}

/**
 * Every task of a submission scored again from its outputs. A task the board does not know, a task whose
 * documents are not at hand, an id that is not a document of the task, or a document without a
 * prediction: the submission is refused, naming the line or the first missing id. An output the rules
 * cannot score (an open-ended answer) is scored by the judge's stored verdict, else counted as awaiting
 * the judge (and skipped).
 */
export const rescoreSubmission = (
  submission: LoadedSubmission,
  known: Readonly<Record<string, Task>>,
  documentsOf: DocumentsOf,
  disciplines?: ReadonlyMap<string, string>,
  verdicts?: VerdictLookup
) =>
  Effect.gen(function* () {
    const file = join(submission.dir, submissionFiles.predictions)
    const byTask = new Map<string, Array<Prediction>>()
    for (const p of submission.predictions) byTask.set(p.task, [...(byTask.get(p.task) ?? []), p])
    const results: Array<ScoredTask> = []
    for (const [name, predictions] of byTask) {
      const task = known[name]
      if (task === undefined)
        return yield* refused(file, [
          {
            line: 0,
            field: "task",
            message: `unknown task "${name}"; the board scores ${Object.keys(known).join(", ")}`
          }
        ])
      const docs = yield* documentsOf(task)
      if (docs.length === 0)
        return yield* refused(file, [
          {
            line: 0,
            field: "task",
            message: `the documents of ${name} are not at hand to score it (eval.data.${name})`
          }
        ])
      const index = new Map(docs.map((d, i) => [task.docId(d, i), i]))
      const unknownId = predictions.find((p) => !index.has(p.id))
      if (unknownId !== undefined)
        return yield* refused(file, [
          { line: 0, field: "id", message: `"${unknownId.id}" is not a document of ${name}` }
        ])
      if (predictions.length < docs.length) {
        const have = new Set(predictions.map((p) => p.id))
        const missing = docs.map((d, i) => task.docId(d, i)).filter((id) => !have.has(id))
        return yield* refused(file, [
          {
            line: 0,
            field: "id",
            message: `${missing.length} document(s) of ${name} have no prediction; first: ${missing[0]}`
          }
        ])
      }
      let judged = 0
      let awaiting = 0
      const samples = predictions.map((p): SampleRecord => {
        const i = index.get(p.id)!
        const doc = docs[i]!
        const output = pyStrip(p.output)
        let result = task.score(doc, output)
        // what the rules cannot score is scored by the board's judge, from its stored verdict
        if (judgePromptFor(task, doc, output, result) !== undefined) {
          const verdict = verdicts?.judge === undefined ? undefined : verdicts.verdictOf(name, p.id, p.output)
          if (verdict === undefined) awaiting++
          else {
            result = task.score(doc, output, verdict)
            judged++
          }
        }
        return {
          index: i,
          docId: p.id,
          doc,
          prompt: "",
          target: task.docToTarget(doc),
          output: p.output,
          result,
          breakdown: withDiscipline(task.breakdown(doc), disciplines)
        }
      })
      const breakdowns = breakdownsOf(samples)
      const scores = samples.flatMap((s) => (s.result!.score === null ? [] : [s.result!.score]))
      results.push({
        task: name,
        benchmark: task.benchmark,
        group: task.group,
        score: headlineOf(task, aggregatesOf(task, samples, false), breakdowns.overall, samples.length > 0),
        interval: bootstrapInterval(scores),
        samples: samples.length,
        scored: scores.length,
        skipped: samples.length - scores.length,
        judged,
        awaiting,
        breakdowns
      })
    }
    return results
  })

/** A folder name from free text: letters, digits, dots and dashes. */
export const slug = (text: string) =>
  text
    .trim()
    .replace(/[^A-Za-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase() || "unnamed"
