import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chatCompletionReply, startLoopbackServer, type LoopbackServer } from "@videokr/providers/testing"
import { videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _f, OPENAI_API_KEY: _o, ANTHROPIC_API_KEY: _a, ...env } = process.env

/** The real CLI process, run asynchronously so that the loopback server in this process can answer it. */
const videokr = (cwd: string, ...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [...videokrNodeArgs, ...args],
      { cwd, env: { ...env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

let server: LoopbackServer
let dir: string
let qwen: string

beforeAll(async () => {
  server = await startLoopbackServer(chatCompletionReply((b) => (b.response_format ? '{"ok": true}' : "ok")))
  qwen = `openai-compatible:${server.url}/v1#qwen2.5-vl-7b`
  const root = mkdtempSync(join(tmpdir(), "videokr-models-cli-"))
  expect((await videokr(root, "init", "p", "--template", "minimal")).code).toBe(0)
  dir = join(root, "p")
  writeFileSync(
    join(dir, "plugin.ts"),
    `import { definePlugin } from "@videokr/core"
export default definePlugin({
  name: "greeter",
  scripts: { hello: [{ when: (r) => r.responseFormat !== undefined, reply: '{"ok": true}' }, { when: /.*/, reply: "hello" }] }
})
`
  )
  writeFileSync(
    join(dir, "videokr.config.ts"),
    `export default {
  plugins: ["./plugin.ts"],
  models: {
    providers: { "${server.url}/v1": { maxImages: 8 } },
    prices: { "openai:gpt-4o": { input: 2.5, output: 10 }, "${qwen}": { input: 0, output: 0 } },
    pools: { generators: [{ model: "openai:gpt-4o", weight: 2 }, { model: "${qwen}", exclude: ["verification"] }] }
  }
}
`
  )
})
afterAll(() => server?.close())

describe("videokr models", () => {
  it("list shows models, key variables (set or not, never values), prices and pools", async () => {
    const r = await videokr(dir, "models", "list")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/openai:gpt-4o\s+OPENAI_API_KEY \(not set\)\s+2\.5 \/ 10/)
    expect(r.stdout).toContain("pool generators")
    expect(r.stdout).toMatch(/openai-compatible:.*#qwen2\.5-vl-7b\s+1\s+verification/)
  })

  it("check sends one tiny request per model and reports text, images and JSON", async () => {
    const r = await videokr(dir, "models", "check", qwen)
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/#qwen2\.5-vl-7b\s+\d+ ms\s+yes\s+yes\s+yes/)
    const bodies = server.requests.map((q) => q.body as any)
    expect(bodies.some((b) => b.messages[0].content[0]?.type === "image_url")).toBe(true)
    expect(bodies.some((b) => b.response_format?.type === "json_schema")).toBe(true)
    // the calls are in the corpus store, with their stage
    const stats = JSON.parse((await videokr(dir, "stats", "--json")).stdout)
    expect(stats.modelUsage).toEqual([
      expect.objectContaining({ stage: "models check", model_id: qwen, calls: 3, cache_hits: 0, failures: 0 })
    ])
  })

  it("plugins listed in the config add providers and scripts", async () => {
    const r = await videokr(dir, "models", "check", "scripted:hello")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/scripted:hello\s+\d+ ms\s+yes\s+yes\s+yes/)
  })

  it("check fails (exit 1) for a model whose key variable is not set, naming the variable", async () => {
    const r = await videokr(dir, "models", "check")
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("the environment variable OPENAI_API_KEY is not set")
    expect(r.stderr).toContain("1 of 2 model(s) did not answer")
  })
})
