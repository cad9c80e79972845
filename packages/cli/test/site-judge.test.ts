import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { writeSubmission } from "@videokr/eval/testing"
import { chatCompletionReply, type LoopbackServer, startLoopbackServer } from "@videokr/providers/testing"
import { initWithSampleData } from "./support/cli.ts"
import { videokr, videokrAsync } from "./support/pipeline.ts"

const repo = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The board's judge: a submission's open-ended VideoKR-Eval answers judged by a loopback judge speaking
 * the OpenAI wire protocol (`videokr site judge`), the verdicts stored beside the submissions and used by
 * `videokr site build` without a key; without them the board shows the answers as awaiting the judge.
 * The judge reads the reference's fair-evaluator prompt and answers 1 when the prediction is the ground
 * truth (or, once asked to, the opposite: a second judging to compare).
 */
let judge: LoopbackServer
let contrary = false
const judgePrompts: Array<string> = []

const between = (text: string, from: string, to: string) => {
  const i = text.indexOf(from)
  return i < 0 ? undefined : text.slice(i + from.length, text.indexOf(to, i + from.length)).trim()
}

beforeAll(async () => {
  judge = await startLoopbackServer(
    chatCompletionReply((body: any) => {
      const prompt = String(body.messages[0].content)
      judgePrompts.push(prompt)
      // the ground truth as the release writes it, in answer tags
      const truth = between(prompt, "Ground Truth Answer:\n", "\nModel Prediction:")?.replace(/<\/?answer>/g, "")
      const prediction = between(prompt, "Model Prediction:\n", "\n#")
      return (truth === prediction) !== contrary ? "1" : "0"
    })
  )
  // the judge's first request meets an outage: retried, it costs time and no verdict
  judge.faults.push({ kind: "status", status: 503, body: { error: { message: "overloaded" } } })
})
afterAll(() => judge?.close())

/** The pinned judge: a dated model on the loopback server (an OpenAI-compatible model's id names its server). */
const judgeId = () => `openai-compatible:${judge.url}/v1#judge-2026-01-15`

const answers: Record<string, string> = {
  "vkr-phys-0001": "B",
  "vkr-chem-0002": "A",
  "vkr-bio-0003": "Metaphase", // open-ended, right
  "vkr-eng-0004": "B",
  "vkr-econ-0005": "A",
  "vkr-math-0006": "3" // open-ended, wrong (the truth is 2)
}

const project = () => {
  const p = initWithSampleData(mkdtempSync(join(tmpdir(), "videokr-judge-")))
  expect(
    videokr(p, "import", "data/knowledge-bank.jsonl", "data/seeds.jsonl", "data/videos.jsonl", "data/examples.jsonl")
      .code
  ).toBe(0)
  const config = {
    eval: { data: { videokr_eval: join(repo, "fixtures/benchmarks/videokr_eval") } },
    site: { judge: judgeId() }
  }
  writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
  writeSubmission(
    join(p, "submissions", "lab", "alpha"),
    { model: "Alpha-VL" },
    Object.entries(answers).map(([id, a]) => ({
      task: "videokr_eval",
      id,
      output: `<think>t</think><answer>${a}</answer>`
    }))
  )
  return p
}

/** A built page's text (its markup dropped). */
const pageText = (p: string, site: string, page: string) =>
  readFileSync(join(p, site, page, "index.html"), "utf8")
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
const modelPage = (p: string, site: string) => pageText(p, site, "models/lab-alpha")

