import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { aggregate, docToTarget, docToText, processResult } from "../src/tasks/VideoKrEval.ts"

// computed by the release's videokr_eval task functions (utils.py, rule mode) with Debian's Python
const { rows, aggregate: expected } = JSON.parse(
  readFileSync(new URL("./vectors/videokr-eval.json", import.meta.url), "utf8")
)

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

describe("VideoKR-Eval's opt-in strict metric", () => {
  const doc = {
    question: "q",
    options: ["A. x", "B. y", "C. z"],
    problem_type: "multiple choice",
    solution: "<answer>B</answer>"
  }
  it("counts only one tagged capital letter naming an offered option", async () => {
    const { strictResult, strictAggregate } = await import("../src/tasks/VideoKrEval.ts")
    const outputs = [
      "<think>t</think><answer>B</answer>",
      "<answer> B </answer>",
      "<answer>b</answer>",
      "<answer>The answer is B</answer>",
      "B",
      "<answer>B</answer><answer>B</answer>",
      "<answer>D</answer>",
      "<answer>A</answer>"
    ]
    expect(outputs.map((o) => strictResult(doc, o).correct)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false
    ])
    expect(strictResult(doc, "<answer>D</answer>").letter).toBeNull()
    expect(strictAggregate(outputs.map((o) => strictResult(doc, o)))).toEqual({
      strict_acc: 25,
      multiple_choice_examples: 8
    })
    expect(
      strictResult({ question: "q", problem_type: "open-ended", solution: "x" }, "<answer>x</answer>").multiple_choice
    ).toBe(false)
  })
})
