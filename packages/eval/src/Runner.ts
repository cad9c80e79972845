import { createHash } from "node:crypto"
import { appendFile, mkdir, readFile, stat } from "node:fs/promises"
import { extname, isAbsolute, join } from "node:path"
import {
  frameParts,
  isTransient,
  type Media,
  ModelRegistry,
  type ModelUnavailable,
  type ProviderError,
  type SamplingSpec
} from "@videokr/core"
import { pyRound, pyStrip } from "@videokr/core/python"
import { Duration, Effect, Schema, type Types } from "effect"
import type { Breakdown, Doc, SampleScore, Task, VideoRef } from "./Task.ts"
import { fileReader, TaskDataError } from "./TaskData.ts"
import { judgeParams, parseJudgeReply } from "./Judge.ts"

/**
 * `videokr eval`: every document of a task asked of a model with its frames and prompt, scored by the
 * task's own rules (and the judge, when one is given), aggregated as the reference does and broken down
 * by every key the task reports. A sample whose video is missing or unreadable, or whose call failed for
 * good (a bad request, a refusal), is an error of that sample, counted, never a crash.
 *
 * A call that failed transiently (an outage, a 429 storm, unusable answers, after the provider's own
 * retries) says nothing about the sample: it is neither an error nor scored, but asked again after the
 * other samples, in a few rounds with growing pauses; a sample still failing then is left pending, and a
 * task with pending samples has no numbers (they would be wrong): the caller writes nothing of it.
 *
 * Resume: each answered sample is appended to a checkpoint file named by what determines the answers
 * (model, task, mode, frames, generation, judge); a rerun of the same command reads it and asks only for
 * the rest. A judged sample whose judge failed transiently is checkpointed without its judgement (a line
 * with the output alone), so the rerun asks only the judge; the full line, written later, supersedes it.
 * Paid calls are also in the provider cache, so even a sample answered but not yet checkpointed is not
 * paid twice.
 */
export interface FramesSpec {
  readonly fps: number
  readonly maxFrames: number
  readonly minFrames: number
  readonly maxPixels: number
}

/** As the reference ran (lmms_eval/examples/models/videokr_vllm.sh): fps 2, at most 128 frames, 200,704 pixels. */
export const referenceFrames: FramesSpec = { fps: 2, maxFrames: 128, minFrames: 4, maxPixels: 200704 }

export type EvalMode = "video" | "single-frame"

export interface TaskInput {
  readonly task: Task
  /** the folder holding the task's released files */
  readonly root: string
}

export interface RunnerOptions {
  readonly model: string
  readonly mode: EvalMode
  readonly frames: FramesSpec
  readonly limit?: number | undefined
  readonly concurrency: number
  readonly judge?: string | undefined
  /** also report the tasks' opt-in (stricter) metrics */
  readonly strict: boolean
  readonly checkpointDir: string
  /** subject -> discipline (the corpus's knowledge bank): a breakdown by discipline for documents that name only their subject */
  readonly disciplines?: ReadonlyMap<string, string> | undefined
  /** how samples that failed transiently are asked again in the run (default sampleRetryDefaults) */
  readonly retry?: Partial<SampleRetry> | undefined
  readonly onProgress?: ((p: TaskProgress) => void) | undefined
}

/**
 * Rounds of asking again, in the run, the samples whose model or judge failed transiently: after the
 * first pass, up to `rounds` more, the first after `delayMillis`, each next pause doubled (at most
 * `maxDelayMillis`). The provider's middleware has already retried each call by then; these rounds ride
 * out what outlasts that (a server restarting, a circuit open), and cost time, never a sample.
 */
export interface SampleRetry {
  readonly rounds: number
  readonly delayMillis: number
  readonly maxDelayMillis: number
}

export const sampleRetryDefaults: SampleRetry = { rounds: 4, delayMillis: 2000, maxDelayMillis: 60_000 }

export interface TaskProgress {
  readonly task: string
  readonly total: number
  /** samples answered and scored, or failed for good (errors) */
  readonly done: number
  readonly errors: number
  /** samples whose last call failed transiently: waiting for the next round, or (once finished) left for the next run */
  readonly pending: number
  readonly resumed: number
  /** the pause before the next round, while the run waits for it */
  readonly nextRoundMillis?: number | undefined
  /** nothing more will be asked in this run (samples may be left pending) */
  readonly finished: boolean
}

