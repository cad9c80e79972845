import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { keptByAll } from "../src/pipeline/Candidates.ts"
import { exampleProblem } from "../src/pipeline/Generation.ts"
import { noteItemEvent } from "../src/pipeline/ItemCalls.ts"
import { keyAfter, onePage, pageOf } from "../src/pipeline/Paging.ts"
import { hashOf, runStages, type Stage } from "../src/pipeline/Stage.ts"

// Two synthetic stages over a real (in-memory) DuckDB store: "numbers" keeps even numbers, "squares" works
// on what "numbers" kept, and a barrier stage counts what "squares" kept once both are done.
const log: Array<string> = []
// the last number waits until squares has begun: an engine that did not overlap stages would never finish
// (the test would time out), one that does passes however busy the machine is
const signal = () => {
  let resolve = () => {}
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve: () => resolve() }
}
let squaresBegan = signal()
const numbers = (n: number, version = "v1"): Stage<number, undefined, never> => ({
  name: "numbers",
  pending: onePage(
    "numbers",
    Effect.sync(() => Array.from({ length: n }, (_, i) => ({ id: `n${i}`, input: i, inputHash: hashOf(version, i) })))
  ),
  process: (item) =>
    Effect.sleep(5).pipe(
      Effect.andThen(item.input === n - 1 ? Effect.promise(() => squaresBegan.promise) : Effect.void),
      Effect.map(() => {
        log.push(`numbers ${item.id}`)
        return {
          verdict:
            item.input % 2 === 0
              ? { decision: "keep" as const, reason: "even" }
              : { decision: "drop" as const, reason: "odd" }
        }
      })
    ),
  commit: () => Effect.void
})
const squares: Stage<string, undefined, never> = {
  name: "squares",
  // read a page at a time (the runs below read pages of 7): what numbers kept, in id order
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const after = keyAfter(["item_id"], page)
      const kept = yield* store.query<{ item_id: string }>(
        `SELECT item_id FROM (${keptByAll(["numbers"])}) WHERE ${after.sql} ORDER BY item_id LIMIT ${page.size}`,
        after.params
      )
      return yield* pageOf(
        "squares",
        page,
        kept,
        (k) => [k.item_id],
        (k) => [{ id: k.item_id, input: k.item_id, inputHash: hashOf(k.item_id) }]
      )
    }),
  process: (item) =>
    Effect.sync(() => {
      squaresBegan.resolve()
      log.push(`squares ${item.id}`)
      return { verdict: { decision: "keep" as const, reason: "square" } }
    }),
  commit: () => Effect.void
}
const total: Stage<null, undefined, never> = {
  name: "total",
  barrier: true,
  pending: onePage("total", Effect.succeed([{ id: "all", input: null, inputHash: "x" }])),
  process: () =>
    Effect.sync(() => {
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
  it.live(
    "overlaps stages, starts a barrier stage only when everything before it is done, and resumes from the store",
    () =>
      Effect.gen(function* () {
        log.length = 0
        squaresBegan = signal()
        const runs = yield* runStages(
          [
            { stage: numbers(80), concurrency: 2 },
            { stage: squares, concurrency: 2 },
            { stage: total, concurrency: 1 }
          ],
          { batchSize: 4, pollMillis: 5, pageSize: 7 }
        )
        expect(runs.map((r) => [r.stage, r.processed, r.kept, r.dropped, r.done])).toEqual([
          ["numbers", 80, 40, 40, true],
          ["squares", 40, 40, 0, true],
          ["total", 1, 1, 0, true]
        ])
        expect(runs[2]!.note).toBe("40 squares")
        // squares began while numbers was still at work; the barrier stage ran last
        expect(log.findIndex((l) => l.startsWith("squares "))).toBeLessThan(log.indexOf("numbers n79"))
        expect(log.at(-1)).toBe("total")
        const store = yield* CorpusStore
        const [counts] = yield* store.query<{ verdicts: number; distinct: number }>(
          "SELECT count(*)::INT AS verdicts, count(DISTINCT (stage, item_id))::INT AS distinct FROM verdicts"
        )
        expect(counts).toEqual({ verdicts: 121, distinct: 121 })
        // nothing left to do; a changed input (here: version) redoes only that stage's items, and what depends on them
        log.length = 0
        const again = yield* runStages(
          [
            { stage: numbers(80), concurrency: 2 },
            { stage: squares, concurrency: 2 }
          ],
          { pollMillis: 5, pageSize: 7 }
        )
        expect(again.map((r) => r.processed)).toEqual([0, 0])
        const limited = yield* runStages([{ stage: numbers(80, "v2"), concurrency: 2, limit: 10 }], { pollMillis: 5 })
        expect(limited[0]!.processed).toBe(10)
      }).pipe(Effect.provide(layerMemory))
  )
})

// A stage whose model is having a bad time: item i fails transiently on its first `failures(i)` attempts,
// either saying so in its verdict or only through a model call that failed (as a plugin's own check would).
const flaky = (failures: (i: number) => number, attempts: Map<string, number>): Stage<number, undefined, never> => ({
  name: "flaky",
  pending: onePage(
    "flaky",
    Effect.sync(() => Array.from({ length: 12 }, (_, i) => ({ id: `f${i}`, input: i, inputHash: hashOf(i) })))
  ),
  process: (item) =>
    Effect.gen(function* () {
      const n = (attempts.get(item.id) ?? 0) + 1
      attempts.set(item.id, n)
      if (n > failures(item.input))
        return {
          verdict: {
            decision: item.input % 3 === 0 ? ("drop" as const) : ("keep" as const),
            reason: "answered",
            modelId: "m"
          }
        }
      if (item.input % 2 === 0)
        return { verdict: { decision: "error" as const, reason: "ServerError: 503", modelId: "m", transient: true } }
      yield* noteItemEvent({ kind: "transient", modelId: "m", detail: "connection reset" })
      return { verdict: { decision: "error" as const, reason: "the model did not answer", modelId: "m" } }
    }),
  commit: () => Effect.void
})

describe("transient failures in the stage engine", () => {
  it.live("asks an item again until it answers, and leaves it pending (not an error verdict) when it never does", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const attempts = new Map<string, number>()
      // items 0-3 answer at once, 4-7 on the third attempt, 8-11 never
      const failures = (i: number) => (i < 4 ? 0 : i < 8 ? 2 : 99)
      const retry = { attempts: 3, delayMillis: 2, maxDelayMillis: 10 }
      const [run] = yield* runStages([{ stage: flaky(failures, attempts), concurrency: 3 }], {
        batchSize: 5,
        pollMillis: 2,
        retry
      })
      expect(run).toMatchObject({
        processed: 8,
        errors: 0,
        leftPending: 4,
        retrying: 0,
        pendingByModel: { m: 4 },
        done: true
      })
      expect([...attempts.values()]).toEqual([1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3])
      const verdicts = yield* store.query<{ item_id: string }>(
        "SELECT item_id FROM verdicts WHERE stage = 'flaky' ORDER BY item_id"
      )
      expect(verdicts.map((v) => v.item_id).sort()).toEqual(["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"].sort())
      // every failed attempt is history that `why` shows; the four left are pending in the funnel's view
      const tried = yield* store.query<{ item_id: string; n: number }>(
        "SELECT item_id, count(*)::INT AS n FROM attempts WHERE kind = 'transient' GROUP BY item_id ORDER BY item_id"
      )
      expect(tried).toEqual(
        [
          ["f10", 3],
          ["f11", 3],
          ["f4", 2],
          ["f5", 2],
          ["f6", 2],
          ["f7", 2],
          ["f8", 3],
          ["f9", 3]
        ].map(([item_id, n]) => ({ item_id, n }))
      )
      expect(yield* store.query("SELECT stage, pending::INT AS pending FROM stage_pending")).toEqual([
        { stage: "flaky", pending: 4 }
      ])
      // the next run asks only what is pending; once the model answers, nothing is left
      attempts.clear()
      const [next] = yield* runStages([{ stage: flaky(() => 0, attempts), concurrency: 3 }], { pollMillis: 2, retry })
      expect(next).toMatchObject({ processed: 4, leftPending: 0 })
      expect([...attempts.keys()].sort()).toEqual(["f10", "f11", "f8", "f9"])
      expect(yield* store.query("SELECT * FROM stage_pending")).toEqual([])
    }).pipe(Effect.provide(layerMemory))
  )
})

