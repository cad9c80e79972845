import { Effect } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { fileReader, TaskDataError } from "../src/TaskData.ts"
import {
  aggregate,
  defaultPrompts,
  docToTarget,
  docToText,
  extractCharactersRegex,
  judgePrompt,
  processResult,
  task
} from "../src/tasks/VideoMme.ts"

// computed by the release's videomme task functions (utils.py with judge_utils.py) with Debian's Python
const vectors = JSON.parse(readFileSync(new URL("./vectors/videomme.json", import.meta.url), "utf8"))
const fixture = fileURLToPath(new URL("../../../fixtures/benchmarks/videomme/", import.meta.url))

describe("Video-MME task, as the reference harness defines it", () => {
  it("builds the prompt and target of every document exactly", () => {
    expect(vectors.docs.filter((d: any) => docToText(d.doc) !== d.text || docToTarget(d.doc) !== d.target)).toEqual([])
  })

  it("scores each prediction in rule mode exactly", () => {
    const results = vectors.rows.map((r: any) => processResult(vectors.docs[r.doc].doc, r.prediction))
    expect(results).toEqual(vectors.rows.map((r: any) => r.result))
  })

  it("builds the judge's prompt and scores by its verdict (a failed call counts as wrong)", () => {
    for (const j of vectors.judged) {
      const doc = vectors.docs[j.doc].doc
      expect(judgePrompt(doc, j.prediction)).toBe(j.prompt)
      expect(processResult(doc, j.prediction, j.judgment === 1 ? 1 : 0)).toEqual(j.result)
    }
  })

  it("aggregates exactly, raising KeyError where the reference does", () => {
    const rows = vectors.rows.map((r: any) => processResult(vectors.docs[r.doc].doc, r.prediction))
    const judged = vectors.judged.map((j: any) =>
      processResult(vectors.docs[j.doc].doc, j.prediction, j.judgment === 1 ? 1 : 0)
    )
    for (const c of vectors.aggregates) {
      let results = [...(c.rows ?? []).map((i: number) => rows[i]), ...(c.judged ?? []).map((i: number) => judged[i])]
      if (c.dropCorrect) results = results.map(({ correct: _, ...r }: any) => r)
      if (c.error !== undefined) expect(() => aggregate(results), c.name).toThrow(`KeyError: '${c.key}'`)
      else expect(aggregate(results), c.name).toBe(c.value)
    }
    expect(
      task.metrics.videomme_perception_score!.aggregate(vectors.aggregates[0].rows.map((i: number) => rows[i]))
    ).toBe(vectors.aggregate)
  })

  it("reproduces extract_characters_regex (not used by the release's scoring)", () => {
    expect(vectors.extracted.filter((e: any) => extractCharactersRegex(e.prediction) !== e.extracted)).toEqual([])
  })
})

describe("Video-MME data", () => {
  const read = (root: string) => task.documents(fileReader("videomme", root))

  it("reads the fixture in the release's layout", async () => {
    const docs = await Effect.runPromise(read(fixture))
    expect(docs).toHaveLength(12)
    expect(docs[0]).toMatchObject({
      video_id: "001",
      question_id: "001-1",
      videoID: "fixture0001",
      options: ["A. One.", "B. Two.", "C. Three.", "D. Four."],
      answer: "C"
    })
    expect(task.docId(docs[4]!, 4)).toBe("302-2")
    expect(task.media(docs[6]!)).toEqual({ paths: ["data/fixture_655"] })
    expect(task.breakdown(docs[3]!)).toEqual({
      duration: "medium",
      domain: "Sports Competition",
      sub_category: "Basketball",
      task_type: "Counting Problem"
    })
    expect(new Set(docs.map((d, i) => task.docId(d, i))).size).toBe(12)
    expect(task.docToText(docs[0]!)).toBe(
      `How many candles are lit at the start of the video?\nA. One.\nB. Two.\nC. Three.\nD. Four.\n${defaultPrompts.postPrompt}`
    )
    expect(task.score(docs[0]!, "<think>three</think><answer>C</answer>")).toMatchObject({ score: 1, parsed: "C" })
  })

  it("names the missing file", async () => {
    const root = mkdtempSync(join(tmpdir(), "videomme-"))
    const e = await Effect.runPromise(Effect.flip(read(root)))
    expect(e).toBeInstanceOf(TaskDataError)
    expect(e.file).toBe(join(root, "videomme/test-00000-of-00001.parquet"))
    expect(e.reason).toBe("no such file")
  })

  it("names a broken file", async () => {
    const root = mkdtempSync(join(tmpdir(), "videomme-"))
    mkdirSync(join(root, "videomme"))
    writeFileSync(join(root, "videomme/test-00000-of-00001.parquet"), "not parquet")
    const e = await Effect.runPromise(Effect.flip(read(root)))
    expect(e).toBeInstanceOf(TaskDataError)
    expect(e.message).toContain(join(root, "videomme/test-00000-of-00001.parquet"))
  })

  it("names the document and field that is missing", async () => {
    const docs = await Effect.runPromise(read(fixture))
    const broken = docs.map((d, i) =>
      i === 7 ? Object.fromEntries(Object.entries(d).filter(([k]) => k !== "options")) : d
    )
    const e = await Effect.runPromise(Effect.flip(task.documents(() => Effect.succeed(broken))))
    expect(e).toBeInstanceOf(TaskDataError)
    expect(e.file).toBe("videomme/test-00000-of-00001.parquet")
    expect(e.field).toBe("[7].options")
  })
})