describe("videokr site judge", () => {
  it("judges the open-ended answers once, stores the verdicts, and the board scores them without a key", async () => {
    const p = project()
    const r = await videokrAsync(p, "site", "judge")
    expect(r.stderr).not.toContain("Error")
    expect(r.code).toBe(0)
    // the two open-ended answers, asked with the reference's prompt; the outage cost one retry
    expect(judgePrompts.filter((t) => t.startsWith("You are a fair evaluator"))).toHaveLength(2)
    expect(judge.counters.injected.status).toBe(1)
    expect(r.stdout).toMatch(/lab\/alpha\s+2\s+0\s+2\s+0\s+0/)
    const lines = readFileSync(join(p, "verdicts", "lab", "alpha.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines.map((v) => [v.id, v.verdict, v.judge])).toEqual([
      ["vkr-bio-0003", 1, judgeId()],
      ["vkr-math-0006", 0, judgeId()]
    ])
    expect(lines.every((v) => /^[0-9a-f]{32}$/.test(v.key) && /^[0-9a-f]{12}$/.test(v.prompt))).toBe(true)

    // a second run asks nothing: every output has its verdict
    const asked = judgePrompts.length
    expect((await videokrAsync(p, "site", "judge")).code).toBe(0)
    expect(judgePrompts.length).toBe(asked)

    // the build asks no judge: it reads the stored verdicts
    const built = await videokrAsync(p, "site", "build", "--out", "site")
    expect(built.code).toBe(0)
    // 4 multiple-choice answers right by the rules, 1 of 2 open-ended right by the judge: 5 of 6
    const page = modelPage(p, "site")
    // samples, scored, by the judge, awaiting the judge, skipped
    expect(page).toMatch(/VideoKR-Eval 83\.3 n=6, too few for an interval 6 6 2 0 0 /)
    expect(page).toContain("2 verdict(s) used.")
    // the board ranks it by that score (the model and its organisation, then VideoKR-Eval)
    expect(pageText(p, "site", ".")).toMatch(/1 Alpha-VL \(v1\) Lab 83\.3 /)
    expect(judgePrompts.length).toBe(asked)
    expect(readFileSync(join(p, "site", "index.html"), "utf8")).toContain("judge-2026-01-15")

    // without the stored verdicts the board shows the open-ended answers as awaiting the judge, scored on the rest
    rmSync(join(p, "verdicts"), { recursive: true })
    expect((await videokrAsync(p, "site", "build", "--out", "site")).code).toBe(0)
    const waiting = modelPage(p, "site")
    expect(waiting).toMatch(/VideoKR-Eval 100\.0 n=4, too few for an interval 6 4 0 2 2 /)
    expect(waiting).toContain("0 verdict(s) used, 2 output(s) awaiting judge and not counted yet")
  })

  it("re-judges into another folder and compares the two judgings", async () => {
    const p = project()
    expect((await videokrAsync(p, "site", "judge")).code).toBe(0)
    contrary = true
    try {
      const again = await videokrAsync(p, "site", "judge", "--verdicts", "rejudged", "--refresh")
      expect(again.code).toBe(0)
    } finally {
      contrary = false
    }
    const diff = await videokrAsync(p, "site", "judge", "diff", "verdicts", "rejudged")
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain("2 output(s) judged in both: 0 agree (0.0%), 2 differ; 0 only in")
    expect(diff.stdout).toMatch(
      /videokr_eval\s+vkr-bio-0003\s+lab\/alpha\s+1 \(openai-compatible:\S+#judge-2026-01-15\)\s+0 \(/
    )
    // two judges' verdicts side by side: the board needs its judge pinned to choose
    const other = readFileSync(join(p, "rejudged", "lab", "alpha.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .map((v) => JSON.stringify({ ...v, key: `0${v.key.slice(1)}`, judge: "openai:another-judge" }))
    writeFileSync(join(p, "verdicts", "lab", "other.jsonl"), other.join("\n") + "\n")
    const config = JSON.parse(readFileSync(join(p, "videokr.config.ts"), "utf8").replace(/^export default /, ""))
    delete config.site
    writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config)}\n`)
    const built = await videokrAsync(p, "site", "build", "--out", "site")
    expect(built.code).not.toBe(0)
    expect(built.stderr).toContain("pin the board's judge with site.judge")
    expect(existsSync(join(p, "site"))).toBe(false)
  })

  it("names the file, line and field of a bad verdict, and asks for a judge when none is pinned", async () => {
    const p = project()
    mkdirSync(join(p, "verdicts", "lab"), { recursive: true })
    writeFileSync(join(p, "verdicts", "lab", "alpha.jsonl"), `{"key":"k","task":"videokr_eval"}\n`)
    const built = await videokrAsync(p, "site", "build", "--out", "site")
    expect(built.code).not.toBe(0)
    expect(built.stderr).toContain(`${join(p, "verdicts", "lab", "alpha.jsonl")}:1: field "id"`)
    const config = JSON.parse(readFileSync(join(p, "videokr.config.ts"), "utf8").replace(/^export default /, ""))
    delete config.site
    writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config)}\n`)
    const none = await videokrAsync(p, "site", "judge")
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain("no judge: pin the board's judge with site.judge")
  })
})
