import { afterAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makePipelineProject,
  modelsOf,
  query,
  type Servers,
  startModelServers,
  videokrAsync as videokr
} from "./support/pipeline.ts"

const open: Array<Servers> = []
afterAll(() => Promise.all(open.map((s) => s.close())))

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

describe("batch mode per stage (pipeline.batch), against the OpenAI Files and Batch APIs on loopback", () => {
  it("sends a stage's requests as a batch, then processes from the cache; other stages ask live; a re-run submits nothing", async () => {
    const servers = await startModelServers({ batches: true })
    open.push(servers)
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-batch-mode-")), servers)
    const { vlm } = modelsOf(servers)
    const config = readFileSync(join(dir, "videokr.config.ts"), "utf8")
      .replace(`"generation": "pool:mixed"`, `"generation": "${vlm}"`)
      .replace(`"verification": "pool:mixed"`, `"verification": "${vlm}"`)
      .replace(
        `"release": {`,
        `"batch": ["generation", "verification"],
      "batchPollSeconds": 0.01,
      "release": {`
      )
    writeFileSync(join(dir, "videokr.config.ts"), config)
    const run = await videokr(dir, "run", "--until", "verification", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /generation: batch to openai-compatible:\S+#qwen2\.5-vl-72b: \d+ request\(s\), 0 already cached, \d+ submitted, \d+ answered/
    )
    expect(run.stdout).toMatch(/verification: batch to /)
    const live = servers.openai.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => userText(r.body))
    // generation and verification were never asked live (no answer needed a repair); the other stages were
    expect(live.filter((t) => t.includes("TASK: generation") || t.includes("TASK: rationale verification"))).toEqual([])
    expect(live.some((t) => t.includes("TASK: visual relevance"))).toBe(true)
    expect(servers.openai.requests.filter((r) => r.path === "/v1/batches").length).toBeGreaterThanOrEqual(2)
    const db = join(dir, "corpus.duckdb")
    const [g] = await query(
      db,
      "SELECT count(*)::INT AS n, count(*) FILTER (WHERE decision = 'keep')::INT AS kept FROM verdicts WHERE stage = 'generation'"
    )
    expect(g!.kept).toBeGreaterThan(0)
    // the batch answers are recorded as paid calls of the stage (at half the live price)
    const [usage] = await query(
      db,
      "SELECT count(*)::INT AS n FROM model_calls WHERE stage = 'generation' AND NOT cached"
    )
    expect(usage!.n).toBeGreaterThan(0)

    const batches = servers.openai.requests.filter((r) => r.path === "/v1/batches").length
    const again = await videokr(dir, "run", "--until", "verification", "--quiet")
    expect(again.code).toBe(0)
    expect(servers.openai.requests.filter((r) => r.path === "/v1/batches").length).toBe(batches)
  })

  it("a failed or expired batch leaves its items pending: they go into the next round's batch, never live and never an error", async () => {
    // the first batch fails outright, the second expires with half its requests answered, the rest complete
    const servers = await startModelServers({
      batches: true,
      batchFate: (n) => (n === 1 ? "failed" : n === 2 ? "expired" : "completed")
    })
    open.push(servers)
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-batch-fail-")), servers)
    const { vlm } = modelsOf(servers)
    const config = readFileSync(join(dir, "videokr.config.ts"), "utf8")
      .replace(`"generation": "pool:mixed"`, `"generation": "${vlm}"`)
      .replace(
        `"release": {`,
        `"batch": ["generation"],
      "batchPollSeconds": 0.01,
      "retry": { "delaySeconds": 0.05 },
      "release": {`
      )
    writeFileSync(join(dir, "videokr.config.ts"), config)
    const run = await videokr(dir, "run", "--until", "generation", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /generation: batch to \S+ did not complete \(.*batch batch_1 failed.*\); its \d+ item\(s\) stay pending for the next round/
    )
    expect(run.stdout).toMatch(/held back for the next batch/)
    const live = servers.openai.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => userText(r.body))
    expect(live.filter((t) => t.includes("TASK: generation"))).toEqual([])
    const db = join(dir, "corpus.duckdb")
    const [g] = await query(
      db,
      `SELECT count(*)::INT AS n, count(*) FILTER (WHERE decision = 'error')::INT AS errors,
      (SELECT count(*) FROM attempts WHERE stage = 'generation' AND reason LIKE 'batch:%')::INT AS held,
      (SELECT count(*) FROM stage_pending)::INT AS pending FROM verdicts WHERE stage = 'generation'`
    )
    expect(g!.n).toBeGreaterThan(0)
    expect(g!.held).toBeGreaterThan(0)
    expect({ errors: g!.errors, pending: g!.pending }).toEqual({ errors: 0, pending: 0 })
  })
})
