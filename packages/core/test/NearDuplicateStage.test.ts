import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { dedupDefaults, nearDuplicateStage } from "../src/pipeline/Dedup.ts"
import { runStages } from "../src/pipeline/Stage.ts"
import { specKey } from "../src/VideoStore.ts"

// frame hashes: `base` with bits flipped
const flipped = (base: bigint, bits: ReadonlyArray<number>) =>
  bits
    .reduce((h, b) => h ^ (1n << BigInt(b)), base)
    .toString(16)
    .padStart(16, "0")
const frames = (seed: bigint, bits: ReadonlyArray<number> = []) =>
  [0n, 1n, 2n, 3n].map((i) => flipped((seed * 0x9e3779b97f4a7c15n * (i + 1n)) & 0xffffffffffffffffn, bits))

const a = 0x1234567n
const b = 0x7654321n
// in import order: v1 and v3 look alike (3 bits apart); v4 is 5 bits from v3 but 8 from v1 (over the
// threshold of 6); v2 is v1 itself, but contamination dropped it; v5 is its own
const videos: ReadonlyArray<{ id: string; hashes: ReadonlyArray<string>; contamination: "keep" | "drop" }> = [
  { id: "v5", hashes: frames(b), contamination: "keep" },
  { id: "v1", hashes: frames(a), contamination: "keep" },
  { id: "v2", hashes: frames(a), contamination: "drop" },
  { id: "v3", hashes: frames(a, [1, 9, 40]), contamination: "keep" },
  { id: "v4", hashes: frames(a, [1, 9, 40, 63, 62, 61, 60, 59]), contamination: "keep" }
]

describe("the near-duplicates stage", () => {
  it.effect("compares the videos contamination kept, keeps the first of each group, a page at a time", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const spec = specKey(dedupDefaults.spec)
      yield* store.run(
        `INSERT INTO videos (seq, id, source, source_id, url, license, duration, title) VALUES ${videos
          .map((v, i) => `(${i + 1}, '${v.id}', 'local', '${v.id}', 'file:${v.id}', 'CC BY 4.0', 60, '${v.id}')`)
          .join(", ")}`
      )
      yield* store.run(
        `INSERT INTO video_fingerprints VALUES ${videos
          .flatMap((v) => v.hashes.map((h, f) => `('${v.id}', '${spec}', ${f}, ${f * 10}, '${h}')`))
          .join(", ")}`
      )
      yield* store.run(
        `INSERT INTO verdicts (item_id, stage, decision, reason, input_hash) VALUES ${videos
          .map((v) => `('${v.id}', 'contamination', '${v.contamination}', 'because', 'h')`)
          .join(", ")}`
      )
      const stage = nearDuplicateStage({ ...dedupDefaults, benchmarks: [] })
      const [run] = yield* runStages([{ stage, concurrency: 2 }], { pageSize: 2, batchSize: 2 })
      expect(run!.processed).toBe(4)
      const verdicts = yield* store.query<{ item_id: string; decision: string; reason: string }>(
        "SELECT item_id, decision, reason FROM verdicts WHERE stage = 'near-duplicates' ORDER BY item_id"
      )
      expect(verdicts).toEqual([
        { item_id: "v1", decision: "keep", reason: "no near-duplicate among the kept videos" },
        { item_id: "v3", decision: "drop", reason: "near-duplicate of v1 (4 matching frames, closest 3 bits)" },
        // its only near-duplicate, v3, is gone: v4 stays
        { item_id: "v4", decision: "keep", reason: "no near-duplicate among the kept videos" },
        { item_id: "v5", decision: "keep", reason: "no near-duplicate among the kept videos" }
      ])
      // a second run finds nothing left to decide
      const [again] = yield* runStages([{ stage, concurrency: 2 }], { pageSize: 2, batchSize: 2 })
      expect(again!.processed).toBe(0)
    }).pipe(Effect.provide(layerMemory))
  )
})
