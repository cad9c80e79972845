import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { dateId, lmmsModelName, pyJsonLine, readLmmsOutput, sanitizeModelName } from "../src/LmmsOutput.ts"
import { parseJudgeReply } from "../src/Judge.ts"
import { parseBinaryResponse } from "../src/tasks/Mmvu.ts"

// written by LMMs-Eval's own saving code (the VideoKR release's evaluation_tracker.py, run with Debian's Python)
const fixture = new URL("./fixtures/lmms-output", import.meta.url).pathname

describe("the LMMs-Eval output layout", () => {
  it("names the model's folder as sanitize_model_name does", () => {
    expect(sanitizeModelName("Qwen/Qwen2.5-VL-7B-Instruct")).toBe("Qwen__Qwen2.5-VL-7B-Instruct")
    expect(sanitizeModelName("/ckpt/run1/checkpoint-500")).toBe("run1__checkpoint-500")
    expect(sanitizeModelName("demo-model")).toBe("demo-model")
    expect(sanitizeModelName("/ckpt/run1/")).toBe("run1__")
    expect(sanitizeModelName('a/b:<>"c')).toBe("a__b__c")
    expect(lmmsModelName("openai-compatible:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct")).toBe(
      "Qwen/Qwen2.5-VL-7B-Instruct"
    )
    expect(lmmsModelName("openai:gpt-4o")).toBe("gpt-4o")
  })

  it("dates a run as %Y%m%d_%H%M%S in Singapore time, as the reference's default time zone", () => {
    expect(dateId(new Date("2026-05-30T02:15:30Z"))).toBe("20260530_101530")
    expect(dateId(new Date("2026-12-31T20:00:00Z"))).toBe("20270101_040000")
  })

  it("writes sample lines byte for byte as json.dumps(ensure_ascii=False) does", () => {
    const file = readdirSync(join(fixture, "demo-model")).find((f) => f.endsWith("_samples_videokr_eval.jsonl"))!
    const lines = readFileSync(join(fixture, "demo-model", file), "utf8")
      .split("\n")
      .filter(Boolean)
    expect(lines.length).toBe(3)
    for (const line of lines) expect(pyJsonLine(JSON.parse(line))).toBe(line)
  })

  it("reads a results folder: every task's metrics and its logged samples", async () => {
    const [run] = await Effect.runPromise(readLmmsOutput(fixture))
    expect(run!.modelName).toBe("demo-model")
    expect(run!.date).toBe("20260530_101530")
    const byTask = Object.fromEntries(run!.tasks.map((t) => [t.task, t]))
    expect(Object.keys(byTask).sort()).toEqual(["mmvu_val", "videokr_eval"])
    expect(byTask["mmvu_val"]!.metrics).toEqual({ accuracy: 50 })
    expect((byTask["videokr_eval"]!.metrics["videokr_eval_acc"] as any).overall_acc).toBe(50)
    expect(byTask["videokr_eval"]!.samples.map((s) => s.docId)).toEqual([0, 1, 2])
    expect(byTask["videokr_eval"]!.samples[0]!.output).toContain("<answer>A</answer>")
    expect(byTask["videokr_eval"]!.nSamples).toEqual({ original: 3, effective: 3 })
  })

  it("says what is wrong with a folder that holds no results", async () => {
    const error = await Effect.runPromise(Effect.flip(readLmmsOutput(new URL("./vectors", import.meta.url).pathname)))
    expect(error.message).toMatch(/no \*_results\.json/)
  })
})

describe("the judges' reply protocols", () => {
  it("VideoKR's judge: any 1 in the reply counts as correct (parse_binary_response, output_format 0/1)", () => {
    expect(["1", " 1\n", "10", "0.1", "Score: 0 (not 1)", "[1]"].map(parseJudgeReply)).toEqual([1, 1, 1, 1, 1, 1])
    expect(["0", "", "yes", "correct"].map(parseJudgeReply)).toEqual([0, 0, 0, 0])
  })

  it("MMVU's verifier: INCORRECT wins, then CORRECT, then correct/yes/true/1 anywhere", () => {
    expect(["1", "Correct", "yes", "TRUE", "[1]"].map(parseBinaryResponse)).toEqual([true, true, true, true, true])
    expect(
      ["0", "incorrect", "Incorrect, though 1 step was right", "NOT_ATTEMPTED", "no"].map(parseBinaryResponse)
    ).toEqual([false, false, false, false, false])
  })
})
