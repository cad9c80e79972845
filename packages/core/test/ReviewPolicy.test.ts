import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { ModelUnavailable, type ModelRegistryShape } from "../src/ModelRegistry.ts"
import {
  eligibility,
  importReviewMarks,
  reopenBarred,
  reviewBars,
  sampleForReview,
  withoutBarred
} from "../src/Review.ts"
import { fileWith } from "./support.ts"

// Self-consistency's verdicts name the k models that answered ("a,b"): each of them answers for the verdict.
const seed = Effect.gen(function* () {
  const store = yield* CorpusStore
  yield* store.run(`INSERT INTO knowledge_points (id, discipline, subject, course, lecture, knowledge_point, description, reviewed, seq)
    VALUES ('kp1', 'Natural Sciences', 'Physics', 'Mechanics', 'Waves', 'Pendulum', '', true, 1)`)
  for (let i = 0; i < 6; i++) {
    const model = ["a,b", "a,c", "b,c"][i % 3]!
    yield* store.run(
      `INSERT INTO verdicts (item_id, stage, model_id, decision, reason, input_hash) VALUES ('v${i}@kp1#s', 'consistency', '${model}', 'keep', 'agree', 'h${i}')`
    )
    yield* store.run(
      `INSERT INTO stage_items (stage, item_id, input_hash, status) VALUES ('consistency', 'v${i}@kp1#s', 'h${i}', 'keep')`
    )
  }
})

const marks = (rows: ReadonlyArray<readonly [string, boolean]>) =>
  fileWith(
    "marks.jsonl",
    rows
      .map(([item, correct]) =>
        JSON.stringify({
          step: "consistency",
          item_id: item,
          reviewer: "ana",
          correct,
          category: correct ? undefined : "wrong answer"
        })
      )
      .join("\n") + "\n"
  )

describe("which models human review lets serve a step", () => {
  it.effect(
    "an output several models made counts for each; bars follow the threshold and review.unreviewed; reopening moves only the barred model's items",
    () =>
      Effect.gen(function* () {
        yield* seed
        const sampled = yield* sampleForReview({ step: "consistency", n: 4, seed: 1 })
        // a draws first (4 of its 4 outputs); b and c already have theirs in the queue with a
        expect(sampled.map((s) => [s.model, s.inQueue])).toEqual([
          ["a", 4],
          ["b", 4],
          ["c", 4]
        ])
        const store = yield* CorpusStore
        const queued = yield* store.query<{ item_id: string; model_id: string }>(
          "SELECT item_id, model_id FROM review_queue ORDER BY item_id"
        )
        // the item a and c made together is wrong; the rest right
        yield* importReviewMarks(marks(queued.map((q) => [q.item_id, q.model_id !== "a,c"] as const)))
        const rows = yield* eligibility({ sampleSize: 4, maxErrorRate: 0.03 })
        expect(rows.map((r) => [r.model, r.reviewed, r.errors, r.state])).toEqual([
          ["a", 4, queued.filter((q) => q.model_id === "a,c").length, "excluded"],
          ["b", 4, 0, "eligible"],
          ["c", 4, queued.filter((q) => q.model_id === "a,c").length, "excluded"]
        ])

        const uses = [{ step: "consistency", models: ["a", "b", "c", "d"] }]
        expect((yield* reviewBars({ sampleSize: 4 }, uses)).map((b) => b.model)).toEqual(["a", "c"])
        const strict = yield* reviewBars({ sampleSize: 4, unreviewed: "exclude" }, uses)
        expect(strict.map((b) => b.model)).toEqual(["a", "c", "d"])
        expect(strict[2]!.reason).toBe(
          'd is not reviewed enough for consistency (0 of 4 outputs reviewed) and review.unreviewed is "exclude"'
        )

        // only c barred: the items c took part in are opened again, with their story; the rest stay done
        const reopened = yield* reopenBarred(strict.filter((b) => b.model === "c"))
        expect(reopened.map((r) => [r.model, r.items])).toEqual([["c", 4]])
        const left = yield* store.query<{ item_id: string; model_id: string }>(
          "SELECT item_id, model_id FROM verdicts ORDER BY item_id"
        )
        expect(left.map((v) => v.model_id)).toEqual(["a,b", "a,b"])
        expect((yield* store.query<{ n: number }>("SELECT count(*)::INT AS n FROM stage_items")).at(0)!.n).toBe(2)
        expect(
          (yield* store.query<{ n: number }>(
            "SELECT count(*)::INT AS n FROM attempts WHERE kind = 'review-excluded'"
          )).at(0)!.n
        ).toBe(4)
        expect(yield* reopenBarred(strict.filter((b) => b.model === "c"))).toEqual([
          { ...strict.find((b) => b.model === "c")!, items: 0 }
        ])
      }).pipe(Effect.provide(layerMemory))
  )

  it.effect("the run's registry draws a pool without barred models and refuses a barred pinned model", () =>
    Effect.gen(function* () {
      // a stand-in registry: a pool draws its first member not excluded
      const members = ["a", "b"]
      const registry: ModelRegistryShape = {
        resolve: (id) => Effect.succeed({ id, chat: () => Effect.die("not asked") }),
        pick: (spec, context) => {
          if (!spec.startsWith("pool:")) return Effect.succeed(spec)
          const m = members.find((x) => !context.excluded?.has(x))
          return m === undefined
            ? Effect.fail(new ModelUnavailable({ modelId: spec, reason: "empty" }))
            : Effect.succeed(m)
        }
      }
      const bars = [{ step: "generation", model: "a", reason: "a is excluded from generation by human review" }]
      const run = withoutBarred(registry, bars)
      expect(yield* run.pick("pool:p", { step: "generation", item: "x" })).toBe("b")
      expect(yield* run.pick("pool:p", { step: "verification", item: "x" })).toBe("a")
      expect(
        yield* run.pick("pool:p", { step: "generation", item: "x", excluded: new Set(["b"]) }).pipe(Effect.flip)
      ).toMatchObject({
        reason: "empty"
      })
      expect((yield* run.pick("a", { step: "generation", item: "x" }).pipe(Effect.flip)).message).toBe(
        "a is excluded from generation by human review"
      )
      expect(withoutBarred(registry, [])).toBe(registry)
    })
  )
})
