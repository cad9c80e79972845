import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { Effect } from "effect"
import { testVideos } from "@videokr/core/testing"
import { fileReader, tasks } from "@videokr/eval"
import { benchmarkSamples, stageBenchmarkSamples } from "../src/BenchmarkSample.ts"
import { sampleDir } from "../src/SampleProject.ts"
import {
  images,
  query,
  type Servers,
  startModelServers,
  startVideokr,
  videokr,
  videokrAsync
} from "./support/pipeline.ts"

/**
 * `videokr eval` end to end: the seven benchmarks' sample files in their published layouts, a generated
 * video at every path their documents name (one left missing), a model and a judge on loopback servers
 * speaking the OpenAI and Anthropic wire protocols; results in the LMMs-Eval layout, rows in the store,
 * resume, a SIGKILL, single-frame runs, import, and the reports.
 */
const open: Array<Servers> = []
afterAll(() => Promise.all(open.map((s) => s.close())))

let servers: Servers
let dir: string
let model: string
const mainTasks = Object.keys(benchmarkSamples)

const modelRequests = () => servers.openai.requests.filter((r) => (r.body as any)?.model !== undefined)

/** A project whose eval.data points at the staged benchmark samples; the judge is Claude on the Anthropic server. */
const writeProject = async (root: string, on: Servers) => {
  const p = join(root, "p")
  expect(videokr(root, "init", "p", "--template", "minimal").code).toBe(0)
  const clips = testVideos()
  const roots = await Effect.runPromise(
    stageBenchmarkSamples(
      join(p, "benchmarks"),
      [clips.base!, clips.life!, clips.mandelbrot!, clips.bars!],
      (task, path) => task === "videokr_eval" && path.includes("integral_0006")
    )
  )
  const config = {
    models: { providers: { anthropic: { baseURL: on.anthropic.url, apiKeyEnv: "E2E_ANTHROPIC_KEY" } } },
    eval: {
      data: Object.fromEntries(Object.entries(roots).map(([t, d]) => [t, relative(p, d)])),
      judge: "anthropic:claude-judge",
      frames: { maxFrames: 4, maxPixels: 160 * 120 },
      concurrency: 4
    }
  }
  writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
  // the knowledge bank names each subject's discipline: the breakdown by discipline comes from it
  expect(videokr(p, "import", join(sampleDir, "knowledge-bank.jsonl")).code).toBe(0)
  return p
}

const resultsFiles = (p: string) => {
  const folder = join(p, "eval-results", "qwen2.5-vl-7b")
  return readdirSync(folder)
    .sort()
    .map((f) => join(folder, f))
}

const documentsOf = (name: string) =>
  Effect.runPromise(tasks[name]!.documents(fileReader(name, join(dir, "benchmarks", benchmarkSamples[name]!))))

beforeAll(async () => {
  servers = await startModelServers()
  open.push(servers)
  dir = await writeProject(mkdtempSync(join(tmpdir(), "videokr-eval-e2e-")), servers)
  model = `openai-compatible:${servers.openai.url}/v1#qwen2.5-vl-7b`
})

