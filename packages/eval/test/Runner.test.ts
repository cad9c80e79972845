import { describe, expect, it } from "@effect/vitest"
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, extname, join } from "node:path"
import { Clock, type Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import {
  BadRequest,
  type ChatResponse,
  ContentFiltered,
  Media,
  ModelRegistry,
  type ProviderError,
  ServerError
} from "@videokr/core"
import { testVideos } from "@videokr/core/testing"
import { type PendingTask, runTask, type RunnerOptions, type TaskProgress, type TaskRun } from "../src/Runner.ts"
import { fileReader } from "../src/TaskData.ts"
import { task } from "../src/tasks/VideoKrEval.ts"

/**
 * The runner under transient failures: VideoKR-Eval's sample documents with a generated clip at each
 * video path (the last left missing), real frames (ffmpeg), and a model and a judge in process whose
 * answers follow from the document. Some documents fail for good (a bad request, a refused judgement),
 * as they would on any run; the disturbed runs add transient failures on top, and must come out as the
 * undisturbed one does, with time (TestClock) rather than samples paid for them.
 */
const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))
const root = scratch("videokr-runner-data-")
copyFileSync(
  new URL("../../../fixtures/benchmarks/videokr_eval/VideoKR_eval.jsonl", import.meta.url),
  join(root, "VideoKR_eval.jsonl")
)
const docs = await Effect.runPromise(task.documents(fileReader(task.name, root)))
const ids = docs.map((d, i) => task.docId(d, i))
for (const doc of docs.slice(0, -1)) {
  const first = task.media(doc).paths[0]!
  const path = join(root, extname(first) === "" ? `${first}.mp4` : first)
  mkdirSync(dirname(path), { recursive: true })
  linkSync(testVideos().base!, path)
}
const media = Media.layer({ cacheDir: scratch("videokr-runner-frames-") })
const [phys, chem, bio, eng, econ] = ids as [string, string, string, string, string]

/** Which document a request is about: its question is in the prompt, and in the judge's prompt. */
const docOf = (text: string) => ids[docs.findIndex((d) => text.includes(String(d["question"])))]!

/** The failures that belong to a document (any run has them): a request the model refuses, a judgement refused. */
const finalFailure = (who: "model" | "judge", id: string, modelId: string): ProviderError | undefined =>
  who === "model" && id === bio
    ? new BadRequest({ provider: "test", model: modelId, detail: "too many images" })
    : who === "judge" && id === econ
      ? new ContentFiltered({ provider: "test", model: modelId, detail: "refused" })
      : undefined

interface Call {
  readonly who: "model" | "judge"
  readonly doc: string
  readonly at: number
}

/**
 * The registry's models: "test:model" answers a letter (B, else A, by document), "test:judge" says 1 for
 * every other document; `transient(who, doc, n)` makes the n-th call (from 1) for that document fail as
 * an unreachable server does. Every call is recorded with the (test) clock's time.
 */
const scripted = (transient: (who: "model" | "judge", doc: string, n: number) => boolean = () => false) => {
  const calls: Array<Call> = []
  const registry = Layer.succeed(ModelRegistry, {
    resolve: (modelId: string) =>
      Effect.succeed({
        id: modelId,
        chat: (request: { readonly messages: ReadonlyArray<{ readonly content: unknown }> }) =>
          Effect.gen(function* () {
            const who = modelId === "test:judge" ? ("judge" as const) : ("model" as const)
            const text = JSON.stringify(request.messages)
            const doc = docOf(text)
            calls.push({ who, doc, at: yield* Clock.currentTimeMillis })
            const n = calls.filter((c) => c.who === who && c.doc === doc).length
            if (transient(who, doc, n))
              return yield* new ServerError({
                provider: "test",
                model: modelId,
                status: 503,
                detail: "connection refused"
              })
            const final = finalFailure(who, doc, modelId)
            if (final !== undefined) return yield* final
            const index = ids.indexOf(doc)
            const answer =
              who === "judge"
                ? String(index % 2)
                : `<think>looked</think><answer>${index % 3 === 0 ? "A" : "B"}</answer>`
            return {
              text: answer,
              finishReason: "stop",
              usage: { inputTokens: 1, outputTokens: 1 },
              provider: "test",
              model: modelId
            } satisfies ChatResponse
          })
      }),
    pick: (spec: string) => Effect.succeed(spec)
  })
  return { calls, layer: Layer.mergeAll(registry, media) }
}

const optionsOf = (progress: Array<TaskProgress>, extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
  model: "test:model",
  judge: "test:judge",
  mode: "video",
  frames: { fps: 2, maxFrames: 4, minFrames: 4, maxPixels: 160 * 120 },
  concurrency: 3,
  strict: false,
  checkpointDir: scratch("videokr-runner-checkpoint-"),
  onProgress: (p) => progress.push(p),
  ...extra
})

/** Runs the task while moving the test clock on: the runner's pauses pass, its real work (frames, files) in real time. */
const drive = (
  effect: Effect.Effect<TaskRun | PendingTask, unknown, ModelRegistry | Media.Media>,
  layer: Layer.Layer<ModelRegistry | Media.Media>,
  step: Duration.Input = "500 millis"
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(Effect.provide(effect, layer))
    while (fiber.pollUnsafe() === undefined) {
      yield* TestClock.adjust(step)
      yield* Effect.promise(() => new Promise((ok) => setTimeout(ok, 5)))
    }
    return yield* Fiber.join(fiber)
  })

