import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer, layerMemory } from "../src/CorpusStore.ts"
import { join } from "node:path"
import { importFile } from "../src/Importer.ts"
import { exportSeeds, listSeeds, saveSeed, seedCoverage } from "../src/ReviewSeeds.ts"
import { scratchDir } from "./support.ts"

const draft = {
  skill: "VIDR",
  discipline: "Natural Sciences",
  problem_type: "multiple choice",
  author: "fay",
  video_id: "local:pendulum-swing.mp4",
  question: "What happens to the period when the bob is heavier?",
  options: ["A. It grows", "B. It stays the same", " ", "C. It shrinks"],
  answer: "B",
  rationale: "1. The clip shows two bobs swinging together. 2. The period does not depend on the mass."
}

describe("seed examples written in the review app", () => {
  it.effect(
    "are checked as an import of seeds is, stored with their author and video, counted against the target, and edited in place",
    () =>
      Effect.gen(function* () {
        const before = (yield* seedCoverage).cells.find(
          (c) => c.discipline === "Natural Sciences" && c.skill === "VIDR"
        )!
        expect(before.count).toBe(0)
        const bad = yield* saveSeed({ ...draft, skill: "VIDRR", rationale: " ", options: undefined, author: "" }).pipe(
          Effect.flip
        )
        expect(bad._tag).toBe("SeedRejected")
        const fields = (bad as { problems: ReadonlyArray<{ field: string; message: string }> }).problems.map(
          (p) => p.field
        )
        expect(fields).toEqual(expect.arrayContaining(["skill", "rationale", "author", "options"]))
        const { id } = yield* saveSeed(draft)
        const coverage = yield* seedCoverage
        expect(coverage.target).toBe(150)
        expect(coverage.cells).toHaveLength(12)
        expect(coverage.cells.find((c) => c.discipline === "Natural Sciences" && c.skill === "VIDR")!.count).toBe(1)
        const [seed] = yield* listSeeds("Natural Sciences", "VIDR")
        expect(seed).toMatchObject({
          id,
          author: "fay",
          video_id: "local:pendulum-swing.mp4",
          source: "review app",
          options: ["A. It grows", "B. It stays the same", "C. It shrinks"]
        })
        yield* saveSeed({ ...draft, answer: "A" }, id)
        expect((yield* listSeeds("Natural Sciences", "VIDR")).map((s) => [s.id, s.answer])).toEqual([[id, "A"]])
        expect((yield* saveSeed(draft, "seed-none").pipe(Effect.flip))._tag).toBe("UnknownSeed")

        // exported as videokr import reads seeds: into another corpus, with author and video kept
        const file = join(scratchDir(), "seeds.jsonl")
        expect(yield* exportSeeds(file)).toBe(1)
        const elsewhere = yield* Effect.gen(function* () {
          yield* importFile(file)
          return yield* listSeeds("Natural Sciences", "VIDR")
        }).pipe(Effect.provide(layer({ path: ":memory:" })))
        expect(elsewhere).toEqual([{ ...(yield* listSeeds("Natural Sciences", "VIDR"))[0]!, source: file }])
      }).pipe(Effect.provide(layerMemory))
  )
})