/** A sample left pending: what failed transiently (and the model that failed), and whether its answer is kept. */
export interface PendingSample {
  readonly index: number
  readonly docId: string
  /** e.g. "ServerError from openai-compatible:http://host/v1#m"; a judge's starts with "judge: " */
  readonly kind: string
  readonly detail: string
  /** the model's answer is checkpointed: only the judge's verdict is missing */
  readonly answered: boolean
}

export interface SampleRecord {
  readonly index: number
  readonly docId: string
  readonly doc: Doc
  readonly prompt: string
  readonly target: string
  readonly output?: string | undefined
  readonly judgment?: number | undefined
  readonly judgeReply?: string | undefined
  /** why the sample has no answer (missing video, failed call) */
  readonly error?: string | undefined
  readonly result?: SampleScore | undefined
  readonly breakdown: Readonly<Record<string, string | undefined>>
}

export interface Bucket {
  readonly num: number
  readonly correct: number
  readonly acc: number
}

export interface TaskRun {
  readonly _tag: "TaskRun"
  readonly task: Task
  readonly root: string
  readonly samples: ReadonlyArray<SampleRecord>
  /** metric name -> the reference aggregation's value */
  readonly aggregates: Readonly<Record<string, unknown>>
  /** "overall" and breakdown key -> value -> accuracy over scored samples */
  readonly breakdowns: { readonly overall: Bucket } & Readonly<
    Record<string, Bucket | Readonly<Record<string, Bucket>>>
  >
  /** the task's headline score in percent (the main table's number) */
  readonly score: number | undefined
  readonly counts: {
    readonly samples: number
    readonly scored: number
    readonly skipped: number
    readonly errors: number
    readonly resumed: number
  }
  readonly promptTemplateHash: string
}

/**
 * A task some of whose samples were still failing transiently when the rounds ran out. It has no
 * aggregates or score: over only the samples that answered they would be wrong, so nothing of it is
 * written; running again asks only the pending samples (the others are in the checkpoint).
 */
export interface PendingTask {
  readonly _tag: "PendingTask"
  readonly task: Task
  readonly root: string
  readonly pending: ReadonlyArray<PendingSample>
  readonly counts: {
    readonly samples: number
    readonly done: number
    readonly errors: number
    readonly resumed: number
  }
}

const videoSuffixes = ["", ".mp4", ".MP4", ".mkv", ".avi", ".mov"]

const exists = (path: string) =>
  stat(path).then(
    (s) => s,
    () => undefined
  )

/** The path as is, then with its extension replaced (or, without one, given) by each video suffix, as Path.with_suffix does. */
const variants = (path: string) => {
  const ext = extname(path)
  const stem = ext === "" ? path : path.slice(0, -ext.length)
  return [...new Set(videoSuffixes.map((s) => (s === "" ? path : stem + s)))]
}

/** The first candidate video file that exists, and every path tried. */
export const resolveMedia = (root: string, media: VideoRef) =>
  Effect.promise(async () => {
    const tried: Array<string> = []
    for (const p of media.paths) {
      for (const candidate of variants(isAbsolute(p) ? p : join(root, p))) {
        tried.push(candidate)
        if ((await exists(candidate))?.isFile() === true) return { path: candidate, tried }
      }
    }
    return { path: undefined, tried }
  })

/** Frames as the reference ran them (fps, clamped), or the one middle frame of the single-frame report. */
const samplingOf = (mode: EvalMode, frames: FramesSpec): SamplingSpec =>
  mode === "single-frame"
    ? { mode: "middle", maxPixels: frames.maxPixels }
    : {
        mode: "fps",
        fps: frames.fps,
        minFrames: frames.minFrames,
        maxFrames: frames.maxFrames,
        maxPixels: frames.maxPixels
      }

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** The prompt template's hash: the task's prompt of a probe document whose fields are placeholders, and its generation parameters. */
export const promptTemplateHash = (task: Task, docs: ReadonlyArray<Doc>): string => {
  const probe =
    docs[0] === undefined
      ? {}
      : Object.fromEntries(Object.entries(docs[0]).map(([k, v]) => [k, typeof v === "string" ? `{${k}}` : v]))
  let text: string
  try {
    text = task.docToText(probe)
  } catch {
    text = task.name
  }
  return sha256(JSON.stringify({ task: task.name, text, generation: task.generation }))
}

const Checkpointed = Schema.Struct({
  docId: Schema.String,
  output: Schema.String,
  judgment: Schema.optionalKey(Schema.Number),
  judgeReply: Schema.optionalKey(Schema.String)
})
type Checkpointed = typeof Checkpointed.Type
const decodeCheckpointed = Schema.decodeUnknownOption(Schema.fromJsonString(Checkpointed))

