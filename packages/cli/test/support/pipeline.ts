import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { initWithSampleData, videokrNodeArgs } from "./cli.ts"
import { testVideos } from "@videokr/core/testing"
import { demoReply } from "@videokr/providers"
import {
  type BatchFate,
  chatCompletionReply,
  type Fault,
  type LimitCounters,
  limitedReply,
  type LoopbackServer,
  messagesReply,
  openAiBatchServer,
  type RecordedRequest,
  startLoopbackServer
} from "@videokr/providers/testing"

/**
 * A project for the pipeline's end-to-end tests, and the model servers it talks to: an OpenAI-compatible
 * server and an Anthropic Messages server on loopback, both answering every pipeline prompt with the
 * demo script's logic over the real wire protocols (images counted from the request), plus the faults
 * real servers have. Videos are the generated test clips, titled for what each stage should do with them.
 */
const { FORCE_COLOR: _, ...env } = process.env
export const childEnv = { ...env, NO_COLOR: "1", E2E_ANTHROPIC_KEY: "sk-ant-e2e-secret-0000" }

export const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], { cwd, encoding: "utf8", env: childEnv })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
export const startVideokr = (cwd: string, ...args: Array<string>) =>
  spawn(process.execPath, [...videokrNodeArgs, ...args], { cwd, env: childEnv, stdio: "ignore" })

/** videokr as a child process without blocking this one (whose loopback servers must keep answering). */
export const videokrAsync = (cwd: string, ...args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...videokrNodeArgs, ...args], { cwd, env: childEnv })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : (content as Array<any>)
        .filter((p) => p.type === "text")
        .map((p) => p.text)
        .join("\n")
const userText = (body: any) =>
  (body.messages as Array<any>)
    .filter((m) => m.role === "user")
    .map((m) => textOf(m.content))
    .join("\n")
/** The images of a chat request, in either provider's wire form. */
export const images = (body: any) =>
  (body.messages as Array<any>).reduce(
    (n, m) =>
      n +
      (typeof m.content === "string"
        ? 0
        : m.content.filter((p: any) => p.type === "image_url" || p.type === "image").length),
    0
  )

/** The prompt's task and subject, for counting repeats: the same key twice is the same paid request asked twice. */
export const requestKey = (r: RecordedRequest) => {
  const body = r.body as any
  return `${body.model}|${images(body)}|${userText(body)}`
}

export interface Servers {
  readonly openai: LoopbackServer
  /** what the OpenAI-compatible server saw: requests accepted, and the most in flight at once */
  readonly openaiCounters: LimitCounters
  readonly anthropic: LoopbackServer
  readonly close: () => Promise<void>
}

/** `garble`: prompts answered with text that is not JSON (twice: the answer and the repair). */
export const startModelServers = async (
  options: {
    readonly latencyMs?: number
    readonly garble?: (text: string) => boolean
    readonly batches?: boolean
    readonly batchFate?: (batch: number) => BatchFate
    /** faults of the OpenAI-compatible server, per request (e.g. a seeded faultPlan's `fault`) */
    readonly fault?: (request: RecordedRequest) => Fault | undefined
  } = {}
): Promise<Servers> => {
  const answer = (body: any) => {
    const text = userText(body)
    if (options.garble?.(text)) return "I would rather describe the video in prose."
    return demoReply(text, images(body)) ?? "no idea"
  }
  // the OpenAI-compatible server also speaks the Files and Batch APIs when asked to
  const openaiWire = options.batches
    ? openAiBatchServer(answer, { pollsToFinish: 2, fate: options.batchFate }).handler
    : chatCompletionReply(answer)
  const openaiLimited = limitedReply(openaiWire, { latencyMs: options.latencyMs ?? 0 })
  const openai = await startLoopbackServer(openaiLimited.handler, { fault: options.fault })
  const anthropic = await startLoopbackServer(
    limitedReply(
      messagesReply((body) => {
        const out = answer(body)
        if (body.tool_choice?.type !== "tool") return out
        try {
          return JSON.parse(out) as Record<string, unknown>
        } catch {
          return out
        }
      }),
      { latencyMs: options.latencyMs ?? 0 }
    ).handler
  )
  return {
    openai,
    openaiCounters: openaiLimited.counters,
    anthropic,
    close: async () => void (await Promise.all([openai.close(), anthropic.close()]))
  }
}

const clips: Record<string, { readonly from: string; readonly title: string; readonly license: string }> = {
  "titration.mp4": { from: "base", title: "Laboratory demonstration: acid-base titration", license: "CC BY 4.0" },
  "titration-mirror.mp4": {
    from: "reencoded",
    title: "Acid-base titration demonstration (mirror copy)",
    license: "CC BY 4.0"
  },
  "titration-reupload.mp4": {
    from: "rescaled",
    title: "Laboratory demonstration of a titration, re-uploaded",
    license: "Standard YouTube License"
  },
  "pendulum-slides.mp4": {
    from: "lecture",
    title: "Lecture slides: period of a simple pendulum",
    license: "CC BY 4.0"
  },
  "pendulum-swing.mp4": {
    from: "life",
    title: "Simple pendulum swinging: measuring the period",
    license: "CC BY-SA 4.0"
  },
  "crash-test.mp4": {
    from: "bars",
    title: "Conservation of linear momentum: car crash test (graphic footage)",
    license: "CC BY 4.0"
  },
  "ohms-law.mp4": {
    from: "mandelbrot",
    title: "Ohm's law demonstration: series and parallel resistors",
    license: "CC0"
  }
}

