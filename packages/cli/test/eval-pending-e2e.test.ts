import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { Effect } from "effect"
import { testVideos } from "@videokr/core/testing"
import { demoReply } from "@videokr/providers"
import {
  chatCompletionReply,
  type LoopbackServer,
  messagesReply,
  type RecordedRequest,
  type Reply,
  startLoopbackServer
} from "@videokr/providers/testing"
import { stageBenchmarkSamples } from "../src/BenchmarkSample.ts"
import { images, query, videokr, videokrAsync } from "./support/pipeline.ts"

/**
 * `videokr eval` when its servers fail: a model on a loopback OpenAI-compatible server and a judge on a
 * loopback Anthropic server, each answering 503 for one VideoKR-Eval question while `down` says so. A
 * run that cannot finish a task writes nothing of it, says what is pending and why, and exits 3; the
 * same command, once the servers answer, asks only what is missing and scores as a run that never saw
 * a failure.
 */
const physics = "the string is shortened to a quarter of its length"
const chemistry = "Which indicator colour change marks the end point"
/** questions whose requests get a 503, per server */
const down = { model: new Set<string>(), judge: new Set<string>() }

const userText = (body: any) =>
  (body.messages as Array<any>)
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content
            .filter((p: any) => p.type === "text")
            .map((p: any) => p.text)
            .join("\n")
    )
    .join("\n")
const answer = (body: any) => demoReply(userText(body), images(body)) ?? "no idea"
/** The wire reply, or the 503 an overloaded or restarting server gives, for a question that is down. */
const failing =
  (which: keyof typeof down, wire: (r: RecordedRequest) => Reply, error: unknown) =>
  (request: RecordedRequest): Reply =>
    [...down[which]].some((q) => JSON.stringify(request.body).includes(q))
      ? { status: 503, body: error }
      : wire(request)

let model: LoopbackServer
let judge: LoopbackServer
let modelId: string
beforeAll(async () => {
  model = await startLoopbackServer(
    failing("model", chatCompletionReply(answer), {
      error: { message: "upstream connect error", type: "server_error" }
    })
  )
  judge = await startLoopbackServer(
    failing("judge", messagesReply(answer), {
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" }
    })
  )
  modelId = `openai-compatible:${model.url}/v1#qwen2.5-vl-7b`
})
afterAll(async () => {
  await model?.close()
  await judge?.close()
})

/**
 * A project with the benchmark samples. The middleware is set as for a server known to be down: one
 * attempt per call and a short wait on an open circuit, so each transient failure reaches the runner at
 * once (its rounds, 2 + 4 + 8 + 16 s, are the waiting this test pays for).
 */
const writeProject = async () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-eval-pending-"))
  const p = join(root, "p")
  expect(videokr(root, "init", "p", "--template", "minimal").code).toBe(0)
  const clips = testVideos()
  const roots = await Effect.runPromise(stageBenchmarkSamples(join(p, "benchmarks"), [clips.base!, clips.life!]))
  const config = {
    models: {
      providers: { anthropic: { baseURL: judge.url, apiKeyEnv: "E2E_ANTHROPIC_KEY" } },
      retry: { maxAttempts: 1 },
      circuit: { maxWaitMinutes: 0.02 }
    },
    eval: {
      data: Object.fromEntries(Object.entries(roots).map(([t, d]) => [t, relative(p, d)])),
      judge: "anthropic:claude-judge",
      frames: { maxFrames: 4, maxPixels: 160 * 120 },
      concurrency: 4
    }
  }
  writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
  return p
}

// mmvu_val first: it finishes before the failures start, and is written however videokr_eval ends
const evalArgs = (...more: Array<string>) => [
  "eval",
  "--model",
  modelId,
  "--tasks",
  "mmvu_val,videokr_eval",
  "--limit",
  "3",
  ...more
]

const resultsOf = (p: string) => {
  const folder = join(p, "eval-results", "qwen2.5-vl-7b")
  if (!existsSync(folder)) return { tasks: [] as Array<string>, samples: [] as Array<string>, results: undefined }
  const files = readdirSync(folder).sort()
  const last = files.filter((f) => f.endsWith("_results.json")).at(-1)
  const results = last === undefined ? undefined : JSON.parse(readFileSync(join(folder, last), "utf8"))
  return {
    tasks: Object.keys(results?.results ?? {}).sort(),
    samples: files.filter((f) => f.includes("_samples_")),
    results
  }
}

