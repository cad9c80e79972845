import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { Effect, Exit, Stream } from "effect"
import * as Store from "../src/CorpusStore.ts"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { InputError, UsageError } from "../src/Errors.ts"
import { importFile } from "../src/Importer.ts"
import { decodeRecord, EvalSamplesKind, SeedsKind } from "../src/RecordKind.ts"
import { readRecords } from "../src/Records.ts"
import { exportCorpus } from "../src/Export.ts"
import { fileWith, sample, scratchDir, snapshot } from "./support.ts"

const exampleLine = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    problem_id: "x-1",
    question: "What is the burette reading?",
    options: ["A. 12.1 mL", "B. 12.4 mL"],
    problem_type: "multiple choice",
    solution: "<answer>B</answer>",
    think: "Read the meniscus.",
    video_path: "videos/a.mp4",
    skill: "KNOWVID",
    ...over
  })

/** Imports `file` into a store that already holds the sample, and expects it refused with `messages`, store unchanged. */
const refused = (file: string, messages: ReadonlyArray<string | RegExp>, kind?: "examples") =>
  Effect.gen(function* () {
    yield* importFile(sample("examples.jsonl"))
    const before = yield* snapshot
    const exit = yield* Effect.exit(importFile(file, { kind }))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit)
      ? exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error : r)).at(0)
      : undefined
    expect(error).toBeInstanceOf(InputError)
    const message = (error as InputError).message
    for (const m of messages) expect(message).toMatch(m)
    expect(message).toContain("nothing from this file was written")
    expect(yield* snapshot).toEqual(before)
    return error as InputError
  }).pipe(Effect.provide(layerMemory))