describe("videokr eval on the seven benchmarks", () => {
  it("asks every document with its frames and prompt, scores it by its task's rules and the judge, and writes the LMMs-Eval layout", async () => {
    const r = await videokrAsync(dir, "eval", "--model", model, "--quiet")
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    for (const t of mainTasks) expect(r.stdout).toContain(t)
    expect(r.stdout).toMatch(
      /videokr_eval: 1 sample\(s\) not answered, left out of the score; first: vkr-math-0006: video not found: tried .*integral_0006\.mp4/
    )

    // one results file and a samples file per task, in the model's folder
    const files = resultsFiles(dir)
    const results = JSON.parse(readFileSync(files.find((f) => f.endsWith("_results.json"))!, "utf8"))
    expect(Object.keys(results.results).sort()).toEqual([...mainTasks].sort())
    expect(Object.keys(results).slice(0, 11)).toEqual([
      "results",
      "group_subtasks",
      "configs",
      "versions",
      "n-shot",
      "higher_is_better",
      "n-samples",
      "config",
      "git_hash",
      "date",
      "task_hashes"
    ])
    expect(results.model_name).toBe("qwen2.5-vl-7b")
    expect(results.results.videokr_eval["videokr_eval_acc,none"].evaluation_mode).toBe("vlm_judge")
    expect(results.results.videokr_eval["videokr_eval_acc_stderr,none"]).toBe("N/A")
    for (const name of mainTasks) {
      const docs = await documentsOf(name)
      const lines = readFileSync(files.find((f) => f.endsWith(`_samples_${name}.jsonl`))!, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      const errors = name === "videokr_eval" ? 1 : 0
      expect(lines.length).toBe(docs.length - errors)
      expect(results["n-samples"][name]).toEqual({ original: docs.length, effective: docs.length - errors })
      // what was asked is what the task's prompt says, and the sample line keeps it
      for (const line of lines) expect(line.input).toBe(tasks[name]!.docToText(docs[line.doc_id]!))
      const own = results.videokr.tasks[name]
      expect(own.counts.samples).toBe(docs.length)
      expect(own.breakdowns.overall.num).toBe(own.counts.scored)
      expect(own.record.model).toEqual({
        id: model,
        provider: "openai-compatible",
        endpoint: `${servers.openai.url}/v1`,
        name: "qwen2.5-vl-7b"
      })
      expect(own.record.frames).toEqual({ fps: 2, maxFrames: 4, minFrames: 4, maxPixels: 19200 })
      expect(own.record.promptTemplateHash).toMatch(/^[0-9a-f]{64}$/)
      expect(own.record.decoder.ffmpeg).toMatch(/ffmpeg version/)
    }
    // every breakdown the tasks report is in the file
    expect(Object.keys(results.videokr.tasks.videomme.breakdowns)).toEqual(
      expect.arrayContaining(["overall", "duration", "domain", "sub_category", "task_type"])
    )
    expect(Object.keys(results.videokr.tasks.mvbench.breakdowns.task_type)).toHaveLength(20)
    expect(Object.keys(results.videokr.tasks.videokr_eval.breakdowns)).toEqual(
      expect.arrayContaining(["question_type", "subject", "dataset", "discipline"])
    )
    expect(Object.keys(results.videokr.tasks.videokr_eval.breakdowns.discipline)).toEqual(
      expect.arrayContaining(["Natural Sciences"])
    )

    // the model saw at most 4 frames per question; the judge (Anthropic) was asked with the reference's parameters
    const asked = modelRequests()
    expect(asked.length).toBeGreaterThan(80)
    expect(asked.every((q) => images(q.body) >= 1 && images(q.body) <= 4)).toBe(true)
    const judged = servers.anthropic.requests.map((q) => q.body as any)
    expect(judged.length).toBeGreaterThan(0)
    expect(
      judged.filter(
        (b) =>
          b.messages[0].content.includes?.("You are a fair evaluator") ||
          JSON.stringify(b.messages).includes("fair evaluator")
      )[0]
    ).toMatchObject({ temperature: 1, max_tokens: 256 })

    // a row per task in the store, and the key in no file
    const rows = await query(
      join(dir, "corpus.duckdb"),
      "SELECT task, source, mode, samples::INT AS samples, errors::INT AS errors, score FROM eval_results ORDER BY task"
    )
    expect(rows.map((x) => x.task)).toEqual([...mainTasks].sort())
    expect(rows.every((x) => x.source === "run" && x.mode === "video" && typeof x.score === "number")).toBe(true)
    expect(rows.find((x) => x.task === "videokr_eval")!.errors).toBe(1)
    const all = (d: string): Array<string> =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? all(join(d, e.name)) : [join(d, e.name)]
      )
    expect(all(dir).filter((f) => readFileSync(f).includes("sk-ant-e2e-secret"))).toEqual([])
  })

  it("asks nothing again on a second run: every sample is resumed from the checkpoint", async () => {
    const before = modelRequests().length
    const judged = servers.anthropic.requests.length
    const r = await videokrAsync(dir, "eval", "--model", model, "--quiet")
    expect(r.code).toBe(0)
    expect(modelRequests().length).toBe(before)
    expect(servers.anthropic.requests.length).toBe(judged)
    expect(r.stdout).toMatch(/videomme\s+Video-MME\s+[\d.]+\s+12\s+12\s+0\s+0\s+12/)
  })

  it("reports the main table with both group averages", async () => {
    const r = await videokrAsync(dir, "report", "main")
    expect(r.code).toBe(0)
    const line = r.stdout.split("\n").find((l) => l.startsWith(`| ${model} |`))!
    const cells = line
      .split("|")
      .slice(2, -1)
      .map((c) => c.trim())
    expect(cells).toHaveLength(9)
    expect(cells.every((c) => /^\d+\.\d$/.test(c))).toBe(true)
    const json = JSON.parse(readFileSync(join(dir, "eval-results", "reports", "main.json"), "utf8"))
    expect(json.models[0].missing).toEqual([])
  })

  it("submit shows the eval run's score beside the board's re-scored one, and why they differ", async () => {
    // a submission needs a prediction for every document: two tasks whose videos are all there
    const submitted = ["mmvu_val", "videomme"]
    const run = await videokrAsync(dir, "eval", "--model", `${model}-sub`, "--tasks", submitted.join(","), "--quiet")
    expect(run.code, run.stderr).toBe(0)
    const folder = join(dir, "eval-results", "qwen2.5-vl-7b-sub")
    const r = await videokrAsync(
      dir,
      "submit",
      "--from",
      folder,
      "--model",
      "Qwen",
      "--revision",
      "v1",
      "--org",
      "Lab",
      "--contact",
      "lab@example.org"
    )
    expect(r.code, r.stderr).toBe(0)
    const results = JSON.parse(
      readFileSync(join(folder, readdirSync(folder).find((f) => f.endsWith("_results.json"))!), "utf8")
    )
    const rows = new Map(
      r.stdout
        .split("\n")
        .filter((l) => submitted.some((t) => l.startsWith(`${t} `)))
        .map((l) => [l.split(/\s+/)[0]!, l.split(/\s{2,}/)])
    )
    expect(r.stdout).toMatch(/^task\s+benchmark\s+your eval\s+board\s+95% interval/m)
    const differ: Array<string> = []
    for (const t of submitted) {
      const [, , own, board] = rows.get(t)!
      expect(own).toBe(results.videokr.tasks[t].score.toFixed(2))
      if (own !== board) differ.push(t)
    }
    // the eval asked the judge about every answer (as LMMs-Eval does when one is set); the board scores by rules
    expect(differ.length).toBeGreaterThan(0)
    expect(r.stdout).toContain(
      `${differ.sort().join(", ")}: the board's score differs from the eval run's because the eval run asked a judge (anthropic:claude-judge) about every answer`
    )
  })

  it("runs the single-frame variant with one middle frame per question, and reports it beside the full video", async () => {
    const before = modelRequests().length
    const r = await videokrAsync(
      dir,
      "eval",
      "--model",
      model,
      "--tasks",
      "videokr_eval,mmvu_val",
      "--single-frame",
      "--quiet"
    )
    expect(r.code).toBe(0)
    const asked = modelRequests().slice(before)
    expect(asked.length).toBe(5 + 10)
    expect(asked.every((q) => images(q.body) === 1)).toBe(true)
    const report = await videokrAsync(dir, "report", "single-frame", "--json")
    const json = JSON.parse(report.stdout)
    expect(json.models[0].benchmarks.map((b: any) => b.benchmark)).toEqual(["MMVU", "VideoKR-Eval"])
    expect(
      json.models[0].benchmarks.every((b: any) => typeof b.singleFrame === "number" && typeof b.fullVideo === "number")
    ).toBe(true)
  })

  it("takes --limit, and tells a task whose files are missing without stopping the others", async () => {
    const r = await videokrAsync(
      dir,
      "eval",
      "--model",
      model,
      "--tasks",
      "videomme,mmvu_val",
      "--data",
      "mmvu_val=nowhere",
      "--limit",
      "2",
      "--quiet",
      "--output",
      "limited"
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`task failed: mmvu_val: ${join(dir, "nowhere", "validation.json")}: no such file`)
    const folder = join(dir, "limited", "qwen2.5-vl-7b")
    const samples = readdirSync(folder).find((f) => f.endsWith("_samples_videomme.jsonl"))!
    expect(readFileSync(join(folder, samples), "utf8").trim().split("\n")).toHaveLength(2)
    // --strict adds the stricter metrics of ours under their own names, beside the reference's
    expect(
      (
        await videokrAsync(
          dir,
          "eval",
          "--model",
          model,
          "--tasks",
          "videokr_eval",
          "--limit",
          "3",
          "--strict",
          "--quiet",
          "--output",
          "strict"
        )
      ).code
    ).toBe(0)
    const strict = join(dir, "strict", "qwen2.5-vl-7b")
    const entry = JSON.parse(
      readFileSync(join(strict, readdirSync(strict).find((f) => f.endsWith("_results.json"))!), "utf8")
    ).results.videokr_eval
    expect(Object.keys(entry)).toEqual([
      "alias",
      "videokr_eval_acc,none",
      "videokr_eval_acc_stderr,none",
      "videokr_eval_strict_acc,none",
      "videokr_eval_strict_acc_stderr,none"
    ])
  })

  it("imports LMMs-Eval results and scores their logged outputs again by the same rules", async () => {
    // a run in rule mode (its scores can be recomputed from the outputs alone), imported under another name
    expect(
      (await videokrAsync(dir, "eval", "--model", model, "--judge", "none", "--quiet", "--output", "rule-results")).code
    ).toBe(0)
    const r = await videokrAsync(dir, "eval", "import", "rule-results", "--model", "imported-run")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("7 result(s) imported from 1 results file(s)")
    expect(r.stdout).not.toContain("re-scored differently")
    const imported = await query(
      join(dir, "corpus.duckdb"),
      "SELECT task, score, breakdowns::VARCHAR AS b FROM eval_results WHERE source = 'import' AND model = 'imported-run' ORDER BY task"
    )
    const own = await query(
      join(dir, "corpus.duckdb"),
      `SELECT task, score FROM eval_results WHERE model = '${model}' AND output_dir LIKE '%rule-results%' ORDER BY task`
    )
    expect(imported.map((x) => [x.task, x.score])).toEqual(own.map((x) => [x.task, x.score]))
    expect(imported.every((x) => JSON.parse(x.b).overall.num > 0)).toBe(true)
    // judged runs are re-scored with the verdicts their samples carry: the same numbers again
    const judged = await videokrAsync(dir, "eval", "import", "eval-results")
    expect(judged.code).toBe(0)
    expect(judged.stdout).toContain("result(s) imported")
    expect(judged.stdout).not.toContain("re-scored differently")
  })

  it("runs the difficulty report on seeded samples of training corpora in VideoKR JSONL and Video-R1 JSON", async () => {
    const clips = testVideos()
    mkdirSync(join(dir, "corpora", "videos"), { recursive: true })
    writeFileSync(join(dir, "corpora", "videos", "a.mp4"), readFileSync(clips.base!))
    const mc = (i: number) => ({
      problem_id: i,
      question: `Question ${i}?`,
      options: ["A. yes", "B. no"],
      problem_type: "multiple choice",
      solution: "<answer>A</answer>",
      video_path: "videos/a.mp4"
    })
    writeFileSync(
      join(dir, "corpora", "videokr.jsonl"),
      Array.from({ length: 6 }, (_, i) => JSON.stringify(mc(i))).join("\n") + "\n"
    )
    const r1 = Array.from({ length: 6 }, (_, i) => ({
      problem_id: i,
      problem: `What happens ${i}?`,
      data_type: i === 0 ? "image" : "video",
      problem_type: "free-form",
      options: [],
      solution: "<answer>a test pattern</answer>",
      path: "./videos/a.mp4"
    }))
    writeFileSync(join(dir, "corpora", "video-r1.json"), JSON.stringify(r1))
    const r = await videokrAsync(
      dir,
      "report",
      "difficulty",
      "--model",
      model,
      "--corpus",
      "VideoKR=corpora/videokr.jsonl",
      "--corpus",
      "Video-R1=corpora/video-r1.json",
      "--samples",
      "4",
      "--quiet"
    )
    expect(r.stderr).toContain("written:")
    expect(r.code).toBe(0)
    const json = JSON.parse(readFileSync(join(dir, "eval-results", "reports", "difficulty.json"), "utf8"))
    expect(json.corpora.map((c: any) => [c.corpus, c.samples]).sort()).toEqual([
      ["Video-R1", 4],
      ["VideoKR", 4]
    ])
  })
})