/** What a task's result is, bar how much of it was resumed and when and where it ran. */
const numbersOf = (results: any, task: string) => {
  const { resumed: _, ...counts } = results.videokr.tasks[task].counts
  return {
    metrics: results.results[task],
    score: results.videokr.tasks[task].score,
    counts,
    breakdowns: results.videokr.tasks[task].breakdowns
  }
}

describe("videokr eval when the model or the judge keeps failing", () => {
  it("leaves the samples pending (exit 3, nothing of the task written), then finishes them alone once the servers answer, to the undisturbed scores", async () => {
    // the undisturbed run, in a project of its own (its own checkpoint and response cache)
    const reference = await writeProject()
    const healthy = await videokrAsync(reference, ...evalArgs("--quiet"))
    expect(healthy.stderr).toBe("")
    expect(healthy.code).toBe(0)
    const expected = resultsOf(reference).results

    const p = await writeProject()
    const modelAsked = (q: string) => model.requests.filter((r) => JSON.stringify(r.body).includes(q)).length
    const judgeAsked = (q: string) => judge.requests.filter((r) => JSON.stringify(r.body).includes(q)).length
    const physicsBefore = modelAsked(physics)
    down.model.add(physics)
    down.judge.add(chemistry)
    // with its progress lines (one per task when not on a terminal): pending is counted apart from errors
    const broken = await videokrAsync(p, ...evalArgs())
    expect(broken.code, broken.stdout + broken.stderr).toBe(3)
    expect(broken.stderr, broken.stdout).toMatch(/mmvu_val\s+\[#+\]\s+3\/3\s.*\sdone\s+errors 0, pending 0\n/)
    expect(broken.stderr).toMatch(/videokr_eval\s+\[#+-+\]\s+1\/3\s.*\sincomplete\s+errors 0, pending 2\n/)
    expect(broken.stdout).toContain(
      "videokr_eval: 2 of 3 sample(s) pending after transient failures; nothing of the task written (its numbers would be wrong); 1 of them answered and kept, waiting only for the judge"
    )
    expect(broken.stdout).toContain(
      `1 x ServerError from ${modelId}: 503 upstream connect error (first: vkr-phys-0001)`
    )
    expect(broken.stdout).toContain("1 x judge: ServerError from anthropic:claude-judge: 503 ")
    expect(broken.stderr).toMatch(
      /error: 2 item\(s\) left pending after transient failures \(videokr_eval: 2 sample\(s\)\); nothing is lost: run the same command again/
    )
    // the task that finished is written as usual; the one with pending samples is not, nor stored
    expect(resultsOf(p).tasks).toEqual(["mmvu_val"])
    expect(resultsOf(p).samples.some((f) => f.includes("videokr_eval"))).toBe(false)
    expect((await query(join(p, "corpus.duckdb"), "SELECT task FROM eval_results")).map((r) => r.task)).toEqual([
      "mmvu_val"
    ])
    // the physics question was asked again in the run's rounds (the first pass and four more, unless the
    // model's circuit opened and the run stopped sending: its timing is the middleware's)
    expect(modelAsked(physics) - physicsBefore).toBeGreaterThanOrEqual(2)
    expect(modelAsked(physics) - physicsBefore).toBeLessThanOrEqual(5)

    down.model.clear()
    down.judge.clear()
    const [modelBefore, judgeBefore] = [model.requests.length, judge.requests.length]
    const [physicsJudged, chemistryModel] = [judgeAsked(physics), modelAsked(chemistry)]
    const again = await videokrAsync(p, ...evalArgs("--quiet"))
    expect(again.stderr).toBe("")
    expect(again.code).toBe(0)
    // only what was missing: the physics question of the model, and the judge for it and for chemistry
    expect(model.requests.length - modelBefore).toBe(1)
    expect(modelAsked(chemistry)).toBe(chemistryModel)
    expect(judge.requests.length - judgeBefore).toBe(2)
    expect(judgeAsked(physics) - physicsJudged).toBe(1)
    const finished = resultsOf(p).results
    expect(Object.keys(finished.results).sort()).toEqual(["mmvu_val", "videokr_eval"])
    for (const task of ["mmvu_val", "videokr_eval"])
      expect(numbersOf(finished, task)).toEqual(numbersOf(expected, task))
    const stored = await query(
      join(p, "corpus.duckdb"),
      "SELECT task, score FROM eval_results WHERE task = 'videokr_eval'"
    )
    const referenceStored = await query(
      join(reference, "corpus.duckdb"),
      "SELECT task, score FROM eval_results WHERE task = 'videokr_eval'"
    )
    expect(stored).toEqual(referenceStored)
  })
})