describe("import", () => {
  it.effect("imports the sample knowledge bank (CSV and JSONL agree), seeds, videos and examples", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const results = yield* Effect.forEach(
        ["knowledge-bank.csv", "seeds.jsonl", "videos.jsonl", "examples.jsonl"],
        (f) => importFile(sample(f))
      )
      expect(results.map((r) => [r.kind, r.records])).toEqual([
        ["knowledge-bank", 60],
        ["seeds", 36],
        ["videos", 24],
        ["examples", 40]
      ])
      const fromCsv = yield* store.query(
        "SELECT * EXCLUDE (seq, source_file, source_line) FROM knowledge_points ORDER BY id"
      )
      yield* store.run("DELETE FROM knowledge_points")
      yield* importFile(sample("knowledge-bank.jsonl"))
      expect(
        yield* store.query("SELECT * EXCLUDE (seq, source_file, source_line) FROM knowledge_points ORDER BY id")
      ).toEqual(fromCsv)
      const [{ disciplines }] = (yield* store.query<{ disciplines: number }>(
        "SELECT count(DISTINCT discipline)::INT AS disciplines FROM knowledge_points"
      )) as [{ disciplines: number }]
      expect(disciplines).toBe(4)
    }).pipe(Effect.provide(layerMemory))
  )

  it.effect("refuses invalid JSON, naming file and line", () =>
    Effect.gen(function* () {
      const file = fileWith("bad.jsonl", exampleLine() + "\n" + '{"problem_id": "x-2", "question": \n')
      const e = yield* refused(file, [`${file}:2: invalid JSON`])
      expect(e.problems).toHaveLength(1)
      expect(e.problems[0]).toMatchObject({ line: 2 })
    })
  )

  it.effect("refuses a missing field, naming it and its accepted aliases", () =>
    Effect.gen(function* () {
      const { problem_id: _, ...noId } = JSON.parse(exampleLine()) as Record<string, unknown>
      const file = fileWith("missing.jsonl", exampleLine() + "\n\n" + JSON.stringify(noId) + "\n")
      const e = yield* refused(
        file,
        [`${file}:3: field "problem_id": missing (required; accepted as "problem_id" or "id")`],
        "examples"
      )
      expect(e.problems).toEqual([{ line: 3, field: "problem_id", message: expect.stringContaining("missing") }])
    })
  )

  it.effect("refuses a wrong type, showing the value", () =>
    refused(fileWith("type.jsonl", exampleLine({ question: 42 }) + "\n"), [
      /:1: field "question": expected string, got 42/
    ])
  )

  it.effect("refuses an unknown skill, listing the known ones", () =>
    refused(fileWith("skill.jsonl", exampleLine({ skill: "VQA" }) + "\n"), [
      /:1: field "skill": expected "VIDR" \| "KNOWVID" \| "KNOWVIDR", got "VQA"/
    ])
  )

  it.effect("refuses a wrong option shape at the option's path", () =>
    refused(fileWith("opts.jsonl", exampleLine({ options: { A: "x", B: 2 } }) + "\n"), [
      /field "options\.B": expected string, got 2/
    ])
  )

  it.effect("refuses duplicate ids within a file, pointing at the first", () =>
    refused(
      fileWith("dup.jsonl", [exampleLine(), exampleLine({ problem_id: "x-2" }), exampleLine()].join("\n") + "\n"),
      [/:3: field "problem_id": duplicate id "x-1" \(first at line 1\)/]
    )
  )

  it.effect("refuses ids already in the corpus unless replacing", () =>
    Effect.gen(function* () {
      const file = fileWith("again.jsonl", exampleLine({ problem_id: "vkr-000007" }) + "\n")
      yield* refused(file, [
        /:1: field "problem_id": "vkr-000007" is already in the corpus \(from .*examples\.jsonl:7\); use --replace/
      ])
    })
  )

  it.effect("replaces records on request, in one transaction", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      yield* importFile(sample("examples.jsonl"))
      const result = yield* importFile(
        fileWith("again.jsonl", exampleLine({ problem_id: "vkr-000007", question: "New?" }) + "\n"),
        {
          replace: true
        }
      )
      expect(result).toMatchObject({ records: 1, replaced: 1 })
      expect(yield* store.query("SELECT question FROM examples WHERE id = 'vkr-000007'")).toEqual([
        { question: "New?" }
      ])
      expect(yield* store.query("SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS ids FROM examples")).toEqual([
        { n: 40, ids: 40 }
      ])
      // the replacement is the newest record: exports (which read in insertion order) list it last
      const out = scratchDir()
      const [file] = yield* exportCorpus("videokr", { outDir: out })
      const ids = readFileSync(file!.path, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).problem_id)
      expect(ids.at(-1)).toBe("vkr-000007")
      expect(ids).toHaveLength(40)
    }).pipe(Effect.provide(layerMemory))
  )

  it.effect("treats a second import of identical content as a no-op", () =>
    Effect.gen(function* () {
      yield* importFile(sample("seeds.jsonl"))
      const before = yield* snapshot
      expect(yield* importFile(sample("seeds.jsonl"))).toMatchObject({ records: 0, unchanged: true })
      expect(yield* snapshot).toEqual(before)
    }).pipe(Effect.provide(layerMemory))
  )

  it.effect("refuses an empty file", () =>
    refused(fileWith("empty.jsonl", "\n  \n"), [/empty\.jsonl:1: the file is empty: no records/], "examples")
  )

  it.effect("reports every problem of a file (capped), not only the first", () =>
    Effect.gen(function* () {
      const lines = Array.from({ length: 30 }, (_, i) => exampleLine({ problem_id: `y-${i}`, problem_type: "essay" }))
      const e = yield* refused(fileWith("many.jsonl", lines.join("\n") + "\n"), [/and 10 more/])
      expect(e.problems).toHaveLength(20)
      expect(e.omitted).toBe(10)
    })
  )

  it.effect("refuses a bad CSV row with its line", () =>
    Effect.gen(function* () {
      const csv =
        'id,discipline,subject,course,lecture,knowledge_point,description\nkp-1,Engineering,Civil,Statics,Trusses,Method of joints,"Equilibrium, at each joint"\nkp-2,Astrology,Stars,Signs,Houses,Retrograde,x\n'
      const e = yield* refused(fileWith("kb.csv", csv), [
        /kb\.csv:3: field "discipline": expected "Natural Sciences" \|/
      ])
      expect(e.problems).toHaveLength(1)
    })
  )

  it.effect("infers the kind, and asks for --kind when it cannot", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(importFile(fileWith("odd.jsonl", '{"name": "x"}\n')))
      expect(
        Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error
      ).toBeInstanceOf(UsageError)
      expect(String(Exit.isFailure(exit) && (exit.cause.reasons[0] as any).error.message)).toMatch(/pass --kind/)
    }).pipe(Effect.provide(layerMemory))
  )

  it.effect("keeps the file's data intact in a real DuckDB file across reopening", () =>
    Effect.gen(function* () {
      const path = fileWith("placeholder", "") + ".duckdb"
      yield* importFile(sample("examples.jsonl")).pipe(Effect.provide(Store.layer({ path })))
      const rows = yield* Effect.gen(function* () {
        const store = yield* CorpusStore
        return yield* store.query("SELECT count(*)::INT AS n FROM examples")
      }).pipe(Effect.provide(Store.layer({ path })))
      expect(rows).toEqual([{ n: 40 }])
    })
  )
})

describe("typed reads and the evaluation sample format", () => {
  it.effect("readRecords gives back the imported records, decoded through their schema", () =>
    Effect.gen(function* () {
      yield* importFile(sample("seeds.jsonl"))
      const batches = yield* Stream.runCollect(readRecords(SeedsKind))
      const seeds = batches.flat()
      expect(seeds).toHaveLength(36)
      const first = JSON.parse(readFileSync(sample("seeds.jsonl"), "utf8").split("\n")[0]!)
      expect(seeds[0]).toEqual(first)
    }).pipe(Effect.provide(layerMemory))
  )

  it("VideoKR-Eval samples accept the release's aliases and both option shapes", () => {
    const decoded = decodeRecord(
      EvalSamplesKind,
      {
        id: 7,
        video_path: "Videos/a",
        question: "Which apparatus?",
        option: { B: "burette", A: "pipette" },
        problem_type: "multiple choice",
        answer: "<answer>B</answer>",
        dataset: "VideoKR-Eval",
        source: "Chemistry"
      },
      3
    )
    expect(decoded).toMatchObject({
      _tag: "Ok",
      value: { id: 7, options: { B: "burette", A: "pipette" }, solution: "<answer>B</answer>", subject: "Chemistry" },
      extra: undefined
    })
    const bad = decodeRecord(EvalSamplesKind, { id: "x", question: "q", problem_type: "essay" }, 9)
    expect(bad._tag === "Invalid" && bad.problems.map((p) => p.field)).toEqual([
      "video_path",
      "problem_type",
      "solution"
    ])
  })
})
