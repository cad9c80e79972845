import { createHash } from "node:crypto"
import { appendFile, mkdir, readFile, stat } from "node:fs/promises"
import { extname, isAbsolute, join } from "node:path"
import { frameParts, ModelRegistry, type SamplingSpec } from "@videokr/core"
import { pyRound, pyStrip } from "@videokr/core/python"
import { Effect, Schema } from "effect"
import type { Breakdown, Doc, SampleScore, Task, VideoRef } from "./Task.ts"
import { fileReader, TaskDataError } from "./TaskData.ts"
import { judgeParams, parseJudgeReply } from "./Judge.ts"

/**
 * `videokr eval`: every document of a task asked of a model with its frames and prompt, scored by the
 * task's own rules (and the judge, when one is given), aggregated as the reference does and broken down
 * by every key the task reports. A sample whose video is missing or unreadable, or whose call failed
 * after the provider's retries, is an error of that sample, counted, never a crash.
 *
 * Resume: each answered sample is appended to a checkpoint file named by what determines the answers
 * (model, task, mode, frames, generation, judge); a rerun of the same command reads it and asks only for
 * the rest. Paid calls are also in the provider cache, so even a sample answered but not yet checkpointed
 * is not paid twice.
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
  readonly onProgress?: ((p: TaskProgress) => void) | undefined
}

export interface TaskProgress {
  readonly task: string
  readonly total: number
  readonly done: number
  readonly errors: number
  readonly resumed: number
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
  readonly task: Task
  readonly root: string
  readonly samples: ReadonlyArray<SampleRecord>
  /** metric name -> the reference aggregation's value */
  readonly aggregates: Readonly<Record<string, unknown>>
  /** "overall" and breakdown key -> value -> accuracy over scored samples */
  readonly breakdowns: { readonly overall: Bucket } & Readonly<Record<string, Bucket | Readonly<Record<string, Bucket>>>>
  /** the task's headline score in percent (the main table's number) */
  readonly score: number | undefined
  readonly counts: { readonly samples: number; readonly scored: number; readonly skipped: number; readonly errors: number; readonly resumed: number }
  readonly promptTemplateHash: string
}

const videoSuffixes = ["", ".mp4", ".MP4", ".mkv", ".avi", ".mov"]

const exists = (path: string) => stat(path).then((s) => s, () => undefined)

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
    : { mode: "fps", fps: frames.fps, minFrames: frames.minFrames, maxFrames: frames.maxFrames, maxPixels: frames.maxPixels }

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** The prompt template's hash: the task's prompt of a probe document whose fields are placeholders, and its generation parameters. */
export const promptTemplateHash = (task: Task, docs: ReadonlyArray<Doc>): string => {
  const probe = docs[0] === undefined ? {} : Object.fromEntries(Object.entries(docs[0]).map(([k, v]) => [k, typeof v === "string" ? `{${k}}` : v]))
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

/** A breakdown with its discipline: the document's own, else its subject's in the knowledge bank (when known). */
export const withDiscipline = (breakdown: Breakdown, disciplines: ReadonlyMap<string, string> | undefined): Breakdown => {
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
  const bucket = (b: { num: number; correct: number }): Bucket => ({ num: b.num, correct: b.correct, acc: b.num === 0 ? 0 : pyRound((b.correct / b.num) * 100, 2) })
  return {
    overall: bucket({ num, correct }),
    ...Object.fromEntries([...keys].map(([k, m]) => [k, Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([v, b]) => [v, bucket(b)]))]))
  } as TaskRun["breakdowns"]
}

/** The reference aggregation of each metric over the samples that have a result. */
export const aggregatesOf = (task: Task, samples: ReadonlyArray<SampleRecord>, strict: boolean) =>
  Object.fromEntries(
    Object.entries(task.metrics)
      .filter(([, m]) => strict || m.optIn !== true)
      .map(([name, m]) => {
        // an aggregation that throws (as the reference's does on labels it does not know) is reported, not fatal
        const value = attempt(() => m.aggregate(samples.flatMap((s) => (s.result === undefined || !(name in s.result.metrics) ? [] : [s.result.metrics[name]]))))
        return [name, value instanceof Error ? { error: value.message } : value]
      })
  )

/** The headline: the task's own (when it names one), else the overall accuracy of the scored samples. */
export const headlineOf = (task: Task, aggregates: Readonly<Record<string, unknown>>, overall: Bucket, answered = true): number | undefined => {
  // nothing answered (every video missing, every call failed): no score, rather than the aggregation of nothing
  if (!answered) return undefined
  const own = task.headline?.(aggregates)
  if (own !== undefined) return own
  return overall.num === 0 ? undefined : overall.acc
}