describe("videokr eval killed with SIGKILL", () => {
  it("resumes to the same scores without repeating answered questions beyond those in flight", async () => {
    const slow = await startModelServers({ latencyMs: 20 })
    open.push(slow)
    const p = await writeProject(mkdtempSync(join(tmpdir(), "videokr-eval-kill-")), slow)
    const m = `openai-compatible:${slow.openai.url}/v1#qwen2.5-vl-7b`
    const args = ["eval", "--model", m, "--tasks", "videomme,mmvu_val,videokr_eval", "--quiet"]
    for (const at of [5, 14]) {
      const child = startVideokr(p, ...args)
      while (slow.openai.requests.length < at && child.exitCode === null) await new Promise((ok) => setTimeout(ok, 5))
      child.kill("SIGKILL")
      await once(child, "exit")
    }
    const r = await videokrAsync(p, ...args)
    expect(r.code).toBe(0)
    // the whole request, frames included (Video-MME asks the same questions of several videos)
    const keys = slow.openai.requests.map((q) => createHash("sha256").update(JSON.stringify(q.body)).digest("hex"))
    const repeats = keys.length - new Set(keys).size
    // at most the questions in flight at each kill (concurrency 4) are asked twice
    expect(repeats).toBeLessThanOrEqual(2 * 4)
    // and every question of the three tasks was asked, as the uninterrupted run asked them
    const prompts = new Set(
      (
        await Promise.all(
          ["videomme", "mmvu_val", "videokr_eval"].map(async (t) =>
            (await documentsOf(t)).map((d) => tasks[t]!.docToText(d))
          )
        )
      ).flat()
    )
    const textOf = (body: any) =>
      body.messages[0].content
        .filter((c: any) => c.type === "text")
        .map((c: any) => c.text)
        .join("")
    // (the first describe's run of this model; its other model, for the submission, aside)
    const uninterrupted = modelRequests()
      .filter((q) => (q.body as any).model === "qwen2.5-vl-7b" && images(q.body) > 1 && prompts.has(textOf(q.body)))
      .map((q) => createHash("sha256").update(JSON.stringify(q.body)).digest("hex"))
    expect(new Set(keys)).toEqual(new Set(uninterrupted))
    const killed = await query(join(p, "corpus.duckdb"), "SELECT task, score FROM eval_results ORDER BY task")
    // the judged full-video runs of the first tests (first and resumed: the same scores)
    const reference = await query(
      join(dir, "corpus.duckdb"),
      `SELECT DISTINCT task, score FROM eval_results WHERE model = '${model}' AND mode = 'video' AND output_dir LIKE '%/eval-results/%' AND task IN ('videomme', 'mmvu_val', 'videokr_eval') ORDER BY task`
    )
    expect(killed).toEqual(reference)
  })
})
