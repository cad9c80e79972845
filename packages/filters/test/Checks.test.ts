import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { GeneratedExample } from "@videokr/core"
import { scriptedModels, testVideos } from "@videokr/core/testing"
import { rationaleVerifier, safetyModeration, selfConsistency, videoDependency, visualRelevance } from "../src/index.ts"

// real videos (generated with ffmpeg), real frame sampling; models answer from functions
const videos = testVideos()
const knowledgePoint = {
  id: "kp-chem-002",
  discipline: "Natural Sciences" as const,
  subject: "Chemistry",
  course: "Analytical Chemistry",
  lecture: "Titration",
  knowledge_point: "Acid-base titration"
}
const candidate = (path: string | undefined) => ({
  id: "local:base.mp4@kp-chem-002",
  localPath: path,
  video: {
    id: "local:base.mp4",
    source: "local",
    source_id: "base.mp4",
    url: "file://base.mp4",
    license: "CC BY",
    duration: 10,
    title: "Titration at the bench",
    description: "A titration."
  },
  knowledgePoint
})
const frames = { mode: "uniform" as const, count: 4, maxPixels: 160 * 120 }

const example = (over: Partial<GeneratedExample> = {}): GeneratedExample => ({
  id: "local:base.mp4@kp-chem-002#KNOWVID-1",
  videoId: "local:base.mp4",
  knowledgePoint,
  skill: "KNOWVID",
  problemType: "multiple choice",
  question: "Which indicator is used?",
  options: { A: "Methyl orange", B: "Phenolphthalein", C: "Litmus", D: "Bromothymol blue" },
  answer: "B",
  rationale: "1. The solution turns pink. 2. Phenolphthalein turns pink in base.",
  videoPath: videos.base!,
  generatorModel: "test:a",
  ...over
})

describe("frame filters (visual relevance, safety)", () => {
  it.live("send the sampled frames with the prompt and keep or drop by the answer", () =>
    Effect.gen(function* () {
      const r = scriptedModels(({ text }) =>
        text.includes("TASK: visual")
          ? '{"relevant": false, "reason": "a test pattern"}'
          : '{"safe": false, "category": "gore", "reason": "blood"}'
      )
      const visual = yield* visualRelevance("test:vlm", frames)
        .decide(candidate(videos.base))
        .pipe(Effect.provide(r.layer))
      expect(visual).toMatchObject({ decision: "drop", reason: "a test pattern", modelId: "test:vlm" })
      expect(r.asked[0]!.images).toBe(4)
      expect(r.asked[0]!.text).toContain("The images are 4 frames")
      const safety = yield* safetyModeration("test:vlm", frames)
        .decide(candidate(videos.base))
        .pipe(Effect.provide(r.layer))
      expect(safety).toMatchObject({
        decision: "drop",
        reason: "flagged (gore): blood",
        evidence: { category: "gore" }
      })
    })
  )

  it.live("send a model that takes video the video itself, with the video form of each prompt", () =>
    Effect.gen(function* () {
      const r = scriptedModels(
        ({ text }) =>
          text.includes("TASK: visual")
            ? '{"relevant": true, "reason": "a titration"}'
            : text.includes("TASK: rationale")
              ? '{"valid": true, "failed_step": 0, "reason": "fine"}'
              : text.includes("TASK: safety")
                ? '{"safe": true, "category": "none", "reason": "a lab"}'
                : "<answer>B</answer>",
        ["test:frames", "test:video"],
        { acceptsVideo: (m) => m === "test:video" }
      )
      for (const check of [visualRelevance("test:video", frames), safetyModeration("test:video", frames)]) {
        expect((yield* check.decide(candidate(videos.base)).pipe(Effect.provide(r.layer))).decision).toBe("keep")
      }
      expect(
        (yield* rationaleVerifier("test:video", frames).check(example()).pipe(Effect.provide(r.layer))).decision
      ).toBe("keep")
      expect(r.asked.map((a) => [a.images, a.videos])).toEqual([
        [0, 1],
        [0, 1],
        [0, 1]
      ])
      expect(r.asked.every((a) => a.text.includes("attached") && !a.text.includes("frames"))).toBe(true)
      // self-consistency: each model of the pool as it takes it
      r.asked.length = 0
      const consistency = yield* selfConsistency({ model: "pool:test", k: 2, frames })
        .check(example({ generatorModel: "test:other" }))
        .pipe(Effect.provide(r.layer))
      expect(consistency.decision).toBe("keep")
      expect(r.asked.map((a) => [a.model, a.images, a.videos, a.text.includes("The video is attached.")])).toEqual([
        ["test:frames", 4, 0, false],
        ["test:video", 0, 1, true]
      ])
      // a video that cannot be read is an error, as its frames would be
      const corrupt = yield* visualRelevance("test:video", frames)
        .decide(candidate(videos.corrupt))
        .pipe(Effect.provide(r.layer))
      expect(corrupt).toMatchObject({ decision: "error", reason: expect.stringContaining("corrupt.mp4") })
    })
  )

  it.live("an unreadable or missing video is an error verdict naming it", () =>
    Effect.gen(function* () {
      const r = scriptedModels(() => '{"relevant": true, "reason": "yes"}')
      const corrupt = yield* visualRelevance("test:vlm", frames)
        .decide(candidate(videos.corrupt))
        .pipe(Effect.provide(r.layer))
      expect(corrupt).toMatchObject({ decision: "error", reason: expect.stringContaining("corrupt.mp4") })
      const missing = yield* visualRelevance("test:vlm", frames)
        .decide(candidate(undefined))
        .pipe(Effect.provide(r.layer))
      expect(missing).toMatchObject({ decision: "error", reason: "the video is not downloaded" })
      expect(r.asked).toHaveLength(0)
    })
  )
})

