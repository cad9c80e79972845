import { afterAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  chatCompletionReply,
  lastUserText,
  limitedReply,
  startLoopbackServer,
  type LoopbackServer
} from "@videokr/providers/testing"
import { query } from "./support/pipeline.ts"
import { initWithSampleData, videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _, ...env } = process.env
const start = (cwd: string, ...args: Array<string>) =>
  spawn(process.execPath, [...videokrNodeArgs, ...args], { cwd, env: { ...env, NO_COLOR: "1" }, stdio: "ignore" })

let server: LoopbackServer | undefined
afterAll(() => server?.close())

describe("videokr run killed with SIGKILL at several moments", () => {
  it("resumes with no lost item, no duplicated row and no repeated paid call beyond those in flight", async () => {
    const kp = (b: any) => /Knowledge point: (.*)/.exec(lastUserText(b))?.[1] ?? "?"
    const limited = limitedReply(
      chatCompletionReply((b) =>
        JSON.stringify({ scenarios: [`demonstration of ${kp(b)}`, `experiment on ${kp(b)}`] })
      ),
      { latencyMs: 120 }
    )
    server = await startLoopbackServer(limited.handler)
    const model = `openai-compatible:${server.url}/v1#qwen2.5-vl-7b`
    const root = mkdtempSync(join(tmpdir(), "videokr-run-kill-"))
    const dir = initWithSampleData(root)
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { pipeline: { models: { scenarios: "${model}" } } }\n`
    )
    await once(start(dir, "import", "data/knowledge-bank.jsonl"), "exit")

    for (const after of [15, 30, 45]) {
      const child = start(dir, "run", "--concurrency", "4")
      while (server.requests.length < after) await new Promise((r) => setTimeout(r, 5))
      child.kill("SIGKILL")
      await once(child, "exit")
    }
    const final = start(dir, "run", "--concurrency", "4")
    const [code] = await once(final, "exit")
    expect(code).toBe(0)

    const db = join(dir, "corpus.duckdb")
    const [counts] = await query(
      db,
      `SELECT
      (SELECT count(*) FROM verdicts WHERE stage = 'scenarios')::INT AS verdicts,
      (SELECT count(DISTINCT item_id) FROM verdicts WHERE stage = 'scenarios')::INT AS items,
      (SELECT count(*) FROM stage_items WHERE stage = 'scenarios')::INT AS done,
      (SELECT count(*) FROM scenarios)::INT AS scenarios,
      (SELECT count(DISTINCT id) FROM scenarios)::INT AS distinct_scenarios,
      (SELECT count(*) FROM verdicts WHERE decision = 'keep')::INT AS kept`
    )
    expect(counts).toEqual({ verdicts: 60, items: 60, done: 60, scenarios: 120, distinct_scenarios: 120, kept: 60 })
    // every knowledge point asked; asked again only if its answer was in flight when a run was killed
    const asked = new Map<string, number>()
    for (const r of server.requests) asked.set(kp(r.body), (asked.get(kp(r.body)) ?? 0) + 1)
    expect(asked.size).toBe(60)
    const repeats = [...asked.values()].reduce((n, c) => n + c - 1, 0)
    expect(repeats).toBeLessThanOrEqual(3 * 4) // three kills, at most 4 calls in flight each
    expect(server.requests.length).toBe(60 + repeats)
  })
})
