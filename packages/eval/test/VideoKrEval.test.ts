import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { aggregate, docToTarget, docToText, processResult } from "../src/tasks/VideoKrEval.ts"

// computed by the release's videokr_eval task functions (utils.py, rule mode) with Debian's Python
const { rows, aggregate: expected } = JSON.parse(readFileSync(new URL("./vectors/videokr-eval.json", import.meta.url), "utf8"))

describe("VideoKR-Eval task, as the reference harness defines it", () => {
  it("builds the prompt and target of 400 documents of every shape exactly", () => {
    expect(rows.filter((r: any) => docToText(r.doc) !== r.text || docToTarget(r.doc) !== r.target)).toEqual([])
  })

  it("scores each prediction (rule mode) and aggregates by question type, subject and dataset exactly", () => {
    const results = rows.map((r: any) => processResult(r.doc, r.prediction))
    expect(results).toEqual(rows.map((r: any) => r.result))
    expect(JSON.stringify(aggregate(results))).toBe(JSON.stringify(expected))
  })
})
