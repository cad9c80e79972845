import { afterAll, describe, expect, it } from "vitest"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { installedVideokr, testVideos } from "@videokr/core/testing"
import {
  generateContentReply,
  lastGeminiUserText,
  type LoopbackServer,
  startLoopbackServer
} from "@videokr/providers/testing"

// `videokr eval` in a user's project with the plugin: model "gemini:gemini-2.5-flash" on a loopback
// server speaking the Gemini API, the key from the environment, a VideoKR-Eval file in its published layout
const here = dirname(fileURLToPath(import.meta.url))
const secret = "gemini-e2e-secret-key-5555"
const videokr = installedVideokr(here, { E2E_GEMINI_KEY: secret })

let server: LoopbackServer | undefined
afterAll(() => server?.close())

const documents = [
  {
    id: "vkr-phys-0001",
    video_path: "videos/pendulum_0001.mp4",
    question:
      "In the experiment shown, the string is shortened to a quarter of its length. What happens to the period of the pendulum?",
    options: ["A. It doubles", "B. It halves", "C. It stays the same", "D. It quadruples"],
    problem_type: "multiple choice",
    solution: "<answer>B</answer>",
    dataset: "VideoKR-Physics",
    subject: "Physics"
  },
  {
    id: "vkr-chem-0002",
    video_path: "videos/titration_0002.mp4",
    question: "Which indicator colour change marks the end point of the titration shown?",
    options: ["A. Colourless to pink", "B. Blue to yellow", "C. Red to green", "D. Yellow to blue"],
    problem_type: "multiple choice",
    solution: "<answer>A</answer>",
    dataset: "VideoKR-Chemistry",
    subject: "Chemistry"
  },
  {
    id: "vkr-eng-0003",
    video_path: "videos/beam_0003.mp4",
    question: "Where is the bending moment of the simply supported beam in the video largest?",
    options: ["A. At the supports", "B. At mid-span", "C. It is the same everywhere", "D. At a quarter of the span"],
    problem_type: "multiple choice",
    solution: "<answer>B</answer>",
    dataset: "VideoKR-Engineering",
    subject: "Engineering"
  }
]

describe("videokr eval with the Gemini provider", () => {
  it("asks every question with its frames through the Gemini API and scores the answers", async () => {
    // the model knows physics and chemistry, not engineering
    server = await startLoopbackServer(
      generateContentReply((body) => {
        const text = lastGeminiUserText(body)
        return text.includes("pendulum")
          ? "<think>T is proportional to the root of L</think><answer>B</answer>"
          : text.includes("titration")
            ? "<answer>A</answer>"
            : "<answer>A</answer>"
      })
    )
    const root = mkdtempSync(join(tmpdir(), "videokr-gemini-eval-"))
    expect((await videokr(root, "init", "p", "--template", "minimal")).code).toBe(0)
    const p = join(root, "p")
    mkdirSync(join(p, "bench", "videos"), { recursive: true })
    writeFileSync(join(p, "bench", "VideoKR_eval.jsonl"), documents.map((d) => JSON.stringify(d)).join("\n") + "\n")
    for (const d of documents) copyFileSync(testVideos().base!, join(p, "bench", d.video_path))
    const config = {
      plugins: [join(here, "../src/index.ts")],
      models: { providers: { gemini: { baseURL: server.url, apiKeyEnv: "E2E_GEMINI_KEY" } } },
      eval: { data: { videokr_eval: "bench" }, frames: { maxFrames: 4, maxPixels: 160 * 120 } }
    }
    writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
    const run = await videokr(p, "eval", "--model", "gemini:gemini-2.5-flash", "--tasks", "videokr_eval", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const asked = server.requests.filter((r) => r.path.endsWith(":generateContent"))
    expect(asked).toHaveLength(3)
    for (const r of asked) {
      expect(r.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
      expect(r.headers["x-goog-api-key"]).toBe(secret)
      const parts = (r.body as any).contents[0].parts as Array<any>
      expect(parts.filter((x) => x.inlineData?.mimeType === "image/jpeg").length).toBe(4)
    }
    const folder = join(p, "eval-results", "gemini-2.5-flash")
    const results = JSON.parse(
      readFileSync(join(folder, readdirSync(folder).find((f) => f.endsWith("_results.json"))!), "utf8")
    )
    expect(results.results.videokr_eval["videokr_eval_acc,none"]).toMatchObject({
      overall_acc: 66.67,
      evaluated_examples: 3,
      skipped_examples: 0,
      by_subject: { Physics: { num: 1, acc: 100 }, Chemistry: { num: 1, acc: 100 }, Engineering: { num: 1, acc: 0 } }
    })
    // the key went to the server and nowhere else
    expect(
      run.stdout +
        readdirSync(folder)
          .map((f) => readFileSync(join(folder, f), "utf8"))
          .join("")
    ).not.toContain(secret)
  })
})

describe("gemini: model ids without a plugins entry", () => {
  it("load the installed plugin by its known name: models check asks the model through it", async () => {
    server = await startLoopbackServer(generateContentReply(() => '{"ok": true}'))
    const root = mkdtempSync(join(tmpdir(), "videokr-gemini-known-"))
    expect((await videokr(root, "init", "p", "--template", "minimal")).code).toBe(0)
    const p = join(root, "p")
    const config = { models: { providers: { gemini: { baseURL: server.url, apiKeyEnv: "E2E_GEMINI_KEY" } } } }
    writeFileSync(join(p, "videokr.config.ts"), `export default ${JSON.stringify(config, null, 2)}\n`)
    const check = await videokr(p, "models", "check", "gemini:gemini-2.5-flash")
    expect(check.stderr).toBe("")
    expect(check.code).toBe(0)
    expect(check.stdout).toContain("gemini:gemini-2.5-flash")
    expect(server.requests.some((r) => r.path === "/v1beta/models/gemini-2.5-flash:generateContent")).toBe(true)
  })
})
