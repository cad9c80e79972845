import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { importFile } from "../src/Importer.ts"
import { splitCorpus } from "../src/Split.ts"
import { corpusStats } from "../src/Stats.ts"
import { fileWith, sample } from "./support.ts"

const splits = Effect.gen(function* () {
  const store = yield* CorpusStore
  return yield* store.query<{ id: string; split: string }>("SELECT id, split FROM examples ORDER BY id")
})

describe("split", () => {
  it.effect("is reproducible, seed-dependent, and follows the documented md5 draw", () =>
    Effect.gen(function* () {
      yield* importFile(sample("examples.jsonl"))
      yield* splitCorpus({ seed: 42, sftFraction: 0.5 })
      const first = yield* splits
      yield* splitCorpus({ seed: 42, sftFraction: 0.5 })
      expect(yield* splits).toEqual(first)
      // the draw recomputed independently of the SQL: first 52 bits of md5("<seed>:<id>") / 2^52
      const expected = first.map(({ id }) => {
        const u = parseInt(createHash("md5").update(`42:${id}`).digest("hex").slice(0, 13), 16) / 2 ** 52
        return { id, split: u < 0.5 ? "sft" : "rl" }
      })
      expect(first).toEqual(expected)
      yield* splitCorpus({ seed: 43, sftFraction: 0.5 })
      expect(yield* splits).not.toEqual(first)
    }).pipe(Effect.provide(layerMemory))
  )

  it.effect("sends examples without a rationale to RL and keeps earlier placements when more arrive", () =>
    Effect.gen(function* () {
      yield* importFile(sample("examples.jsonl"))
      yield* splitCorpus({ seed: 1, sftFraction: 1 })
      const before = yield* splits
      expect(before.every((r) => r.split === "sft")).toBe(true)
      const extra = {
        problem_id: "new-1",
        question: "Q?",
        problem_type: "open-ended",
        solution: "<answer>4</answer>",
        video_path: "v.mp4"
      }
      yield* importFile(fileWith("more.jsonl", JSON.stringify(extra) + "\n"))
      const result = yield* splitCorpus({ seed: 1, sftFraction: 1 })
      expect(result).toMatchObject({ sft: 40, rl: 1 })
      const after = yield* splits
      expect(after.filter((r) => r.id !== "new-1")).toEqual(before)
    }).pipe(Effect.provide(layerMemory))
  )
})

describe("stats", () => {
  it.effect("counts by discipline, subject, skill, type and split; durations; knowledge-point coverage", () =>
    Effect.gen(function* () {
      for (const f of ["knowledge-bank.jsonl", "seeds.jsonl", "videos.jsonl", "examples.jsonl"])
        yield* importFile(sample(f))
      yield* splitCorpus()
      const stats = yield* corpusStats
      expect(stats.totals).toEqual({
        knowledge_points: 60,
        seed_examples: 36,
        videos: 24,
        examples: 40,
        examples_with_rationale: 40
      })
      const sum = (d: string) => stats.examplesBy[d]!.reduce((a, r) => a + r.examples, 0)
      for (const d of ["discipline", "subject", "skill", "problem_type", "split"]) expect(sum(d)).toBe(40)
      expect(stats.examplesBy.discipline!.map((r) => r.value).sort()).toEqual([
        "Engineering",
        "Healthcare",
        "Humanities & Social Sciences",
        "Natural Sciences"
      ])
      expect(stats.examplesBy.problem_type).toEqual([
        { value: "multiple choice", examples: 28 },
        { value: "open-ended", examples: 12 }
      ])
      expect(stats.videoDurations.histogram.reduce((a, b) => a + b.videos, 0)).toBe(24)
      expect(stats.videoDurations.summary.videos).toBe(24)
      expect(stats.knowledgeCoverage.reduce((a, c) => a + c.knowledge_points, 0)).toBe(60)
      expect(stats.knowledgeCoverage.reduce((a, c) => a + c.with_examples, 0)).toBeGreaterThan(0)
    }).pipe(Effect.provide(layerMemory))
  )
})
