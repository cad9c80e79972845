import { afterAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { installedVideokr } from "@videokr/core/testing"
import {
  generateContentReply,
  lastGeminiUserText,
  type LoopbackServer,
  startLoopbackServer
} from "@videokr/providers/testing"

// The sample project with Gemini as its visual-relevance model: the stage sends Gemini the downloaded
// video itself (inline: the sample's clips are small), with the video form of the prompt, not frames
const here = dirname(fileURLToPath(import.meta.url))
const videokr = installedVideokr(here, { E2E_GEMINI_KEY: "gemini-e2e-secret-key-6666" })

let server: LoopbackServer | undefined
afterAll(() => server?.close())

describe("the pipeline with a Gemini model", () => {
  it("sends each video itself to the visual stage, and keeps or drops by Gemini's answers", async () => {
    server = await startLoopbackServer(
      generateContentReply((body) =>
        lastGeminiUserText(body).includes("TASK: visual relevance")
          ? '{"relevant": true, "reason": "the experiment is shown"}'
          : '{"error": "unexpected prompt"}'
      )
    )
    const root = mkdtempSync(join(tmpdir(), "videokr-gemini-pipeline-"))
    expect((await videokr(root, "init", "p")).code).toBe(0)
    const p = join(root, "p")
    const configPath = join(p, "videokr.config.ts")
    const config = readFileSync(configPath, "utf8")
      .replace(`visual: "scripted:demo",`, `visual: "gemini:gemini-2.5-flash",`)
      .replace(
        `models: {\n    // generation`,
        `models: {\n    providers: { gemini: { baseURL: ${JSON.stringify(server.url)}, apiKeyEnv: "E2E_GEMINI_KEY" } },\n    // generation`
      )
    expect(config).toContain(`visual: "gemini:gemini-2.5-flash"`)
    expect(config).toContain("E2E_GEMINI_KEY")
    writeFileSync(configPath, config)
    expect((await videokr(p, "import", "data/knowledge-bank.csv", "data/seeds.jsonl")).code).toBe(0)
    const run = await videokr(p, "run", "--until", "visual", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^visual\s+[1-9]\d*\s+[1-9]/m)
    const asked = server.requests.filter((r) => r.path === "/v1beta/models/gemini-2.5-flash:generateContent")
    expect(asked.length).toBeGreaterThan(0)
    for (const r of asked) {
      const parts = (r.body as any).contents[0].parts as Array<any>
      expect(parts.filter((x) => x.inlineData?.mimeType === "video/mp4")).toHaveLength(1)
      expect(parts.some((x) => x.inlineData?.mimeType === "image/jpeg")).toBe(false)
      expect(lastGeminiUserText(r.body)).toContain("The video is attached.")
    }
  })
})