const readCheckpoint = (path: string) =>
  Effect.promise(async () => {
    const done = new Map<string, Checkpointed>()
    const text = await readFile(path, "utf8").catch(() => "")
    // a run killed mid-line leaves a torn last line: it is simply asked again
    for (const line of text.split("\n")) {
      const c = decodeCheckpointed(line)
      if (c._tag === "Some") done.set(c.value.docId, c.value)
    }
    return done
  })

const attempt = <A>(f: () => A): A | Error => {
  try {
    return f()
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  }
}

const providerReason = (e: { readonly _tag: string; readonly message: string }) => `${e._tag}: ${e.message}`

/** The kind of a transient failure, with the model id as the user gave it (the provider's message names the endpoint and the model's name there). */
const failureKind = (e: ProviderError, modelId: string) => `${e._tag} from ${modelId}`

/** A breakdown with its discipline: the document's own, else its subject's in the knowledge bank (when known). */
export const withDiscipline = (
  breakdown: Breakdown,
  disciplines: ReadonlyMap<string, string> | undefined
): Breakdown => {
  const subject = breakdown["subject"]
  const discipline = breakdown["discipline"] ?? (subject === undefined ? undefined : disciplines?.get(subject))
  return discipline === undefined ? breakdown : { ...breakdown, discipline }
}

/** Accuracy buckets over the scored samples (score not null), overall and by each breakdown key. */
export const breakdownsOf = (samples: ReadonlyArray<SampleRecord>) => {
  const keys = new Map<string, Map<string, { num: number; correct: number }>>()
  let num = 0
  let correct = 0
  for (const s of samples) {
    const score = s.result?.score
    if (score === null || score === undefined) continue
    num++
    correct += score
    for (const [key, value] of Object.entries(s.breakdown)) {
      if (value === undefined) continue
      const byValue = keys.get(key) ?? new Map<string, { num: number; correct: number }>()
      const b = byValue.get(value) ?? { num: 0, correct: 0 }
      byValue.set(value, { num: b.num + 1, correct: b.correct + score })
      keys.set(key, byValue)
    }
  }
  const bucket = (b: { num: number; correct: number }): Bucket => ({
    num: b.num,
    correct: b.correct,
    acc: b.num === 0 ? 0 : pyRound((b.correct / b.num) * 100, 2)
  })
  return {
    overall: bucket({ num, correct }),
    ...Object.fromEntries(
      [...keys].map(([k, m]) => [
        k,
        Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([v, b]) => [v, bucket(b)]))
      ])
    )
  } as TaskRun["breakdowns"]
}

/** The reference aggregation of each metric over the samples that have a result. */
export const aggregatesOf = (task: Task, samples: ReadonlyArray<SampleRecord>, strict: boolean) =>
  Object.fromEntries(
    Object.entries(task.metrics)
      .filter(([, m]) => strict || m.optIn !== true)
      .map(([name, m]) => {
        // an aggregation that throws (as the reference's does on labels it does not know) is reported, not fatal
        const value = attempt(() =>
          m.aggregate(
            samples.flatMap((s) =>
              s.result === undefined || !(name in s.result.metrics) ? [] : [s.result.metrics[name]]
            )
          )
        )
        return [name, value instanceof Error ? { error: value.message } : value]
      })
  )

/** The headline: the task's own (when it names one), else the overall accuracy of the scored samples. */
export const headlineOf = (
  task: Task,
  aggregates: Readonly<Record<string, unknown>>,
  overall: Bucket,
  answered = true
): number | undefined => {
  // nothing answered (every video missing, every call failed): no score, rather than the aggregation of nothing
  if (!answered) return undefined
  const own = task.headline?.(aggregates)
  if (own !== undefined) return own
  return overall.num === 0 ? undefined : overall.acc
}

/** One attempt at a sample: finished (scored, or failed for good), or pending after a transient failure. */
type Outcome =
  | { readonly _tag: "Finished"; readonly sample: SampleRecord }
  | { readonly _tag: "Pending"; readonly pending: PendingSample }

/**
 * Runs one task: a TaskRun when every sample is answered or failed for good, else a PendingTask. Fails
 * only when its data cannot be read (TaskDataError) or a model cannot be resolved.
 */
