import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { type ChatResponse, ContentFiltered, ModelRegistry, ServerError } from "@videokr/core"
import { judgeableOutputs, judgeSubmission, type JudgeSummary } from "../src/BoardJudging.ts"
import { diffVerdicts, readVerdicts, verdictsFileOf } from "../src/BoardVerdicts.ts"
import { boardTaskMap, verdictLookup } from "../src/SiteAssembly.ts"
import { documentsUnder, parseSubmission, rescoreSubmission } from "../src/Submission.ts"
import { submissionMeta } from "../src/testing/index.ts"

/**
 * The board's judging of a submission, in process: VideoKR-Eval's sample documents, a submission with two
 * open-ended answers (one right, one wrong) and four multiple-choice ones, and a judge that says 1 when the
 * prediction is the ground truth. A transient failure that outlasts the rounds leaves its output waiting
 * (no verdict, asked by the next run); a final failure is a verdict of 0, as the reference counts it.
 */
const fixture = fileURLToPath(new URL("../../../fixtures/benchmarks/videokr_eval", import.meta.url))
const documentsOf = documentsUnder({ videokr_eval: fixture })
const answers: Record<string, string> = {
  "vkr-phys-0001": "B",
  "vkr-chem-0002": "A",
  "vkr-bio-0003": "Metaphase",
  "vkr-eng-0004": "B",
  "vkr-econ-0005": "A",
  "vkr-math-0006": "3"
}
const submission = Effect.runSync(
  parseSubmission(
    "submissions/lab/alpha",
    JSON.stringify(submissionMeta({ model: "Alpha-VL" })),
    Object.entries(answers)
      .map(([id, a]) => JSON.stringify({ task: "videokr_eval", id, output: `<answer>${a}</answer>` }))
      .join("\n")
  )
)
const judgeId = "test:judge-2026-01-15"

/** The judge: 1 when the prediction is the ground truth; `fail` decides a failure per call (by the prediction). */
const judgeLayer = (fail: (prediction: string) => "transient" | "final" | undefined, asked: Array<string>) =>
  Layer.succeed(ModelRegistry, {
    resolve: (modelId: string) =>
      Effect.succeed({
        id: modelId,
        chat: (request: { readonly messages: ReadonlyArray<{ readonly content: unknown }> }) =>
          Effect.gen(function* () {
            const prompt = String(request.messages[0]!.content)
            const truth = /Ground Truth Answer:\n(.*)\n/.exec(prompt)![1]!.replace(/<\/?answer>/g, "")
            const prediction = /Model Prediction:\n(.*)\n/.exec(prompt)![1]!
            asked.push(prediction)
            const failure = fail(prediction)
            if (failure === "transient")
              return yield* new ServerError({ provider: "test", model: modelId, status: 503, detail: "overloaded" })
            if (failure === "final")
              return yield* new ContentFiltered({ provider: "test", model: modelId, detail: "refused" })
            return {
              text: truth === prediction ? "1" : "0",
              finishReason: "stop",
              usage: { inputTokens: 1, outputTokens: 1 },
              provider: "test",
              model: modelId
            } satisfies ChatResponse
          })
      }),
    pick: (spec: string) => Effect.succeed(spec)
  })

/** One judging of the submission into `dir`, the test clock moved on through the rounds' pauses. */
const judging = (dir: string, layer: Layer.Layer<ModelRegistry>) =>
  Effect.gen(function* () {
    const stored = yield* readVerdicts(dir)
    const items = yield* judgeableOutputs(submission, boardTaskMap, documentsOf, judgeId)
    const fiber = yield* Effect.forkChild(
      Effect.provide(
        judgeSubmission("lab/alpha", items, stored, {
          judge: judgeId,
          verdictsDir: dir,
          again: false,
          concurrency: 2,
          retry: { rounds: 2, delayMillis: 1000 },
          now: () => "2026-12-04T00:00:00.000Z"
        }),
        layer
      )
    )
    while (fiber.pollUnsafe() === undefined) {
      yield* TestClock.adjust("1 second")
      yield* Effect.promise(() => new Promise((ok) => setTimeout(ok, 5)))
    }
    return (yield* Fiber.join(fiber)) as JudgeSummary
  })

describe("the board's judging", () => {
  it.effect("leaves an output whose judge stays unreachable waiting, and the next run asks only that one", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "videokr-verdicts-"))
      const asked: Array<string> = []
      // the wrong answer's judgement fails transiently in the first run, through all its rounds
      const first = yield* judging(
        dir,
        judgeLayer((p) => (p === "3" ? "transient" : undefined), asked)
      )
      expect(first).toEqual({ submission: "lab/alpha", judgeable: 2, stored: 0, asked: 1, failed: 0, pending: 1 })
      expect(asked.filter((p) => p === "3")).toHaveLength(3) // the first pass and two rounds
      const file = verdictsFileOf(dir, "lab/alpha")
      expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(1)

      asked.length = 0
      const second = yield* judging(
        dir,
        judgeLayer(() => undefined, asked)
      )
      expect(second).toEqual({ submission: "lab/alpha", judgeable: 2, stored: 1, asked: 1, failed: 0, pending: 0 })
      expect(asked).toEqual(["3"])
      const stored = yield* readVerdicts(dir)
      expect([...stored.byKey.values()].map((v) => [v.id, v.verdict])).toEqual([
        ["vkr-bio-0003", 1],
        ["vkr-math-0006", 0]
      ])

      // the re-scoring: multiple choice by the rules, the open-ended answers by their verdicts (5 of 6 right)
      const [withVerdicts] = yield* rescoreSubmission(
        submission,
        boardTaskMap,
        documentsOf,
        undefined,
        verdictLookup(stored, judgeId)
      )
      expect(withVerdicts).toMatchObject({ score: 83.33, judged: 2, awaiting: 0, scored: 6, skipped: 0 })
      // another judge's verdicts are not this board's: the answers wait for its own judge
      const [otherJudge] = yield* rescoreSubmission(
        submission,
        boardTaskMap,
        documentsOf,
        undefined,
        verdictLookup(stored, "test:another-judge")
      )
      expect(otherJudge).toMatchObject({ score: 100, judged: 0, awaiting: 2, scored: 4, skipped: 2 })
    })
  )

  it.effect("counts a refused judgement as wrong (as the reference does), and compares two judgings", () =>
    Effect.gen(function* () {
      const a = mkdtempSync(join(tmpdir(), "videokr-verdicts-"))
      const b = mkdtempSync(join(tmpdir(), "videokr-verdicts-"))
      yield* judging(
        a,
        judgeLayer(() => undefined, [])
      )
      const refused = yield* judging(
        b,
        judgeLayer((p) => (p === "Metaphase" ? "final" : undefined), [])
      )
      expect(refused).toMatchObject({ asked: 2, failed: 1, pending: 0 })
      const [va, vb] = [yield* readVerdicts(a), yield* readVerdicts(b)]
      expect([...vb.byKey.values()].find((v) => v.id === "vkr-bio-0003")).toMatchObject({
        verdict: 0,
        reply: "judge failed: ContentFiltered: test test:judge-2026-01-15: content filtered: refused"
      })
      const d = diffVerdicts(va.byKey, vb.byKey)
      expect({ both: d.both, differing: d.differing.map((x) => x.a.id), onlyA: d.onlyA, onlyB: d.onlyB }).toEqual({
        both: 2,
        differing: ["vkr-bio-0003"],
        onlyA: 0,
        onlyB: 0
      })
    })
  )
})