describe("self-consistency", () => {
  it.live("k models other than the generator answer; all must agree with the reference", () =>
    Effect.gen(function* () {
      const agree = scriptedModels(() => "<think>pink</think><answer>B</answer>")
      const kept = yield* selfConsistency({ model: "pool:test", k: 2, frames })
        .check(example())
        .pipe(Effect.provide(agree.layer))
      expect(kept).toMatchObject({ decision: "keep", modelId: "test:b,test:c" })
      expect(agree.asked.map((a) => a.model)).toEqual(["test:b", "test:c"]) // never the generator, test:a
      expect(agree.asked[0]!.text).toContain("B. Phenolphthalein")
      expect(agree.asked[0]!.text).toContain("Please provide only the single option letter")
      const split = scriptedModels(({ model }) =>
        model === "test:c" ? "<answer>(C)</answer>" : "<answer>B. Phenolphthalein</answer>"
      )
      const dropped = yield* selfConsistency({ model: "pool:test", k: 2, frames })
        .check(example())
        .pipe(Effect.provide(split.layer))
      expect(dropped).toMatchObject({
        decision: "drop",
        reason: expect.stringContaining("1 of 2 independent answers disagree (test:c: (C))")
      })
    })
  )

  it.live("open-ended answers agree by ROUGE against the threshold", () =>
    Effect.gen(function* () {
      const open = example({ problemType: "open-ended", options: undefined, answer: "0.0832 mol/L hydrochloric acid" })
      const close = scriptedModels(() => "<answer>0.0832 mol/L of hydrochloric acid</answer>")
      expect(
        (yield* selfConsistency({ model: "pool:test", k: 1, frames }).check(open).pipe(Effect.provide(close.layer)))
          .decision
      ).toBe("keep")
      const far = scriptedModels(() => "<answer>sodium hydroxide</answer>")
      expect(
        (yield* selfConsistency({ model: "pool:test", k: 1, frames }).check(open).pipe(Effect.provide(far.layer)))
          .decision
      ).toBe("drop")
    })
  )

  it.live("with no model but the generator, the example cannot be checked: an error verdict", () =>
    Effect.gen(function* () {
      const r = scriptedModels(() => "<answer>B</answer>", ["test:a"])
      const v = yield* selfConsistency({ model: "pool:test", k: 2, frames })
        .check(example())
        .pipe(Effect.provide(r.layer))
      expect(v).toMatchObject({ decision: "error", reason: "no model of pool:test other than the generator test:a" })
    })
  )
})

describe("video dependency and rationale verification", () => {
  it.live("an example answered correctly from the text and one frame is dropped", () =>
    Effect.gen(function* () {
      const right = scriptedModels(() => "<answer>B</answer>")
      const v = yield* videoDependency({ model: "test:blind" }).check(example()).pipe(Effect.provide(right.layer))
      expect(v).toMatchObject({ decision: "drop", reason: "answerable from the question and one frame" })
      expect(right.asked[0]!.images).toBe(1)
      const wrong = scriptedModels(() => "<answer>A</answer>")
      expect(
        (yield* videoDependency({ model: "test:blind" }).check(example()).pipe(Effect.provide(wrong.layer))).decision
      ).toBe("keep")
    })
  )

  it.live("the verifier's first failed step is the reason of a drop; the generator never verifies itself", () =>
    Effect.gen(function* () {
      const r = scriptedModels(
        () => '{"valid": false, "failed_step": 2, "reason": "phenolphthalein is colourless in acid"}'
      )
      const v = yield* rationaleVerifier("pool:test", frames).check(example()).pipe(Effect.provide(r.layer))
      expect(v).toMatchObject({
        decision: "drop",
        reason: "step 2 fails: phenolphthalein is colourless in acid",
        modelId: "test:b"
      })
      expect(r.asked[0]!.text).toContain("Rationale: 1. The solution turns pink.")
    })
  )
})
