/**
 * The site benchmark (issue: "leaderboard page ships < 100 KB of JS (compressed); static build of 1,000
 * generated submissions < 30 s").
 *
 * A project with the sample corpus; N generated submissions (each with predictions for every document of
 * VideoKR-Eval's and MMVU's sample files, answers drawn with a seeded RNG, so the scores differ), the
 * board judge's verdicts on VideoKR-Eval's open-ended answers of every other submission (the rest await
 * the judge); then
 * `videokr site build` as a process, timed from start to finish: checking and re-scoring every submission,
 * the dataset card, and Astro's static build of N model pages. The baseline is the same build with 10
 * submissions, measured in the same run; the figures are the wall time for 1,000 (target < 30 s), the
 * ratio to the baseline, and the compressed JavaScript the leaderboard page loads (target < 100 KB).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { PythonRandom } from "@videokr/core"
import { judgePromptVersion, outputHash, verdictKey, verdictsFileOf } from "@videokr/eval"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const bin = join(repo, "packages/cli/src/bin.ts")
const count = Number(process.argv.find((a) => a.startsWith("--submissions="))?.slice(14) ?? 1000)

const videokr = (cwd: string, ...args: Array<string>) => {
  const started = performance.now()
  const r = spawnSync(
    process.execPath,
    ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", bin, ...args],
    {
      cwd,
      encoding: "utf8"
    }
  )
  if (r.status !== 0) throw new Error(`videokr ${args.join(" ")}: ${r.stderr}`)
  return { seconds: (performance.now() - started) / 1000, stdout: r.stdout }
}

const documents = (file: string, id: (d: any) => string) =>
  (file.endsWith(".jsonl")
    ? readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    : JSON.parse(readFileSync(file, "utf8"))
  ).map(id)
const vkDocs = documents(join(repo, "fixtures/benchmarks/videokr_eval/VideoKR_eval.jsonl"), (d) => d)
const vk: Array<string> = vkDocs.map((d: any) => d.id)
const openEnded = new Set(vkDocs.filter((d: any) => d.problem_type === "open-ended").map((d: any) => d.id))
const judge = "openai:gpt-4o-2024-08-06"
const mmvu = documents(join(repo, "fixtures/benchmarks/mmvu/validation.json"), (d) => String(d.id))

const project = (n: number) => {
  const root = mkdtempSync(join(tmpdir(), `videokr-bench-site-${n}-`))
  videokr(root, "init", "p")
  const p = join(root, "p")
  videokr(p, "import", "data/knowledge-bank.jsonl", "data/seeds.jsonl", "data/videos.jsonl", "data/examples.jsonl")
  videokr(p, "split")
  videokr(p, "export", "--format", "videokr")
  writeFileSync(
    join(p, "videokr.config.ts"),
    `export default ${JSON.stringify({ eval: { data: { videokr_eval: join(repo, "fixtures/benchmarks/videokr_eval"), mmvu_val: join(repo, "fixtures/benchmarks/mmvu") } }, site: { judge } })}\n`
  )
  const rng = new PythonRandom(n)
  const letters = "ABCDE"
  for (let i = 0; i < n; i++) {
    const dir = join(p, "submissions", `org-${i % 37}`, `model-${i}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, "submission.json"),
      JSON.stringify({
        model: `Model ${i}`,
        revision: `r${i % 5}`,
        organisation: `Org ${i % 37}`,
        contact: `team${i}@example.org`,
        date: "2026-11-20",
        frames: { fps: 2, maxFrames: 128 },
        generation: { temperature: 0.1, topP: 0.001, maxTokens: 8192 },
        prompt: "default",
        ...(i % 50 === 7 ? { withdrawn: { date: "2026-11-25", reason: "superseded" } } : {})
      })
    )
    const outputs = vk.map((id) => ({ id, output: `<think>t</think><answer>${letters[rng.randbelow(4)]}</answer>` }))
    if (i % 2 === 0) {
      const verdicts = outputs
        .filter((o) => openEnded.has(o.id))
        .map((o) => ({
          key: verdictKey({ task: "videokr_eval", id: o.id, output: o.output, judge, prompt: judgePromptVersion }),
          task: "videokr_eval",
          id: o.id,
          output: outputHash(o.output),
          judge,
          prompt: judgePromptVersion,
          verdict: rng.randbelow(2),
          reply: "1",
          submission: `org-${i % 37}/model-${i}`,
          judgedAt: "2026-11-21T00:00:00.000Z"
        }))
      const file = verdictsFileOf(join(p, "verdicts"), `org-${i % 37}/model-${i}`)
      mkdirSync(join(file, ".."), { recursive: true })
      writeFileSync(file, verdicts.map((v) => JSON.stringify(v) + "\n").join(""))
    }
    const lines = [
      ...outputs.map((o) => JSON.stringify({ task: "videokr_eval", id: o.id, output: o.output })),
      ...mmvu.map((id: string) => JSON.stringify({ task: "mmvu_val", id, output: letters[rng.randbelow(5)] }))
    ]
    writeFileSync(join(dir, "predictions.jsonl"), lines.join("\n") + "\n")
  }
  return p
}

const build = (n: number) => {
  const p = project(n)
  const { seconds, stdout } = videokr(p, "site", "build", "--out", "site")
  const pages = readdirSync(join(p, "site", "models")).length
  // the build reports the page's JavaScript (SiteCommand.pageScriptBytes)
  const js = /leaderboard page: ([\d.]+) KB of JavaScript compressed in (\d+) file/.exec(stdout)
  return { p, seconds, pages, jsKb: Number(js?.[1]), jsFiles: Number(js?.[2]) }
}

const baseline = build(10)
const full = build(count)
const indexKb = gzipSync(readFileSync(join(full.p, "site", "index.html"))).length / 1024

console.log(`site: static build (videokr site build: check + re-score every submission, dataset card, Astro)`)
console.log(`  baseline: ${baseline.pages} submissions in ${baseline.seconds.toFixed(1)} s`)
console.log(
  `  ${full.pages} submissions in ${full.seconds.toFixed(1)} s = ${(full.seconds / baseline.seconds).toFixed(2)}x the baseline for ${(full.pages / baseline.pages).toFixed(0)}x the submissions (target < 30 s: ${full.seconds < 30 ? "met" : "NOT met"})`
)
console.log(
  `  leaderboard page: ${full.jsKb.toFixed(1)} KB of JavaScript compressed in ${full.jsFiles} file(s) (target < 100 KB: ${full.jsKb < 100 ? "met" : "NOT met"}); its HTML ${indexKb.toFixed(1)} KB compressed`
)
