/**
 * The scoring benchmark (issue: "score 100,000 open-ended pairs with ROUGE/reward: throughput >= 10x the
 * reference Python implementation, memory flat in the input size").
 *
 * 100,000 open-ended outputs (think + answer) against references, built from the sample data's texts with
 * seeded edits, are scored three ways: in this process (scoreLine), by `videokr score` as a process on
 * 10,000 and on 100,000 lines (wall time and peak RSS: the file is streamed, so RSS must not grow with it),
 * and by the reference (the release's verl reward function over Google's rouge_score) when a Python with
 * it is given: VIDEOKR_REFERENCE_PYTHON=/path/to/python and VIDEOKR_REFERENCE_PATH=<folder holding
 * rouge_score and videokr_reward.py> (see packages/eval/test/vectors/README.md). Without it the ratio is
 * against the reference's speed measured on this kind of machine when the vectors were made.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { PythonRandom } from "@videokr/core"
import { scoreLine } from "@videokr/eval"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "videokr-bench-eval-"))
const texts: Array<string> = []
for (const f of ["examples.jsonl", "seeds.jsonl", "knowledge-bank.jsonl"]) {
  for (const line of readFileSync(join(repo, "fixtures/sample", f), "utf8")
    .trim()
    .split("\n")) {
    const d = JSON.parse(line) as Record<string, unknown>
    for (const k of ["solution", "think", "rationale", "answer", "knowledge_point", "description"])
      if (typeof d[k] === "string" && d[k] !== "") texts.push((d[k] as string).replace(/<\/?answer>/g, ""))
  }
}
const rng = new PythonRandom(20261126)
const edit = (s: string) => {
  const words = s.split(" ")
  for (let k = rng.randbelow(4); k > 0 && words.length > 1; k--) words.splice(rng.randbelow(words.length), 1)
  return words.join(" ")
}
const write = (n: number) => {
  const path = join(dir, `pairs-${n}.jsonl`)
  const lines: Array<string> = []
  for (let i = 0; i < n; i++) {
    const reference = texts[rng.randbelow(texts.length)]!
    const answer = rng.randbelow(4) === 0 ? texts[rng.randbelow(texts.length)]! : edit(reference)
    lines.push(
      JSON.stringify({
        output: `<think>The frames show it.</think> <answer>${answer}</answer>`,
        ground_truth: `<answer>${reference}</answer>`,
        problem_type: "open-ended"
      })
    )
  }
  writeFileSync(path, lines.join("\n") + "\n")
  return path
}
const big = write(100_000)
const small = write(10_000)

// in this process
// (parsed first, as the reference's timing below does)
const rows = readFileSync(big, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as unknown)
const started = performance.now()
let sum = 0
for (const row of rows) sum += (scoreLine(row) as { reward: number }).reward
const inProcess = rows.length / ((performance.now() - started) / 1000)

// videokr score as a process, streamed; peak RSS from GNU time when the machine has it
const bin = join(repo, "packages/cli/src/bin.ts")
const cli = (file: string) => {
  const args = ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", bin, "score", file]
  const timed = existsSync("/usr/bin/time")
  const start = performance.now()
  const r = timed
    ? spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, ...args], { encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 })
  const seconds = (performance.now() - start) / 1000
  if (r.status !== 0) throw new Error(r.stderr)
  const rss = timed ? Number(r.stderr.trim().split("\n").at(-1)) / 1024 : undefined
  return { seconds, rss, lines: r.stdout.trim().split("\n").length }
}
const cliSmall = cli(small)
const cliBig = cli(big)

// the reference, when given; else its speed as measured here when the vectors were made
const python = process.env.VIDEOKR_REFERENCE_PYTHON
const refPath = process.env.VIDEOKR_REFERENCE_PATH
let reference: { perSecond: number; how: string }
if (python !== undefined && refPath !== undefined) {
  const script = `import json, sys, time
sys.path.insert(0, ${JSON.stringify(refPath)})
import videokr_reward as vr
rows = [json.loads(l) for l in open(${JSON.stringify(small)})]
t = time.perf_counter()
for r in rows:
    vr.compute_score(r["output"], r["ground_truth"], extra_info={"problem_type": r["problem_type"]})
print(len(rows) / (time.perf_counter() - t))`
  reference = {
    perSecond: Number(execFileSync(python, ["-c", script], { encoding: "utf8" }).trim()),
    how: "measured now on the same 10,000 pairs"
  }
} else {
  reference = {
    perSecond: 1_787,
    how: "measured on this kind of machine on 2026-11-26 on these pairs (set VIDEOKR_REFERENCE_PYTHON and VIDEOKR_REFERENCE_PATH to measure it now)"
  }
}

console.log(
  `scoring ${rows.length.toLocaleString("en")} open-ended pairs (ROUGE-1/2/L + the GRPO reward), mean reward ${(sum / rows.length).toFixed(4)}:`
)
console.log(
  `  reference (verl reward over rouge_score)  ${reference.perSecond.toFixed(0).padStart(9)} pairs/s  (${reference.how})`
)
console.log(
  `  ours, in process                           ${inProcess.toFixed(0).padStart(9)} pairs/s  = ${(inProcess / reference.perSecond).toFixed(1)}x the reference (target >= 10x)`
)
console.log(
  `  videokr score, 10,000 lines                ${(cliSmall.lines / cliSmall.seconds).toFixed(0).padStart(9)} pairs/s incl. start-up, peak RSS ${cliSmall.rss?.toFixed(0) ?? "?"} MiB`
)
console.log(
  `  videokr score, 100,000 lines               ${(cliBig.lines / cliBig.seconds).toFixed(0).padStart(9)} pairs/s incl. start-up, peak RSS ${cliBig.rss?.toFixed(0) ?? "?"} MiB (flat: ${cliBig.rss !== undefined && cliSmall.rss !== undefined ? (cliBig.rss / cliSmall.rss).toFixed(2) : "?"}x for 10x the input)`
)