/** What a run's result is made of, bar how much of it was resumed. */
const numbersOf = (r: TaskRun | PendingTask) => {
  if (r._tag !== "TaskRun") throw new Error(`expected a finished run, got ${r.pending.length} pending`)
  const { resumed: _, ...counts } = r.counts
  return {
    score: r.score,
    aggregates: r.aggregates,
    breakdowns: r.breakdowns,
    counts,
    samples: r.samples.map((s) => ({
      docId: s.docId,
      output: s.output,
      judgment: s.judgment,
      judgeReply: s.judgeReply,
      error: s.error,
      result: s.result
    }))
  }
}

const undisturbed = () =>
  Effect.gen(function* () {
    const healthy = scripted()
    return numbersOf(yield* drive(runTask({ task, root }, optionsOf([])), healthy.layer))
  })

describe("runTask under transient failures", () => {
  it.effect(
    "asks a sample whose model or judge failed transiently again after the others, with growing pauses, and ends as an undisturbed run",
    () =>
      Effect.gen(function* () {
        const expected = yield* undisturbed()
        // the reference's final failures are there, and are errors or zeros as before
        expect(expected.counts).toEqual({ samples: 6, scored: 4, skipped: 0, errors: 2 })
        expect(expected.samples.find((s) => s.docId === bio)!.error).toMatch(/^BadRequest: .*too many images/)
        expect(expected.samples.find((s) => s.docId === econ)).toMatchObject({
          judgment: 0,
          judgeReply: expect.stringMatching(/^judge failed: ContentFiltered/)
        })

        // the physics question's model is unreachable twice, the chemistry question's judge once
        const flaky = scripted(
          (who, doc, n) => (who === "model" && doc === phys && n <= 2) || (who === "judge" && doc === chem && n === 1)
        )
        const progress: Array<TaskProgress> = []
        const run = yield* drive(runTask({ task, root }, optionsOf(progress)), flaky.layer)
        expect(numbersOf(run)).toEqual(expected)

        const asked = (who: "model" | "judge", doc: string) => flaky.calls.filter((c) => c.who === who && c.doc === doc)
        expect(asked("model", phys)).toHaveLength(3)
        // the judge alone is asked again: the model's answer was kept
        expect([asked("model", chem).length, asked("judge", chem).length]).toEqual([1, 2])
        // final failures are not asked again
        expect([asked("model", bio).length, asked("judge", econ).length]).toEqual([1, 1])
        // rounds after the other samples, 2 s then 4 s apart (at least: the clock moved on while frames were read)
        const [first, second, third] = asked("model", phys).map((c) => c.at)
        expect(second! - first!).toBeGreaterThanOrEqual(2000)
        expect(third! - second!).toBeGreaterThanOrEqual(4000)
        expect(progress.flatMap((p) => (p.nextRoundMillis === undefined ? [] : [p.nextRoundMillis]))).toEqual([
          2000, 4000
        ])
        // the display counted them as pending, never as errors, and finished with none left
        expect(Math.max(...progress.map((p) => p.pending))).toBe(2)
        expect(Math.max(...progress.map((p) => p.errors))).toBe(2)
        expect(progress.at(-1)).toMatchObject({ done: 6, errors: 2, pending: 0, finished: true })
      })
  )

  it.effect(
    "leaves samples pending when failures outlast the rounds, writes no judgement it lacks, and a second run asks only what is missing",
    () =>
      Effect.gen(function* () {
        const expected = yield* undisturbed()
        const down = scripted((who, doc) => (who === "model" && doc === phys) || (who === "judge" && doc === chem))
        const progress: Array<TaskProgress> = []
        const options = optionsOf(progress, { retry: { rounds: 2, delayMillis: 1000 } })
        const run = yield* drive(runTask({ task, root }, options), down.layer)
        expect(run._tag).toBe("PendingTask")
        const pending = run as PendingTask
        expect(pending.pending).toEqual([
          { index: 0, docId: phys, kind: "ServerError from test:model", detail: "connection refused", answered: false },
          {
            index: 1,
            docId: chem,
            kind: "judge: ServerError from test:judge",
            detail: "connection refused",
            answered: true
          }
        ])
        // neither errors nor scored: the two final failures are the only errors
        expect(pending.counts).toEqual({ samples: 6, done: 4, errors: 2, resumed: 0 })
        expect(down.calls.filter((c) => c.who === "model" && c.doc === phys)).toHaveLength(3)
        expect(progress.flatMap((p) => (p.nextRoundMillis === undefined ? [] : [p.nextRoundMillis]))).toEqual([
          1000, 2000
        ])
        expect(progress.at(-1)).toMatchObject({ done: 4, errors: 2, pending: 2, finished: true })

        // the checkpoint keeps the chemistry answer without a judgement, and nothing of the physics question
        const [file] = readdirSync(options.checkpointDir)
        const lines = readFileSync(join(options.checkpointDir, file!), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
        expect(lines.filter((l) => l.docId === chem)).toEqual([
          { docId: chem, output: expect.stringContaining("<answer>") }
        ])
        expect(lines.filter((l) => l.docId === phys)).toEqual([])
        expect(lines.map((l) => l.docId).sort()).toEqual([chem, eng, econ].sort())

        // the next run, with both answering: the model is asked the physics question (and the refused
        // request, which is never checkpointed), the judge only what it owes
        const back = scripted()
        const again = yield* drive(runTask({ task, root }, { ...options, onProgress: undefined }), back.layer)
        expect(numbersOf(again)).toEqual(expected)
        expect(
          back.calls
            .filter((c) => c.who === "model")
            .map((c) => c.doc)
            .sort()
        ).toEqual([phys, bio].sort())
        expect(
          back.calls
            .filter((c) => c.who === "judge")
            .map((c) => c.doc)
            .sort()
        ).toEqual([phys, chem].sort())
        expect((again as TaskRun).counts.resumed).toBe(3)
      })
  )
})
