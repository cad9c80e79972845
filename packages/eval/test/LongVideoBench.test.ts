import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { PythonRandom } from "@videokr/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  aggregate,
  aggregateDetails,
  docToTarget,
  docToText,
  judgePrompt,
  type LvbSample,
  processResults,
  task
} from "../src/tasks/LongVideoBench.ts"
import { fileReader, TaskDataError } from "../src/TaskData.ts"

// computed by the release's longvideobench task functions (utils.py) with Debian's Python; see vectors/README.md
const vectors = JSON.parse(readFileSync(new URL("./vectors/longvideobench.json", import.meta.url), "utf8"))
const rows: ReadonlyArray<any> = vectors.rows
const fixture = fileURLToPath(new URL("../../../fixtures/benchmarks/longvideobench/", import.meta.url))

/** process_results of every row in order, with one random source seeded 0 (LMMs-Eval's random.seed(0)). */
const replay = () => {
  const rng = new PythonRandom(0)
  return rows.map((r) => {
    try {
      return processResults(r.doc, r.prediction, rng)
    } catch {
      return { error: true }
    }
  })
}

describe("LongVideoBench (longvideobench_val_v), as the reference harness defines it", () => {
  it("builds the prompt and target of 340 documents exactly, failing where the reference fails", () => {
    const wrong = rows.filter((r) => {
      if (typeof r.text !== "string")
        return !(() => {
          try {
            docToText(r.doc)
            return false
          } catch {
            return true
          }
        })()
      return docToText(r.doc) !== r.text || docToTarget(r.doc) !== String(r.target)
    })
    expect(wrong).toEqual([])
    expect(rows.filter((r) => typeof r.text !== "string").length).toBe(4)
  })

  it("parses each output as process_results does, random fallbacks drawn in document order from random.seed(0)", () => {
    const results = replay()
    expect(results).toEqual(rows.map((r) => ("error" in r.result ? { error: true } : r.result)))
  })

  it("aggregates by duration_group and question_category exactly (rule mode)", () => {
    const payloads = replay().flatMap((r) => ("lvb_acc" in r ? [r.lvb_acc] : []))
    expect(aggregate(payloads)).toBe(vectors.aggregate)
    expect(aggregateDetails(payloads).table).toEqual(vectors.details)
  })

  it("builds the judge's prompt and aggregates judged samples exactly", () => {
    const judged = rows.filter((r) => r.judge_prompt !== undefined)
    expect(judged.length).toBe(40)
    expect(judged.filter((r) => judgePrompt(r.doc, r.prediction) !== r.judge_prompt)).toEqual([])
    const payloads: Array<LvbSample> = []
    replay().forEach((r, i) => {
      if ("lvb_acc" in r) payloads.push({ ...r.lvb_acc, judgment: rows[i].judgment })
    })
    expect(aggregate(payloads)).toBe(vectors.aggregate_judge)
    expect(aggregateDetails(payloads).table).toEqual(vectors.details_judge)
  })

  it("scores through the task with random.Random(str(id)) per document, independent of order", () => {
    const parsed = (r: any) => {
      try {
        return task.score(r.doc, r.prediction).parsed
      } catch {
        return { error: "IndexError" }
      }
    }
    expect(rows.map(parsed)).toEqual(rows.map((r) => r.task_parsed_pred))
    expect([...rows].reverse().map(parsed)).toEqual(rows.map((r) => r.task_parsed_pred).reverse())
    const r = rows.find((x) => "lvb_acc" in x.result)!
    const s = task.score(r.doc, r.prediction, 1)
    expect(s.score).toBe(1)
    expect(s.metrics["lvb_acc"]).toMatchObject({ id: r.doc.id, judgment: 1 })
    expect(s.metrics["submission"]).toEqual(r.result.submission)
  })

  it("offers a stricter <answer>-letter metric only on request", () => {
    const doc = rows.find((x) => "lvb_acc" in x.result && x.doc.option3 !== "N/A")!.doc
    const right = String.fromCharCode(65 + doc.correct_choice)
    expect(
      task.score(doc, `<think>Alright, Each frame shows it.</think><answer>${right}</answer>`).metrics[
        "lvb_acc_answer_letter"
      ]
    ).toEqual({ parsed: right, correct: true })
    expect(task.score(doc, "no idea").metrics["lvb_acc_answer_letter"]).toEqual({ parsed: "", correct: false })
    expect(task.metrics["lvb_acc_answer_letter"]!.optIn).toBe(true)
    expect(task.metrics["lvb_acc"]!.optIn).toBeUndefined()
    expect(task.headline?.({ lvb_acc: 0.16224 })).toBe(16.224)
  })
})

describe("LongVideoBench documents", () => {
  const read = (root: string) => task.documents(fileReader(task.name, root))

  it("reads the fixture in the release's layout", async () => {
    const docs = await Effect.runPromise(read(fixture))
    expect(docs.length).toBe(10)
    expect(docs[0]).toMatchObject({
      video_id: "86CxyhFV9MI",
      id: "86CxyhFV9MI_0",
      correct_choice: 2,
      option4: "N/A",
      duration_group: 600,
      question_category: "TOS"
    })
    expect(task.media(docs[0]!)).toEqual({ paths: ["videos/86CxyhFV9MI.mp4"] })
    expect(task.breakdown(docs[1]!)).toEqual({
      duration_group: "60",
      question_category: "S2O",
      topic_category: "LC-Lifestyle-Cooking-Recipes"
    })
    expect(new Set(docs.map((d, i) => task.docId(d, i))).size).toBe(10)
    expect(task.docToText(docs[3]!)).toBe(
      `${docs[3]!.question}\nA. Red\nB. Blue\nC. White\nD. Black\n${"Please answer this question based on the visual content."}\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags.`
    )
    expect(task.docToTarget(docs[3]!)).toBe("1")
  })

  it("names the file when it is missing or broken, and the field a document lacks", async () => {
    const empty = mkdtempSync(join(tmpdir(), "lvb-"))
    const missing = await Effect.runPromise(Effect.flip(read(empty)))
    expect(missing).toBeInstanceOf(TaskDataError)
    expect(missing.message).toContain("validation-00000-of-00001.parquet")
    expect(missing.message).toContain("no such file")

    const broken = mkdtempSync(join(tmpdir(), "lvb-"))
    writeFileSync(join(broken, "validation-00000-of-00001.parquet"), "not a parquet file")
    const bad = await Effect.runPromise(Effect.flip(read(broken)))
    expect(bad).toBeInstanceOf(TaskDataError)
    expect(bad.message).toContain("validation-00000-of-00001.parquet")

    const docs = await Effect.runPromise(read(fixture))
    const lacking = docs.map((d, i) =>
      i === 4 ? Object.fromEntries(Object.entries(d).filter(([k]) => k !== "option4")) : d
    )
    const e = await Effect.runPromise(Effect.flip(task.documents(() => Effect.succeed(lacking))))
    expect(e).toBeInstanceOf(TaskDataError)
    expect(e.message).toContain("[4].option4")
  })
})
