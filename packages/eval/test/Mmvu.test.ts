import { Effect } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { fileReader, TaskDataError } from "../src/TaskData.ts"
import {
  aggregate,
  docToTarget,
  docToText,
  docToTextCot,
  judgePrompt,
  processResult,
  task,
  taskCot
} from "../src/tasks/Mmvu.ts"

// computed by lmms-eval's mmvu task functions (utils.py, with its verification pipeline and a fake judge) with Debian's Python
const vectors = JSON.parse(readFileSync(new URL("./vectors/mmvu.json", import.meta.url), "utf8"))
const { judgePromptHead, docs, rows, aggregates } = vectors as {
  judgePromptHead: string
  docs: Array<{ doc: Record<string, unknown>; text: string; textCot: string; target: string }>
  rows: Array<{
    doc: number
    prediction: string
    judgment: number | null
    judgePrompt: string | null
    result: Record<string, unknown>
  }>
  aggregates: Array<{ name: string; rows: Array<number>; value: number }>
}
const fixtures = fileURLToPath(new URL("../../../fixtures/benchmarks/mmvu/", import.meta.url))

describe("MMVU task, as LMMs-Eval's mmvu task defines it", () => {
  it("builds the prompts (direct and step by step) and the target of 114 documents exactly", () => {
    expect(
      docs.filter(
        (d) => docToText(d.doc) !== d.text || docToTextCot(d.doc) !== d.textCot || docToTarget(d.doc) !== d.target
      )
    ).toEqual([])
  })

  it("scores 2,872 outputs as process_results does, with and without the judge's 1/0", () => {
    const got = rows.map((r) => {
      const { skipped: _, ...payload } = processResult(docs[r.doc]!.doc, r.prediction, r.judgment ?? undefined)
      return payload
    })
    expect(got).toEqual(rows.map((r) => r.result))
  })

  it("asks the judge exactly what the reference asks, and only when the rules reject an open-ended output", () => {
    const got = rows.map((r) => judgePrompt(docs[r.doc]!.doc, r.prediction) ?? null)
    expect(got).toEqual(rows.map((r) => (r.judgePrompt === null ? null : judgePromptHead + r.judgePrompt)))
  })

  it("skips (score null) exactly the outputs that wait for a judge that is not there", () => {
    const skipped = rows.filter(
      (r) => task.score(docs[r.doc]!.doc, r.prediction, r.judgment ?? undefined).score === null
    )
    expect(skipped).toEqual(rows.filter((r) => r.judgePrompt !== null && r.judgment === null))
    const scored = rows.filter((r) => r.judgePrompt === null || r.judgment !== null)
    expect(scored.map((r) => task.score(docs[r.doc]!.doc, r.prediction, r.judgment ?? undefined).score)).toEqual(
      scored.map((r) => r.result.correct)
    )
  })

  it("aggregates as mmvu_aggregate_results_val does", () => {
    const results = rows.map((r) => r.result as { category: string; correct: 0 | 1 })
    for (const a of aggregates) expect([a.name, aggregate(a.rows.map((k) => results[k]!))]).toEqual([a.name, a.value])
    expect(task.metrics.accuracy!.aggregate(results)).toBe(aggregates.find((a) => a.name === "all")!.value)
  })

  it("reads the released validation.json and shows each document's video, prompt and breakdown", async () => {
    const read = await Effect.runPromise(task.documents(fileReader(task.name, fixtures)))
    expect(read.map((d, i) => task.docId(d, i))).toEqual(Array.from({ length: 10 }, (_, i) => `validation_${i}`))
    expect(task.media(read[0]!)).toEqual({ paths: ["videos/Art/0.mp4"] })
    expect(task.breakdown(read[2]!)).toEqual({
      question_type: "open-ended",
      subject: "Computer Science",
      category: "Computer_Science",
      discipline: "Engineering"
    })
    expect(task.docToText(read[3]!)).toContain("\nB: Adiabatic compression\n")
    expect(taskCot.docToText(read[3]!)).toContain("Therefore, the final answer\nis: $LETTER")
    expect(task.docToTarget(read[3]!)).toBe("B")
    expect(task.score(read[3]!, "B", undefined)).toMatchObject({
      score: 1,
      parsed: "B",
      metrics: { accuracy: { category: "Thermodynamics", correct: 1, eval_method: "rule-based" } }
    })
    expect(task.score(read[0]!, "A tracking shot", undefined).score).toBeNull()
    expect(task.score(read[0]!, "A tracking shot", 1).score).toBe(1)
    expect(task.judgePrompt?.(read[0]!, "<think>hmm</think>A tracking shot")).toMatch(
      /\nQuestion: Question: Which cinematic shooting technique is shown in the video\?\nCorrect Answer: Dolly Zoom\nModel Prediction: A tracking shot$/
    )
  })

  it("names the file (and the line or field) when the data is missing or broken", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mmvu-"))
    const fail = (root: string) => Effect.runPromise(Effect.flip(task.documents(fileReader(task.name, root))))
    const missing = await fail(dir)
    expect(missing).toBeInstanceOf(TaskDataError)
    expect(missing.message).toBe(`mmvu_val: ${join(dir, "validation.json")}: no such file`)

    writeFileSync(join(dir, "validation.json"), '[\n  {"id": "validation_0",\n  "question": "x"\n]\n')
    const broken = await fail(dir)
    expect(broken.file).toBe(join(dir, "validation.json"))
    expect(broken.line).toBeTypeOf("number")

    const docs = JSON.parse(readFileSync(join(fixtures, "validation.json"), "utf8")) as Array<Record<string, unknown>>
    writeFileSync(
      join(dir, "validation.json"),
      JSON.stringify(docs.map((d, i) => (i === 4 ? { ...d, question_type: undefined } : d)))
    )
    expect((await fail(dir)).message).toBe(`mmvu_val: validation.json (field [4].question_type): missing`)

    writeFileSync(
      join(dir, "validation.json"),
      JSON.stringify(docs.map((d, i) => (i === 7 ? { ...d, video: undefined } : d)))
    )
    expect((await fail(dir)).message).toBe(`mmvu_val: validation.json (field [7].video): missing (and no video_path)`)
  })
})
