import { describe, expect, it } from "vitest"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { fileReader } from "../src/TaskData.ts"
import { task as videoKrEval } from "../src/tasks/VideoKrEval.ts"

const dir = mkdtempSync(join(tmpdir(), "videokr-taskdata-"))
const failure = (task: string, file: string) => Effect.runPromise(Effect.flip(fileReader(task, dir)(file)))

describe("reading a task's released files", () => {
  it("names the file and line of a JSON line that does not parse", async () => {
    writeFileSync(join(dir, "bad.jsonl"), '{"id": 1}\n\n{"id": 2,\n')
    const e = await failure("videokr_eval", "bad.jsonl")
    expect(e.message).toBe(
      `videokr_eval: ${join(dir, "bad.jsonl")}:3: not JSON: ${e.reason.replace(/^not JSON: /, "")}`
    )
    expect(e.line).toBe(3)
  })

  it("names a missing file, and a JSON file that is not an array of objects", async () => {
    expect((await failure("mmvu_val", "validation.json")).message).toBe(
      `mmvu_val: ${join(dir, "validation.json")}: no such file`
    )
    writeFileSync(join(dir, "obj.json"), '[{"a": 1}, 2]')
    expect((await failure("mmvu_val", "obj.json")).message).toMatch(
      /obj\.json \(field \[1\]\): each document must be a JSON object/
    )
  })

  it("names the line and field of a document that lacks a required field", async () => {
    writeFileSync(
      join(dir, "VideoKR_eval.jsonl"),
      '{"video_path": "a.mp4", "question": "q"}\n{"question": "no video"}\n'
    )
    const e = await Effect.runPromise(Effect.flip(videoKrEval.documents(fileReader("videokr_eval", dir))))
    expect(e.message).toBe(`videokr_eval: VideoKR_eval.jsonl:2 (field video_path): missing`)
  })

  it("reads parquet through DuckDB, lists and numbers as JSON has them", async () => {
    const docs = await Effect.runPromise(
      fileReader(
        "videomme",
        new URL("../../../fixtures/benchmarks/videomme", import.meta.url).pathname
      )("videomme/test-00000-of-00001.parquet")
    )
    expect(docs.length).toBeGreaterThan(0)
    expect(Array.isArray(docs[0]!["options"])).toBe(true)
  })
})
