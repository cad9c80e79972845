import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { keptByAll } from "../src/pipeline/Candidates.ts"
import { exampleProblem } from "../src/pipeline/Generation.ts"
import { doneKeys, hashOf, runStages, type Stage } from "../src/pipeline/Stage.ts"

// Two synthetic stages over a real (in-memory) DuckDB store: "numbers" keeps even numbers, "squares" works
// on what "numbers" kept, and a barrier stage counts what "squares" kept once both are done.
const log: Array<string> = []
const numbers = (n: number, version = "v1"): Stage<number, undefined, never> => ({
  name: "numbers",
  pending: Effect.map(doneKeys("numbers"), (done) =>
    Array.from({ length: n }, (_, i) => ({ id: `n${i}`, input: i, inputHash: hashOf(version, i) })).filter((it) => !done.has(`${it.id}:${it.inputHash}`))),
  process: (item) =>
    Effect.sleep(5).pipe(Effect.map(() => {
      log.push(`numbers ${item.id}`)
      return { verdict: item.input % 2 === 0 ? { decision: "keep" as const, reason: "even" } : { decision: "drop" as const, reason: "odd" } }
    })),
  commit: () => Effect.void
})
const squares: Stage<string, undefined, never> = {
  name: "squares",
  pending: Effect.gen(function* () {
    const store = yield* CorpusStore
    const done = yield* doneKeys("squares")
    const kept = yield* store.query<{ item_id: string }>(`${keptByAll(["numbers"])} ORDER BY item_id`)
    return kept.map((k) => ({ id: k.item_id, input: k.item_id, inputHash: hashOf(k.item_id) })).filter((it) => !done.has(`${it.id}:${it.inputHash}`))
  }),
  process: (item) => Effect.sync(() => {
    log.push(`squares ${item.id}`)
    return { verdict: { decision: "keep" as const, reason: "square" } }
  }),
  commit: () => Effect.void
}
const total: Stage<null, undefined, never> = {
  name: "total",
  barrier: true,
  pending: Effect.map(doneKeys("total"), (done) => (done.size > 0 ? [] : [{ id: "all", input: null, inputHash: "x" }])),
  process: () => Effect.sync(() => {
    log.push("total")
    return { verdict: { decision: "keep" as const, reason: "counted" } }
  }),
  commit: () => Effect.void,
  finish: Effect.gen(function* () {
    const store = yield* CorpusStore
    const [row] = yield* store.query<{ n: number }>(`SELECT count(*)::INT AS n FROM (${keptByAll(["squares"])})`)
    return `${row!.n} squares`
  })
}

describe("the stage engine", () => {
  it.live("overlaps stages, starts a barrier stage only when everything before it is done, and resumes from the store", () =>
    Effect.gen(function* () {
      log.length = 0
      const runs = yield* runStages([{ stage: numbers(80), concurrency: 2 }, { stage: squares, concurrency: 2 }, { stage: total, concurrency: 1 }], { batchSize: 4, pollMillis: 5 })
      expect(runs.map((r) => [r.stage, r.processed, r.kept, r.dropped, r.done])).toEqual([["numbers", 80, 40, 40, true], ["squares", 40, 40, 0, true], ["total", 1, 1, 0, true]])
      expect(runs[2]!.note).toBe("40 squares")
      // squares began while numbers was still at work; the barrier stage ran last
      expect(log.indexOf("squares n0")).toBeLessThan(log.indexOf("numbers n79"))
      expect(log.at(-1)).toBe("total")
      const store = yield* CorpusStore
      const [counts] = yield* store.query<{ verdicts: number; distinct: number }>("SELECT count(*)::INT AS verdicts, count(DISTINCT (stage, item_id))::INT AS distinct FROM verdicts")
      expect(counts).toEqual({ verdicts: 121, distinct: 121 })
      // nothing left to do; a changed input (here: version) redoes only that stage's items, and what depends on them
      log.length = 0
      const again = yield* runStages([{ stage: numbers(80), concurrency: 2 }, { stage: squares, concurrency: 2 }], { pollMillis: 5 })
      expect(again.map((r) => r.processed)).toEqual([0, 0])
      const limited = yield* runStages([{ stage: numbers(80, "v2"), concurrency: 2, limit: 10 }], { pollMillis: 5 })
      expect(limited[0]!.processed).toBe(10)
    }).pipe(Effect.provide(layerMemory)))
})

describe("generated example checks", () => {
  const base = { skill: "KNOWVID", problem_type: "multiple choice", question: "Which indicator?", options: ["Litmus", "Phenolphthalein", "Methyl orange", "Bromothymol blue"], answer: "B", rationale: "1. Pink. 2. So phenolphthalein." }
  const want = { skill: "KNOWVID", problemType: "multiple choice" as const }
  it("names what makes an answer unusable", () => {
    expect(exampleProblem(base, want)).toBeUndefined()
    expect(exampleProblem({ ...base, answer: "(B)" }, want)).toBeUndefined()
    expect(exampleProblem({ ...base, skill: "VIDR" }, want)).toBe("wrong skill: asked for KNOWVID, got VIDR")
    expect(exampleProblem({ ...base, answer: " " }, want)).toBe("missing answer")
    expect(exampleProblem({ ...base, answer: "E" }, want)).toBe('answer "E" is not the letter of an option')
    expect(exampleProblem({ ...base, answer: "Phenolphthalein" }, want)).toBe('answer "Phenolphthalein" is not the letter of an option')
    expect(exampleProblem({ ...base, options: ["a", "b", "c"] }, want)).toBe("multiple choice needs 4 to 10 options, got 3")
    expect(exampleProblem({ ...base, options: ["a", "b", "A", "c"] }, want)).toBe("empty or repeated options")
    expect(exampleProblem({ ...base, rationale: "" }, want)).toBe("missing rationale")
    expect(exampleProblem({ ...base, problem_type: "open-ended" }, want)).toBe("wrong problem type: asked for multiple choice, got open-ended")
    const open = { ...base, problem_type: "open-ended", options: [], answer: "0.0832 mol/L" }
    expect(exampleProblem(open, { skill: "KNOWVID", problemType: "open-ended" })).toBeUndefined()
    expect(exampleProblem({ ...open, options: ["x"] }, { skill: "KNOWVID", problemType: "open-ended" })).toBe("open-ended examples have no options")
  })
})
