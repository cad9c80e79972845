import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { reward } from "@videokr/core"
import { rewardModulePath } from "../src/RewardModule.ts"
import { runPython } from "./support/python.ts"

/**
 * The reward module a GRPO run folder gets, run by Debian's python3 (with python3-nltk, as the set-up
 * installs them) on the reference's vectors: the release's verl reward function on 1,000 outputs, and
 * Google's rouge_score on 817 pairs (packages/eval/test/vectors, made outside this repository; see its
 * README). Every reward, accuracy and format, and every ROUGE F-measure, must be the same double; and
 * @videokr/eval/reward gives the same on the same lines.
 */
const vectors = fileURLToPath(new URL("../../eval/test/vectors/", import.meta.url))

const lines = (file: string) =>
  readFileSync(`${vectors}${file}`, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l))

const py = runPython(dirname(rewardModulePath))

describe("the reward module of a GRPO run folder (videokr_reward.py, Debian's python3)", () => {
  it("gives the reference's reward, accuracy and format on every vector, as @videokr/eval/reward does", () => {
    const rows = lines("reward.jsonl")
    expect(rows).toHaveLength(1000)
    const got: Array<{ reward: number; accuracy: number; format: number }> = py(
      `import json, sys
from videokr_reward import reward
rows = json.load(sys.stdin)
print(json.dumps([reward(r["output"], r["ground_truth"], r["problem_type"]) for r in rows]))`,
      rows
    )
    const want = rows.map((r) => ({ reward: r.reward, accuracy: r.accuracy, format: r.format }))
    expect(got).toEqual(want)
    // the TypeScript reward on the same lines
    expect(rows.map((r) => reward(r.output, r.ground_truth, r.problem_type))).toEqual(want)
  })

  it("computes ROUGE-1, -2 and -L F-measures as rouge_score does", () => {
    const rows = lines("rouge.jsonl")
    const got: Array<[number, number, number]> = py(
      `import json, sys
from videokr_reward import rouge
print(json.dumps([rouge(r["reference"], r["prediction"]) for r in json.load(sys.stdin)]))`,
      rows
    )
    expect(got).toEqual(rows.map((r) => [r.rouge1.fmeasure, r.rouge2.fmeasure, r.rougeL.fmeasure]))
  })

  it("is verl's custom reward function and TRL's reward function, with their calling conventions", () => {
    const out = py(
      `import json
from videokr_reward import compute_score, videokr_reward
verl = compute_score(data_source="videokr", solution_str="<think>t</think><answer>B</answer>", ground_truth="<answer>B</answer>", extra_info={"problem_type": "multiple choice", "index": 3})
trl = videokr_reward(
    prompts=[[{"role": "user", "content": "q"}]] * 3,
    completions=[[{"role": "assistant", "content": "<think>t</think><answer>B</answer>"}], [{"role": "assistant", "content": [{"type": "text", "text": "<answer>A</answer>"}]}], "<think>t</think> <answer>the cells divide</answer>"],
    solution=["<answer>B</answer>", "<answer>B</answer>", "<answer>cells divide</answer>"],
    problem_type=["multiple choice", "multiple choice", "open-ended"],
    problem_id=["p1", "p2", "p3"],
    trainer_state=None,
)
print(json.dumps({"verl": verl, "trl": trl}))`,
      null
    )
    expect(out.verl).toEqual({ score: 1, accuracy: 1, format: 1 })
    const open = reward(
      "<think>t</think> <answer>the cells divide</answer>",
      "<answer>cells divide</answer>",
      "open-ended"
    )
    expect(out.trl).toEqual([1, 0, open.reward])
  })
})