/** Runs one task. Fails only when its data cannot be read (TaskDataError). */
export const runTask = (input: TaskInput, options: RunnerOptions) =>
  Effect.gen(function* () {
    const { task, root } = input
    const registry = yield* ModelRegistry
    const all = yield* task.documents(fileReader(task.name, root))
    const docs = options.limit === undefined ? all : all.slice(0, options.limit)
    const model = yield* registry.resolve(options.model, { stage: `eval:${task.name}` })
    const judge = options.judge === undefined || task.judgePrompt === undefined ? undefined : yield* registry.resolve(options.judge, { stage: "eval-judge" })
    const key = sha256(JSON.stringify({ model: options.model, task: task.name, mode: options.mode, frames: options.frames, generation: task.generation, judge: judge === undefined ? null : options.judge })).slice(0, 16)
    yield* Effect.promise(() => mkdir(options.checkpointDir, { recursive: true }))
    const checkpoint = join(options.checkpointDir, `${task.name}-${options.mode}-${key}.jsonl`)
    const done = yield* readCheckpoint(checkpoint)

    // ids key the checkpoint and the samples: two documents with one id is a data error, named before anything is asked
    const ids = new Map<string, number>()
    for (const [i, doc] of docs.entries()) {
      const id = attempt(() => task.docId(doc, i))
      if (id instanceof Error) continue
      const first = ids.get(id)
      if (first !== undefined) return yield* new TaskDataError({ task: task.name, file: root, field: `documents ${first} and ${i}`, reason: `two documents have the id ${id}` })
      ids.set(id, i)
    }
    const progress = { task: task.name, total: docs.length, done: 0, errors: 0, resumed: 0 }
    const report = () => options.onProgress?.({ ...progress })
    report()

    const one = (doc: Doc, index: number) =>
      Effect.gen(function* () {
        const docId = task.docId(doc, index)
        const failed = (error: string, base: Omit<SampleRecord, "error">): SampleRecord => {
          progress.errors++
          return { ...base, error }
        }
        // a task function that throws on a document (as the reference's would) makes that sample an error
        const prepared = attempt(() => ({ prompt: task.docToText(doc), target: task.docToTarget(doc), breakdown: task.breakdown(doc), media: task.media(doc) }))
        if (prepared instanceof Error) return failed(`${task.name}: ${prepared.message}`, { index, docId, doc, prompt: "", target: "", breakdown: {} })
        const { prompt, target, media } = prepared
        const breakdown = withDiscipline(prepared.breakdown, options.disciplines)
        const base = { index, docId, doc, prompt, target, breakdown }
        let answer = done.get(docId)
        if (answer !== undefined) progress.resumed++
        else {
          const found = yield* resolveMedia(root, media)
          if (found.path === undefined) return failed(`video not found: tried ${found.tried.join(", ")}`, base)
          const images = yield* Effect.result(frameParts(found.path, samplingOf(options.mode, options.frames), "auto"))
          if (images._tag === "Failure") return failed(providerReason(images.failure), base)
          const response = yield* Effect.result(model.chat({
            messages: [{ role: "user", content: [...images.success, { type: "text", text: prompt }] }],
            params: { maxTokens: task.generation.maxTokens, temperature: task.generation.temperature, ...(task.generation.topP === undefined ? {} : { topP: task.generation.topP }) }
          }))
          if (response._tag === "Failure") return failed(providerReason(response.failure), base)
          const output = response.success.text
          let judgment: number | undefined
          let judgeReply: string | undefined
          const judgeText = judge === undefined ? undefined : task.judgePrompt?.(doc, pyStrip(output))
          if (judge !== undefined && judgeText !== undefined) {
            const verdict = yield* Effect.result(judge.chat({ messages: [{ role: "user", content: judgeText }], params: task.judgeParams ?? judgeParams }))
            // as the reference: a failed or unreadable judgement counts as wrong (0), and says so
            judgeReply = verdict._tag === "Failure" ? `judge failed: ${providerReason(verdict.failure)}` : verdict.success.text
            judgment = verdict._tag === "Failure" ? 0 : (task.parseJudge ?? parseJudgeReply)(verdict.success.text)
          }
          answer = { docId, output, ...(judgment === undefined ? {} : { judgment }), ...(judgeReply === undefined ? {} : { judgeReply }) }
          yield* Effect.promise(() => appendFile(checkpoint, JSON.stringify(answer) + "\n"))
        }
        // LMMs-Eval strips every response before the task's process_results sees it
        const { output, judgment, judgeReply } = answer
        const result = attempt(() => task.score(doc, pyStrip(output), judgment))
        if (result instanceof Error) return failed(`${task.name}: scoring: ${result.message}`, { ...base, output })
        return { ...base, output, judgment, judgeReply, result }
      }).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            progress.done++
            report()
          }))
      )

    const samples = yield* Effect.forEach(docs, one, { concurrency: options.concurrency })
    const aggregates = aggregatesOf(task, samples, options.strict)
    const breakdowns = breakdownsOf(samples)
    const answered = samples.filter((s) => s.result !== undefined)
    return {
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
        resumed: progress.resumed
      },
      promptTemplateHash: promptTemplateHash(task, docs)
    } satisfies TaskRun
  })