export const runTask = (
  input: TaskInput,
  options: RunnerOptions
): Effect.Effect<TaskRun | PendingTask, TaskDataError | ModelUnavailable, Media.Media | ModelRegistry> =>
  Effect.gen(function* () {
    const { task, root } = input
    const registry = yield* ModelRegistry
    const all = yield* task.documents(fileReader(task.name, root))
    const docs = options.limit === undefined ? all : all.slice(0, options.limit)
    const model = yield* registry.resolve(options.model, { stage: `eval:${task.name}` })
    const judge =
      options.judge === undefined || task.judgePrompt === undefined
        ? undefined
        : yield* registry.resolve(options.judge, { stage: "eval-judge" })
    const retry = { ...sampleRetryDefaults, ...options.retry }
    const key = sha256(
      JSON.stringify({
        model: options.model,
        task: task.name,
        mode: options.mode,
        frames: options.frames,
        generation: task.generation,
        judge: judge === undefined ? null : options.judge
      })
    ).slice(0, 16)
    yield* Effect.promise(() => mkdir(options.checkpointDir, { recursive: true }))
    const checkpoint = join(options.checkpointDir, `${task.name}-${options.mode}-${key}.jsonl`)
    // answers so far, by document id: the checkpoint's, then this run's as they come
    const answers = yield* readCheckpoint(checkpoint)
    const fromCheckpoint = new Set(answers.keys())
    const save = (answer: Checkpointed) =>
      Effect.promise(() => appendFile(checkpoint, JSON.stringify(answer) + "\n")).pipe(
        Effect.tap(() => Effect.sync(() => answers.set(answer.docId, answer)))
      )

    // ids key the checkpoint and the samples: two documents with one id is a data error, named before anything is asked
    const ids = new Map<string, number>()
    for (const [i, doc] of docs.entries()) {
      const id = attempt(() => task.docId(doc, i))
      if (id instanceof Error) continue
      const first = ids.get(id)
      if (first !== undefined)
        return yield* new TaskDataError({
          task: task.name,
          file: root,
          field: `documents ${first} and ${i}`,
          reason: `two documents have the id ${id}`
        })
      ids.set(id, i)
    }
    const progress: Types.Mutable<TaskProgress> = {
      task: task.name,
      total: docs.length,
      done: 0,
      errors: 0,
      pending: 0,
      resumed: 0,
      finished: false
    }
    const report = () => options.onProgress?.({ ...progress })
    report()

    /** One attempt at a sample: its answer (from the checkpoint, else asked) and judgement, then its score. */
    const ask = (doc: Doc, index: number) =>
      Effect.gen(function* () {
        const docId = task.docId(doc, index)
        const finished = (sample: SampleRecord): Outcome => ({ _tag: "Finished", sample })
        // a judge's failure leaves the model's answer checkpointed: only the judge is owed
        const pending = (e: ProviderError, modelId: string, role: "model" | "judge"): Outcome => ({
          _tag: "Pending",
          pending: {
            index,
            docId,
            kind: `${role === "judge" ? "judge: " : ""}${failureKind(e, modelId)}`,
            detail: e.detail,
            answered: role === "judge"
          }
        })
        // a task function that throws on a document (as the reference's would) makes that sample an error
        const prepared = attempt(() => ({
          prompt: task.docToText(doc),
          target: task.docToTarget(doc),
          breakdown: task.breakdown(doc),
          media: task.media(doc)
        }))
        if (prepared instanceof Error)
          return finished({
            index,
            docId,
            doc,
            prompt: "",
            target: "",
            breakdown: {},
            error: `${task.name}: ${prepared.message}`
          })
        const { prompt, target, media } = prepared
        const breakdown = withDiscipline(prepared.breakdown, options.disciplines)
        const base = { index, docId, doc, prompt, target, breakdown }
        let answer = answers.get(docId)
        // whether `answer` has something the checkpoint lacks
        let fresh = false
        if (answer === undefined) {
          const found = yield* resolveMedia(root, media)
          if (found.path === undefined)
            return finished({ ...base, error: `video not found: tried ${found.tried.join(", ")}` })
          const images = yield* Effect.result(frameParts(found.path, samplingOf(options.mode, options.frames), "auto"))
          if (images._tag === "Failure") return finished({ ...base, error: providerReason(images.failure) })
          const response = yield* Effect.result(
            model.chat({
              messages: [{ role: "user", content: [...images.success, { type: "text", text: prompt }] }],
              params: {
                maxTokens: task.generation.maxTokens,
                temperature: task.generation.temperature,
                ...(task.generation.topP === undefined ? {} : { topP: task.generation.topP })
              }
            })
          )
          if (response._tag === "Failure") {
            if (isTransient(response.failure)) return pending(response.failure, model.id, "model")
            return finished({ ...base, error: providerReason(response.failure) })
          }
          answer = { docId, output: response.success.text }
          fresh = true
        }
        const judgeText = judge === undefined ? undefined : task.judgePrompt?.(doc, pyStrip(answer.output))
        if (judge !== undefined && judgeText !== undefined && answer.judgment === undefined) {
          const verdict = yield* Effect.result(
            judge.chat({ messages: [{ role: "user", content: judgeText }], params: task.judgeParams ?? judgeParams })
          )
          if (verdict._tag === "Failure" && isTransient(verdict.failure)) {
            // the model's answer is paid for: checkpointed alone, so that only the judge is asked again
            if (fresh) yield* save(answer)
            return pending(verdict.failure, judge.id, "judge")
          }
          // as the reference: a failed or unreadable judgement counts as wrong (0), and says so
          const judgeReply =
            verdict._tag === "Failure" ? `judge failed: ${providerReason(verdict.failure)}` : verdict.success.text
          const judgment = verdict._tag === "Failure" ? 0 : (task.parseJudge ?? parseJudgeReply)(verdict.success.text)
          answer = { ...answer, judgment, judgeReply }
          fresh = true
        }
        if (fresh) yield* save(answer)
        // LMMs-Eval strips every response before the task's process_results sees it
        const { output, judgment, judgeReply } = answer
        const result = attempt(() => task.score(doc, pyStrip(output), judgment))
        if (result instanceof Error)
          return finished({ ...base, output, error: `${task.name}: scoring: ${result.message}` })
        return finished({ ...base, output, judgment, judgeReply, result })
      })

    const samples = new Map<number, SampleRecord>()
    const left = new Map<number, PendingSample>()
    const note = (outcome: Outcome) =>
      Effect.sync(() => {
        if (outcome._tag === "Pending") left.set(outcome.pending.index, outcome.pending)
        else {
          const s = outcome.sample
          samples.set(s.index, s)
          left.delete(s.index)
          progress.done++
          if (s.error !== undefined) progress.errors++
          if (fromCheckpoint.has(s.docId)) progress.resumed++
        }
        progress.pending = left.size
        report()
      })

    // the first pass over every document, then rounds over those that failed transiently, with growing pauses
    let waiting: ReadonlyArray<number> = docs.map((_, i) => i)
    for (let round = 0; waiting.length > 0 && round <= retry.rounds; round++) {
      if (round > 0) {
        const pause = Math.min(retry.maxDelayMillis, retry.delayMillis * 2 ** (round - 1))
        progress.nextRoundMillis = pause
        report()
        yield* Effect.sleep(Duration.millis(pause))
        progress.nextRoundMillis = undefined
      }
      yield* Effect.forEach(waiting, (i) => Effect.flatMap(ask(docs[i]!, i), note), {
        concurrency: options.concurrency,
        discard: true
      })
      waiting = [...left.keys()].sort((a, b) => a - b)
    }
    progress.finished = true
    report()

    const outcome: TaskRun | PendingTask =
      left.size > 0
        ? {
            _tag: "PendingTask",
            task,
            root,
            pending: [...left.values()].sort((a, b) => a.index - b.index),
            counts: { samples: docs.length, done: progress.done, errors: progress.errors, resumed: progress.resumed }
          }
        : runOf(
            input,
            options,
            docs,
            docs.map((_, i) => samples.get(i)!),
            progress.resumed
          )
    return outcome
  })

/** A task's result over every one of its samples. */
const runOf = (
  input: TaskInput,
  options: RunnerOptions,
  docs: ReadonlyArray<Doc>,
  samples: ReadonlyArray<SampleRecord>,
  resumed: number
): TaskRun => {
  const { task, root } = input
  const aggregates = aggregatesOf(task, samples, options.strict)
  const breakdowns = breakdownsOf(samples)
  const answered = samples.filter((s) => s.result !== undefined)
  return {
    _tag: "TaskRun",
    task,
    root,
    samples,
    aggregates,
    breakdowns,
    score: headlineOf(task, aggregates, breakdowns.overall, answered.length > 0),
    counts: {
      samples: samples.length,
      scored: answered.filter((s) => s.result!.score !== null).length,
      skipped: answered.filter((s) => s.result!.score === null).length,
      errors: samples.length - answered.length,
      resumed
    },
    promptTemplateHash: promptTemplateHash(task, docs)
  }
}
