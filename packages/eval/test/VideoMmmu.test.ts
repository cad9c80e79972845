import { Effect } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { fileReader, TaskDataError } from "../src/TaskData.ts"
import {
  aggregate,
  docToTarget,
  docToText,
  judgePrompt,
  processResult,
  type SampleResult,
  subtasks,
  task,
  type Track,
  videoPath
} from "../src/tasks/VideoMmmu.ts"

// computed by the release's videommmu task functions (utils.py and judge_utils.py, unchanged) with Debian's Python
const vectors = JSON.parse(readFileSync(new URL("./vectors/videommmu.json", import.meta.url), "utf8"))
const fixture = fileURLToPath(new URL("../../../fixtures/benchmarks/videommmu", import.meta.url))

type Expected = { readonly error: string } | Record<string, unknown>
const isError = (v: unknown): v is { error: string } =>
  typeof v === "object" && v !== null && "error" in v && Object.keys(v).length === 1

/** the reference's value, or the fact that it raised */
const outcome = (f: () => unknown): unknown => {
  try {
    return f()
  } catch {
    return "raised"
  }
}
const expectedOutcome = (v: Expected | string) => (isError(v) ? "raised" : v)
const withoutSubtask = (r: SampleResult) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "_subtask"))
const docs: Array<{
  doc: Record<string, unknown>
  text: Expected | string
  target: Expected | string
  visual: Expected | string
}> = vectors.docs

describe("Video-MMMU task, as the release's harness defines it", () => {
  it("builds the prompt, target and video path of 254 documents of every shape exactly", () => {
    const wrong = docs.filter(
      (d) =>
        JSON.stringify(outcome(() => docToText(d.doc))) !== JSON.stringify(expectedOutcome(d.text)) ||
        JSON.stringify(outcome(() => docToTarget(d.doc))) !== JSON.stringify(expectedOutcome(d.target)) ||
        JSON.stringify(outcome(() => videoPath(d.doc))) !== JSON.stringify(expectedOutcome(d.visual))
    )
    expect(wrong).toEqual([])
    expect(docs.filter((d) => isError(d.text)).length).toBeGreaterThan(0)
  })

  it("scores each prediction (rule mode) exactly, failing where the reference fails", () => {
    const rows: Array<{ doc: number; prediction: string; result: Expected }> = vectors.rows
    const got = rows.map((r) => outcome(() => withoutSubtask(processResult(docs[r.doc]!.doc, r.prediction))))
    expect(got).toEqual(rows.map((r) => expectedOutcome(r.result)))
    for (const r of rows.filter((r) => !isError(r.result)))
      expect(processResult(docs[r.doc]!.doc, r.prediction)._subtask).toBe(subtasks[docs[r.doc]!.doc["track"] as Track])
  })

  const scored = (
    rows: ReadonlyArray<{ doc: number; prediction: string; result: Expected; judgment?: number }>,
    judged = false
  ) =>
    rows
      .filter((r) => !isError(r.result))
      .map((r) => processResult(docs[r.doc]!.doc, r.prediction, judged ? r.judgment : undefined))

  it("aggregates per subtask and for the group (weighted by size) exactly", () => {
    const results = scored(vectors.rows)
    expect(JSON.stringify(aggregate(results))).toBe(JSON.stringify(vectors.aggregate))
    for (const e of vectors.extra)
      expect(JSON.stringify(aggregate(e.indices.map((i: number) => results[i]!))), e.name).toBe(
        JSON.stringify(e.aggregate)
      )
    expect(task.headline?.({ mmmu_acc: aggregate(results) })).toBe(vectors.aggregate.video_mmmu * 100)
  })

  it("with a judge: the judge's prompt, every sample judged, and the aggregation exactly", () => {
    const judged: Array<{
      doc: number
      prediction: string
      judgment: number
      prompt: string | null
      result: Expected
    }> = vectors.judged
    expect(judged.map((j) => outcome(() => judgePrompt(docs[j.doc]!.doc, j.prediction)))).toEqual(
      judged.map((j) => (isError(j.result) ? "raised" : j.prompt))
    )
    expect(
      judged.map((j) => outcome(() => withoutSubtask(processResult(docs[j.doc]!.doc, j.prediction, j.judgment))))
    ).toEqual(judged.map((j) => expectedOutcome(j.result)))
    expect(JSON.stringify(aggregate(scored(judged, true)))).toBe(JSON.stringify(vectors.judgedAggregate))
  })

  it("leaves skipped and unparsed samples out of the breakdown score", () => {
    const doc = docs.find(
      (d) =>
        d.doc["track"] === "Perception" &&
        Array.isArray(d.doc["options"]) &&
        (d.doc["options"] as Array<unknown>).length === 10 &&
        d.doc["question_type"] === "multiple-choice"
    )!.doc
    expect(task.score(doc, "no option here").score).toBeNull()
    expect(task.score(doc, `<answer>${doc["answer"]}</answer>`).score).toBe(1)
    expect(task.generation).toEqual({ maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true })
  })
})