describe("transient failures under --limit", () => {
  it.live("an item still waiting to be asked again when the limit is reached is counted as left pending", () =>
    Effect.gen(function* () {
      const attempts = new Map<string, number>()
      // f0 keeps failing; the limit of 2 is reached by f1 and f2 before f0's next attempt is due
      const [run] = yield* runStages(
        [{ stage: flaky((i) => (i === 0 ? 99 : 0), attempts), concurrency: 1, limit: 2 }],
        {
          batchSize: 2,
          pollMillis: 2,
          retry: { attempts: 3, delayMillis: 60_000, maxDelayMillis: 60_000 }
        }
      )
      expect(run).toMatchObject({ processed: 2, retrying: 0, leftPending: 1, pendingByModel: { m: 1 } })
    }).pipe(Effect.provide(layerMemory))
  )
})

describe("generated example checks", () => {
  const base = {
    skill: "KNOWVID",
    problem_type: "multiple choice",
    question: "Which indicator?",
    options: ["Litmus", "Phenolphthalein", "Methyl orange", "Bromothymol blue"],
    answer: "B",
    rationale: "1. Pink. 2. So phenolphthalein."
  }
  const want = { skill: "KNOWVID", problemType: "multiple choice" as const }
  it("names what makes an answer unusable", () => {
    expect(exampleProblem(base, want)).toBeUndefined()
    expect(exampleProblem({ ...base, answer: "(B)" }, want)).toBeUndefined()
    expect(exampleProblem({ ...base, skill: "VIDR" }, want)).toBe("wrong skill: asked for KNOWVID, got VIDR")
    expect(exampleProblem({ ...base, answer: " " }, want)).toBe("missing answer")
    expect(exampleProblem({ ...base, answer: "E" }, want)).toBe('answer "E" is not the letter of an option')
    expect(exampleProblem({ ...base, answer: "Phenolphthalein" }, want)).toBe(
      'answer "Phenolphthalein" is not the letter of an option'
    )
    expect(exampleProblem({ ...base, options: ["a", "b", "c"] }, want)).toBe(
      "multiple choice needs 4 to 10 options, got 3"
    )
    expect(exampleProblem({ ...base, options: ["a", "b", "A", "c"] }, want)).toBe("empty or repeated options")
    expect(exampleProblem({ ...base, rationale: "" }, want)).toBe("missing rationale")
    expect(exampleProblem({ ...base, problem_type: "open-ended" }, want)).toBe(
      "wrong problem type: asked for multiple choice, got open-ended"
    )
    const open = { ...base, problem_type: "open-ended", options: [], answer: "0.0832 mol/L" }
    expect(exampleProblem(open, { skill: "KNOWVID", problemType: "open-ended" })).toBeUndefined()
    expect(exampleProblem({ ...open, options: ["x"] }, { skill: "KNOWVID", problemType: "open-ended" })).toBe(
      "open-ended examples have no options"
    )
  })
})
