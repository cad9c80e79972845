import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { videokrNodeArgs } from "./support/cli.ts"

const videokr = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const vectors = (name: string) => fileURLToPath(new URL(`../../eval/test/vectors/${name}`, import.meta.url))
const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))

describe("videokr score", () => {
  it("prints rouge_score's ROUGE for {prediction, reference} lines, exactly", () => {
    const r = videokr("score", vectors("rouge.jsonl"))
    expect(r.code).toBe(0)
    const expected = lines(readFileSync(vectors("rouge.jsonl"), "utf8")).map((v) => ({
      rouge1: v.rouge1,
      rouge2: v.rouge2,
      rougeL: v.rougeL
    }))
    expect(lines(r.stdout)).toEqual(expected)
  })

  it("prints the verl reward function's format, accuracy and reward for {output, ground_truth, problem_type} lines", () => {
    const r = videokr("score", vectors("reward.jsonl"))
    expect(r.code).toBe(0)
    const expected = lines(readFileSync(vectors("reward.jsonl"), "utf8"))
    expect(lines(r.stdout).map((o) => ({ format: o.format, accuracy: o.accuracy, reward: o.reward }))).toEqual(
      expected.map((v) => ({ format: v.format, accuracy: v.accuracy, reward: v.reward }))
    )
    expect(lines(r.stdout)[0]).toHaveProperty("rougeL.fmeasure")
  })

  it("stops at a bad line, naming file, line and field", () => {
    const file = join(mkdtempSync(join(tmpdir(), "videokr-score-")), "in.jsonl")
    writeFileSync(
      file,
      `{"prediction": "a b", "reference": "a"}\n\n{"output": "<answer>A</answer>", "ground_truth": "<answer>A</answer>"}\n`
    )
    const r = videokr("score", file)
    expect(r.code).toBe(1)
    expect(lines(r.stdout)).toHaveLength(1)
    expect(r.stderr).toContain(`${file}:3: field "problem_type": expected "multiple choice" or "open-ended"`)
    writeFileSync(file, "not json\n")
    expect(videokr("score", file).stderr).toContain(`${file}:1: not JSON`)
  })
})