describe("Video-MMMU documents", () => {
  const read = (root: string) => task.documents(fileReader(task.name, root))

  it("reads the three subsets of the fixture in the group's order, each tagged with its track", async () => {
    const all = await Effect.runPromise(read(fixture))
    expect(all.map((d) => d["track"])).toEqual([
      "Adaptation",
      "Adaptation",
      "Adaptation",
      "Adaptation",
      "Comprehension",
      "Comprehension",
      "Comprehension",
      "Perception",
      "Perception",
      "Perception"
    ])
    expect(all[0]).toMatchObject({
      id: "dev_Biology_3",
      answer: "A",
      question_type: "multiple-choice",
      options: expect.arrayContaining(["aldose", "ketose"])
    })
    expect(new Set(all.map((d, i) => task.docId(d, i))).size).toBe(10)
    expect(task.docId(all[0]!, 0)).toBe("Adaptation/dev_Biology_3")
    expect(task.media(all[0]!)).toEqual({ paths: ["Science/dev_Biology_3.mp4"] })
    expect(task.breakdown(all[8]!)).toEqual({
      track: "Perception",
      question_type: "multiple-choice",
      subject: "Geography",
      discipline: "Science"
    })
    // Adaptation's open question: no options, the open-ended prompt, skipped without a judge
    expect(task.docToText(all[3]!)).toBe(
      `The image for this question is at the end of the video.\n${all[3]!["question"]}\nPlease answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only your final answer within the <answer>...</answer> tags.`
    )
    expect(task.score(all[3]!, "<answer>12.97</answer>")).toMatchObject({ score: null, parsed: "SKIPPED_NO_JUDGE" })
    expect(
      task
        .docToText(all[7]!)
        .startsWith(
          `Please ignore the quiz question in the last frame of the video.\n${all[7]!["question"]}\nA. 3, 3\nB. 3, 4\n`
        )
    ).toBe(true)
    expect(task.score(all[7]!, "<think>Seven carbons.</think><answer>G</answer>")).toMatchObject({
      score: 1,
      parsed: "G"
    })
  })

  it("names the file when it is missing or broken, and the field a document lacks", async () => {
    const empty = mkdtempSync(join(tmpdir(), "videommmu-"))
    const missing = await Effect.runPromise(Effect.flip(read(empty)))
    expect(missing).toBeInstanceOf(TaskDataError)
    expect(missing.message).toContain("Adaptation/test-00000-of-00001.parquet")
    expect(missing.message).toContain("no such file")

    const broken = mkdtempSync(join(tmpdir(), "videommmu-"))
    for (const t of ["Adaptation", "Comprehension", "Perception"]) mkdirSync(join(broken, t))
    for (const t of ["Adaptation", "Comprehension"])
      writeFileSync(
        join(broken, t, "test-00000-of-00001.parquet"),
        readFileSync(join(fixture, t, "test-00000-of-00001.parquet"))
      )
    writeFileSync(join(broken, "Perception", "test-00000-of-00001.parquet"), "not a parquet file")
    const bad = await Effect.runPromise(Effect.flip(read(broken)))
    expect(bad).toBeInstanceOf(TaskDataError)
    expect(bad.message).toContain("Perception/test-00000-of-00001.parquet")

    const all = await Effect.runPromise(read(fixture))
    const lacking = (file: string) =>
      all
        .filter((d) => file.startsWith(String(d["track"])))
        .map((d, i) => (i === 1 ? Object.fromEntries(Object.entries(d).filter(([k]) => k !== "question_type")) : d))
    const e = await Effect.runPromise(Effect.flip(task.documents((file) => Effect.succeed(lacking(file)))))
    expect(e).toBeInstanceOf(TaskDataError)
    expect(e.message).toContain("Adaptation/test-00000-of-00001.parquet")
    expect(e.message).toContain("[1].question_type")
  })
})