/** Model ids the project uses: a text model and a VLM on the OpenAI-compatible server, Claude on the Anthropic one. */
export const modelsOf = (servers: Servers) => ({
  text: `openai-compatible:${servers.openai.url}/v1#qwen2.5-7b-instruct`,
  vlm: `openai-compatible:${servers.openai.url}/v1#qwen2.5-vl-72b`,
  claude: "anthropic:claude-e2e"
})

/**
 * A project as `videokr init` makes it, with the sample knowledge bank and seeds imported: made once per
 * test process and copied for each test (its three commands cost seconds of CPU every time).
 */
let template: string | undefined
const projectTemplate = () => {
  if (template !== undefined) return template
  const root = mkdtempSync(join(tmpdir(), "videokr-template-"))
  const dir = join(root, "p")
  initWithSampleData(root)
  for (const f of ["knowledge-bank.jsonl", "seeds.jsonl"]) {
    const r = videokr(dir, "import", `data/${f}`)
    if (r.code !== 0) throw new Error(r.stderr)
  }
  return (template = dir)
}

export const makePipelineProject = (root: string, servers: Servers, extra: { readonly concurrency?: number } = {}) => {
  const dir = join(root, "p")
  cpSync(projectTemplate(), dir, { recursive: true })
  const generated = testVideos()
  mkdirSync(join(dir, "videos"), { recursive: true })
  for (const [name, c] of Object.entries(clips)) copyFileSync(generated[c.from]!, join(dir, "videos", name))
  writeFileSync(
    join(dir, "videos", "videos.jsonl"),
    Object.entries(clips)
      .map(([file, c]) => JSON.stringify({ file, title: c.title, license: c.license }))
      .join("\n") + "\n"
  )
  mkdirSync(join(dir, "benchmarks", "bench", "videos"), { recursive: true })
  copyFileSync(generated.mandelbrot!, join(dir, "benchmarks", "bench", "videos", "bench-0001.mp4"))
  writeFileSync(
    join(dir, "benchmarks", "bench", "test.jsonl"),
    JSON.stringify({ videoID: "dQw4w9WgXcQ", question: "?" }) + "\n"
  )
  const m = modelsOf(servers)
  const config = {
    models: {
      providers: { anthropic: { baseURL: servers.anthropic.url, apiKeyEnv: "E2E_ANTHROPIC_KEY" } },
      prices: {
        [m.text]: { input: 0.5, output: 1 },
        [m.vlm]: { input: 1, output: 2 },
        [m.claude]: { input: 3, output: 15 }
      },
      pools: { mixed: [{ model: m.vlm }, { model: m.claude }] },
      poolSeed: 3
    },
    pipeline: {
      models: {
        expand: m.text,
        scenarios: m.text,
        metadata: m.text,
        visual: m.vlm,
        safety: m.vlm,
        generation: "pool:mixed",
        consistency: "pool:mixed",
        dependency: m.vlm,
        verification: "pool:mixed"
      },
      expand: { subjects: [{ discipline: "Natural Sciences", subject: "Physics" }], count: 5 },
      sources: [{ type: "local", root: "videos", sidecar: "videos/videos.jsonl" }],
      frames: { count: 4, maxPixels: 160 * 120 },
      consistency: { k: 1 },
      benchmarks: [{ name: "bench", paths: ["benchmarks/bench"] }],
      release: { verlValSize: 2 },
      ...(extra.concurrency === undefined ? {} : { concurrency: {} })
    }
  }
  writeFileSync(join(dir, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
  return dir
}

export const query = async (db: string, sql: string): Promise<Array<Record<string, any>>> => {
  const instance = await DuckDBInstance.create(db)
  const c = await instance.connect()
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS()
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/** Changes the project's config (the JSON makePipelineProject wrote) in place. */
export const patchConfig = (dir: string, change: (config: any) => void) => {
  const path = join(dir, "videokr.config.ts")
  const config = JSON.parse(readFileSync(path, "utf8").replace(/^export default /, ""))
  change(config)
  writeFileSync(path, `export default ${JSON.stringify(config, null, 2)}\n`)
}

/** Retries, circuit probes and item rounds in tenths of seconds instead of seconds, for fault tests. */
export const quickFaults = (config: any) => {
  config.models.retry = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 }
  config.models.circuit = { failures: 5, firstProbeSeconds: 0.5, maxProbeSeconds: 2, maxWaitMinutes: 0.05 }
  config.pipeline.retry = { attempts: 3, delaySeconds: 0.1, maxDelaySeconds: 0.5 }
}
