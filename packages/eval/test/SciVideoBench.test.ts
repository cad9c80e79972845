import { describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { fileReader, TaskDataError } from "../src/TaskData.ts"
import {
  aggregate,
  defaultPrompts,
  docToTarget,
  docToText,
  judgePrompt,
  processResult,
  task
} from "../src/tasks/SciVideoBench.ts"

// computed by the release's scivideobench task functions (utils.py, judge_utils.py) with Debian's Python
const vectors = JSON.parse(readFileSync(new URL("./vectors/scivideobench.json", import.meta.url), "utf8"))
const rows: Array<any> = vectors.rows
const fixture = new URL("../../../fixtures/benchmarks/scivideobench/", import.meta.url).pathname

const attempt = <A>(f: () => A): { value: A } | { error: string } => {
  try {
    return { value: f() }
  } catch (e) {
    return { error: (e as Error).message }
  }
}

describe("SciVideoBench task, as the reference harness defines it", () => {
  it("uses the YAML's prompt", () => {
    expect(defaultPrompts.postPrompt).toBe(vectors.post_prompt)
  })

  it(`builds the prompt and target of ${rows.length} documents of every shape exactly, failing where the reference fails`, () => {
    const differ = rows.filter((r) => {
      const text = attempt(() => docToText(r.doc))
      if (r.text_error !== undefined) return !("error" in text) || !text.error.startsWith(r.text_error)
      return !("value" in text) || text.value !== r.text || docToTarget(r.doc) !== r.target
    })
    expect(differ).toEqual([])
    expect(rows.filter((r) => r.text_error === "ZeroDivisionError").length).toBeGreaterThan(0)
  })

  it("scores each prediction in rule mode and aggregates by question type and category exactly", () => {
    const scored = rows.filter((r) => r.result !== undefined)
    const results = scored.map((r) => processResult(r.doc, r.prediction))
    expect(results).toEqual(scored.map((r) => r.result))
    expect(JSON.stringify(aggregate(results))).toBe(JSON.stringify(vectors.aggregate))
    expect(JSON.stringify(aggregate([]))).toBe(JSON.stringify(vectors.aggregate_empty))
    // documents whose options the reference cannot format fail in process_results too
    for (const r of rows.filter((r) => r.result_error !== undefined))
      expect(() => processResult(r.doc, r.prediction)).toThrow(/Unsupported options type/)
  })

  it("fills the judge's prompt and takes its verdict exactly", () => {
    const judged = rows.filter((r) => r.judged !== undefined)
    expect(judged.length).toBeGreaterThan(80)
    expect(judged.filter((r) => judgePrompt(r.doc, r.prediction) !== r.judge_prompt)).toEqual([])
    const results = judged.map((r) => processResult(r.doc, r.prediction, r.judgment))
    expect(results).toEqual(judged.map((r) => r.judged))
    expect(JSON.stringify(aggregate(results))).toBe(JSON.stringify(vectors.aggregate_judged))
  })

  it("keeps the documented quirks", () => {
    const doc = {
      video_id: "1",
      question: "",
      options: { B: "y", A: "x" },
      answer: "A",
      question_type: "Conceptual Reasoning",
      discipline: "Physics",
      subject: "Optics",
      video_duration: 300.7
    }
    const text = (question: string) => docToText({ ...doc, question }).split("\n")[0]
    expect(text("see frame 00:00")).toBe("see frame 0frame 0")
    expect(text("from 01:05–1:40 and 123:45")).toBe("from frame 65 to frame 100 and 1frame 1425")
    expect(text("at ٠٢:٢٢ or ０２:３３\u00a0-\u00a002:44")).toBe("at frame 142 or frame 153 to frame 164")
    expect(() => text("at 00:01")).not.toThrow()
    expect(() => docToText({ ...doc, question: "at 00:01", video_duration: 0.5 })).toThrow(/ZeroDivisionError/)
    expect(processResult(doc, "I think it is B").pred_answer).toBe("I")
    expect(processResult(doc, "<answer>A</answer>").category).toBe("UNKNOWN")
    expect(task.breakdown(doc)).toEqual({
      question_type: "Conceptual Reasoning",
      discipline: "Physics",
      subject: "Optics",
      category: "UNKNOWN"
    })
  })
})

describe("SciVideoBench data", () => {
  it("reads the published layout: scivideobench_1k.jsonl, videos jove_<video_id>.mp4", async () => {
    const docs = await Effect.runPromise(task.documents(fileReader(task.name, fixture)))
    expect(docs.length).toBe(10)
    expect(new Set(docs.map((d, i) => task.docId(d, i))).size).toBe(docs.length)
    expect(task.media(docs[0]!)).toEqual({ paths: ["jove_58827.mp4"] })
    expect(task.docToText(docs[0]!).split("\n").slice(0, 2)).toEqual([
      "What is the purpose of transferring the sample between chambers as shown between frame 142 and frame 153?",
      "A. Align the sample with the deposition target"
    ])
    expect(task.docToTarget(docs[0]!)).toBe("D")
    expect(task.generation).toEqual({ maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true })
    const scored = docs.map((d) => task.score(d, `<think>...</think><answer>${task.docToTarget(d)}</answer>`))
    expect(scored.every((s) => s.score === 1)).toBe(true)
  })

  it("names the missing or broken file, and the line and field", async () => {
    const missing = await Effect.runPromise(
      Effect.flip(task.documents(fileReader(task.name, join(fixture, "nowhere"))))
    )
    expect(missing).toBeInstanceOf(TaskDataError)
    expect(missing.message).toMatch(/scivideobench_1k\.jsonl: no such file/)

    const root = mkdtempSync(join(tmpdir(), "scivideobench-"))
    const good = readFileSync(join(fixture, "scivideobench_1k.jsonl"), "utf8").trim().split("\n")
    writeFileSync(join(root, "scivideobench_1k.jsonl"), [good[0], "{not json", good[1]].join("\n"))
    const broken = await Effect.runPromise(Effect.flip(task.documents(fileReader(task.name, root))))
    expect(broken.message).toMatch(/scivideobench_1k\.jsonl:2: not JSON/)

    const noDuration = JSON.parse(good[2]!)
    delete noDuration.video_duration
    writeFileSync(join(root, "scivideobench_1k.jsonl"), [good[0], good[1], JSON.stringify(noDuration)].join("\n"))
    const field = await Effect.runPromise(Effect.flip(task.documents(fileReader(task.name, root))))
    expect(field).toMatchObject({ file: "scivideobench_1k.jsonl", line: 3, field: "video_duration" })
  })
})
