import { describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { fileReader, TaskDataError } from "../src/TaskData.ts"
import {
  aggregate,
  docToTarget,
  docToText,
  documentsOf,
  judgePrompt,
  processResult,
  subtaskAccuracies,
  subtasks,
  task,
  type Payload
} from "../src/tasks/MvBench.ts"

// computed by the release's mvbench task functions (utils.py, judge_utils.py) with Debian's Python
const { rows, aggregates } = JSON.parse(readFileSync(new URL("./vectors/mvbench.json", import.meta.url), "utf8"))
const fixture = new URL("../../../fixtures/benchmarks/mvbench", import.meta.url).pathname

describe("MVBench task, as the reference harness defines it", () => {
  it("builds the prompt, target and video path of every document exactly", () => {
    expect(
      rows.filter(
        (r: any) =>
          docToText(r.doc) !== r.text || docToTarget(r.doc) !== r.target || task.media(r.doc).paths[0] !== r.media
      )
    ).toEqual([])
    expect(rows.every((r: any) => Object.keys(task.media(r.doc)).join() === "paths")).toBe(true)
  })

  it("scores each prediction in rule mode exactly", () => {
    expect(rows.map((r: any) => processResult(r.doc, r.prediction))).toEqual(rows.map((r: any) => r.result))
  })

  it("fills the judge's prompt and keeps its verdict exactly", () => {
    const judged = rows.filter((r: any) => r.judge !== undefined)
    expect(judged.length).toBeGreaterThan(50)
    expect(judged.filter((r: any) => judgePrompt(r.doc, r.prediction) !== r.judge.prompt)).toEqual([])
    const verdict = (o: unknown) => (typeof o === "number" ? o : undefined === o ? undefined : Number.NaN)
    expect(judged.map((r: any) => processResult(r.doc, r.prediction, verdict(r.judge.outcome)))).toEqual(
      judged.map((r: any) => r.judge.result)
    )
  })

  it("aggregates each subtask and the group (weighted by size) exactly", () => {
    const payloads: Array<Payload> = rows.map((r: any) => task.score(r.doc, r.prediction).metrics.mvbench_accuracy)
    expect(payloads.some((p) => p.pred_answer === "")).toBe(true)
    for (const a of aggregates) {
      const picked = a.rows === "all" ? payloads : a.rows.map((i: number) => payloads[i]!)
      expect(Object.fromEntries(subtaskAccuracies(picked).map((s) => [s.subtask, s.accuracy]))).toEqual(a.subtasks)
      expect(task.metrics.mvbench_accuracy!.aggregate(picked)).toBe(a.group)
      expect(aggregate(picked)).toBe(a.group)
      expect(task.headline!({ mvbench_accuracy: aggregate(picked) })).toBe(a.group)
    }
    expect(aggregate([])).toBeUndefined()
    expect(task.headline!({ mvbench_accuracy: aggregate([]) })).toBeUndefined()
  })

  it("gives per-sample scores whose mean per subtask is the subtask's accuracy", () => {
    const bySubtask = new Map<string, Array<number>>()
    for (const r of rows) {
      const s = task.score(r.doc, r.prediction).score
      if (s !== null)
        bySubtask.set(task.breakdown(r.doc).task_type!, [...(bySubtask.get(task.breakdown(r.doc).task_type!) ?? []), s])
    }
    for (const [sub, scores] of bySubtask)
      expect((100 * scores.reduce((a, b) => a + b, 0)) / scores.length).toBe(aggregates[0].subtasks[sub])
  })
})

describe("MVBench documents", () => {
  const read = fileReader("mvbench", fixture)

  it("reads json/<subtask>.json in the group's order, tagging each document with its subtask", async () => {
    const docs = await Effect.runPromise(
      documentsOf(
        read,
        ["fine_grained_pose", "action_sequence", "object_shuffle", "episodic_reasoning"].sort(
          (a, b) => subtasks.indexOf(a as any) - subtasks.indexOf(b as any)
        ) as any
      )
    )
    expect(docs.map((d) => task.docId(d, 0))).toEqual([
      "action_sequence/0",
      "action_sequence/1",
      "action_sequence/2",
      "episodic_reasoning/0",
      "episodic_reasoning/1",
      "episodic_reasoning/2",
      "object_shuffle/0",
      "object_shuffle/1",
      "object_shuffle/2",
      "fine_grained_pose/0",
      "fine_grained_pose/1",
      "fine_grained_pose/2"
    ])
    expect(docs[2]).toMatchObject({
      video: "USNP1_1.2999999999999998_15.4.mp4",
      start: 1.2999999999999998,
      end: 15.4,
      answer: "The phone/camera."
    })
    expect(task.media(docs[2]!)).toEqual({ paths: ["star/Charades_segment/USNP1_1.2999999999999998_15.4.mp4"] })
    expect(task.media(docs[3]!).paths).toEqual(["tvqa/video_fps3_hq_segment/s03e01_seg02_clip_00_3.0_14.5.mp4"])
    expect(task.media(docs[9]!).paths).toEqual(["nturgbd_convert/S013C002P015R002A060_rgb.mp4"])
    expect(task.breakdown(docs[6]!)).toEqual({ task_type: "object_shuffle" })
    expect(task.docToTarget(docs[2]!)).toBe("The phone/camera.")
    expect(task.score(docs[2]!, "<answer>D</answer>").score).toBe(1)
  })

  it("reads all twenty subtasks of the released layout", async () => {
    const docs = await Effect.runPromise(task.documents(read))
    expect(new Set(docs.map((d) => task.breakdown(d)["task_type"]))).toEqual(new Set(subtasks))
  })

  it("fails on the first missing subtask file, naming it (the benchmark would be incomplete)", async () => {
    const partial = mkdtempSync(join(tmpdir(), "mvbench-partial-"))
    mkdirSync(join(partial, "json"))
    for (const s of ["action_sequence", "episodic_reasoning"])
      writeFileSync(join(partial, "json", `${s}.json`), readFileSync(join(fixture, "json", `${s}.json`)))
    const error = await Effect.runPromise(Effect.flip(task.documents(fileReader("mvbench", partial))))
    expect(error).toBeInstanceOf(TaskDataError)
    expect(error.file).toBe(join(partial, "json/moving_count.json"))
    expect(error.message).toContain("no such file")
  })

  it("names the file and field of a broken document", async () => {
    const root = mkdtempSync(join(tmpdir(), "mvbench-"))
    mkdirSync(join(root, "json"))
    const write = (docs: unknown) =>
      writeFileSync(join(root, "json", "action_sequence.json"), typeof docs === "string" ? docs : JSON.stringify(docs))
    const first = () => Effect.runPromise(Effect.flip(documentsOf(fileReader("mvbench", root), ["action_sequence"])))
    write([
      { video: "a.mp4", question: "q", candidates: ["x"], answer: "x" },
      { video: "b.mp4", question: "q", answer: "x" }
    ])
    expect(await first()).toMatchObject({
      file: "json/action_sequence.json",
      field: "[1].candidates",
      reason: "missing"
    })
    write([{ video: "a.mp4", question: "q", candidates: "x, y", answer: "x" }])
    expect(await first()).toMatchObject({
      file: "json/action_sequence.json",
      field: "[0].candidates",
      reason: "must be a list"
    })
    write('[\n{"video": "a.mp4",\n oops}\n]')
    expect(await first()).toMatchObject({ file: join(root, "json/action_sequence.json"), line: 3 })
  })
})
