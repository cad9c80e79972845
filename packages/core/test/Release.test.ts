import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { releaseStage } from "../src/pipeline/Release.ts"
import { runStages } from "../src/pipeline/Stage.ts"

// 3 videos with 3 generated examples each; verdicts decide which enter the corpus
const examples = ["v1", "v2", "v3"].flatMap((v) => [1, 2, 3].map((i) => ({ id: `${v}-ex${i}`, video: v })))

const release = releaseStage({
  exampleStages: ["consistency"],
  videoStages: ["contamination"],
  projectDir: "/project",
  split: { seed: 42, sftFraction: 0.5 },
  formats: [],
  export: { outDir: "/project/exports" }
})

const verdict = (stage: string, item: string, decision: string) =>
  `('${item}', '${stage}', '${decision}', 'because', 'h')`

const released = Effect.flatMap(CorpusStore, (store) =>
  Effect.map(
    store.query<{ id: string; video_id: string; split: string | null }>(
      "SELECT id, video_id, split FROM examples ORDER BY id"
    ),
    (rows) => rows.map((r) => r.id)
  )
)

describe("the release", () => {
  it.effect("enters the survivors a page at a time, and withdraws what a changed verdict no longer keeps", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      yield* store.run(
        `INSERT INTO generated_examples VALUES ${examples
          .map(
            (e) =>
              `('${e.id}', '${e.video}', 'kp-1', 'VIDR', 'Engineering', NULL, 'open-ended', 'Why?', NULL, 'Because.', 'Think.', '/project/videos/${e.video}.mp4', 'scripted:demo', 'p', 'h')`
          )
          .join(", ")}`
      )
      yield* store.run(
        `INSERT INTO verdicts (item_id, stage, decision, reason, input_hash) VALUES ${[
          ...examples.map((e) => verdict("generation", e.id, "keep")),
          // v1-ex2 is dropped by a validator, v3 by contamination (all its examples go with it)
          ...examples.map((e) => verdict("consistency", e.id, e.id === "v1-ex2" ? "drop" : "keep")),
          verdict("contamination", "v1", "keep"),
          verdict("contamination", "v2", "keep"),
          verdict("contamination", "v3", "drop")
        ].join(", ")}`
      )
      // pages of 2 ids end inside a video's examples and on a dropped example
      const first = yield* runStages([{ stage: release, concurrency: 2 }], { pageSize: 2, batchSize: 2 })
      expect(yield* released).toEqual(["v1-ex1", "v1-ex3", "v2-ex1", "v2-ex2", "v2-ex3"])
      expect(first[0]!.note).toContain("5 pipeline example(s) in the corpus; split")
      const [entered] = yield* store.query<{ path: string; solution: string }>(
        "SELECT video_path AS path, solution FROM examples WHERE id = 'v1-ex1'"
      )
      expect(entered).toEqual({ path: "videos/v1.mp4", solution: "<answer>Because.</answer>" })

      // a check changed its mind about v2-ex2 and v2 itself: their examples leave the corpus, with their release records
      yield* store.run("UPDATE verdicts SET decision = 'drop' WHERE stage = 'consistency' AND item_id = 'v2-ex2'")
      yield* store.run("UPDATE verdicts SET decision = 'drop' WHERE stage = 'contamination' AND item_id = 'v2'")
      const second = yield* runStages([{ stage: release, concurrency: 2 }], { pageSize: 2, batchSize: 2 })
      expect(yield* released).toEqual(["v1-ex1", "v1-ex3"])
      expect(second[0]!.note).toContain("2 pipeline example(s) in the corpus, 3 withdrawn")
      const records = yield* store.query<{ item_id: string }>(
        "SELECT item_id FROM stage_items WHERE stage = 'release' ORDER BY item_id"
      )
      expect(records.map((r) => r.item_id)).toEqual(["v1-ex1", "v1-ex3"])
    }).pipe(Effect.provide(layerMemory))
  )
})
