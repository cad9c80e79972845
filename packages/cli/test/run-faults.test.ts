import { afterAll, describe, expect, it } from "vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makePipelineProject,
  patchConfig,
  query,
  quickFaults,
  type Servers,
  startModelServers,
  videokrAsync as videokr
} from "./support/pipeline.ts"

/**
 * What a user sees when models fail: a configuration error before anything is asked, a run against a
 * server that is not there (exit 3, everything pending, finished by the next run once it is back), and
 * final errors asked again with --retry-errors. Real CLI processes against loopback servers.
 */
const open: Array<Servers> = []
afterAll(() => Promise.all(open.map((s) => s.close())))

const start = async (options: Parameters<typeof startModelServers>[0] = {}) => {
  const servers = await startModelServers(options)
  open.push(servers)
  return servers
}
const counts = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      `SELECT (SELECT count(*) FROM verdicts)::INT AS verdicts, (SELECT count(*) FROM verdicts WHERE decision = 'error')::INT AS errors,
    (SELECT coalesce(sum(pending), 0) FROM stage_pending)::INT AS pending, (SELECT count(*) FROM model_calls)::INT AS calls`
    )
  )[0]!

describe("videokr run when models fail", () => {
  it("an unknown provider is a configuration error naming the stage and the model; nothing is asked or written", async () => {
    const servers = await start()
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-bogus-")), servers)
    const r = await videokr(dir, "run", "--model", "bogus:xyz", "--until", "scenarios")
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /the run cannot start \(nothing was asked\):\n\s+stage expand: bogus:xyz: .*no provider "bogus"/
    )
    expect(r.stderr).toMatch(/stage scenarios: bogus:xyz/)
    expect(await counts(dir)).toEqual({ verdicts: 0, errors: 0, pending: 0, calls: 0 })
    expect(servers.openai.requests).toHaveLength(0)
    // a plugin check without its key (the moderation endpoint) is found the same way
    patchConfig(
      dir,
      (c) =>
        (c.pipeline.checks = [
          { use: "openai-moderation", replaces: "safety", options: { apiKeyEnv: "VIDEOKR_TEST_NO_SUCH_KEY" } }
        ])
    )
    const moderation = await videokr(dir, "run", "--until", "safety")
    expect(moderation.code).toBe(1)
    expect(moderation.stderr).toMatch(
      /stage safety: .*the moderation endpoint needs an API key: set VIDEOKR_TEST_NO_SUCH_KEY/
    )
    expect(await counts(dir)).toEqual({ verdicts: 0, errors: 0, pending: 0, calls: 0 })
  })

  it("with no server at all, the run exits 3 leaving every item pending; once the server is there the next run finishes them", async () => {
    const servers = await start()
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-noserver-")), servers)
    patchConfig(dir, quickFaults)
    await servers.openai.down("refuse")
    const r = await videokr(dir, "run", "--until", "scenarios", "--quiet", "--json")
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(
      /error: \d+ item\(s\) left pending after transient failures \(\d+ expand, 60 scenarios\); nothing is lost: run `videokr run` again/
    )
    const summary = JSON.parse(r.stdout)
    expect(summary.pending).toBe(61)
    expect(summary.stages.map((s: any) => [s.stage, s.processed, s.pending])).toEqual([
      ["expand", 0, 1],
      ["scenarios", 0, 60]
    ])
    const [model] = summary.models
    expect(model).toMatchObject({
      model: expect.stringMatching(/^openai-compatible:\S+#qwen2\.5-7b-instruct$/),
      gaveUp: true,
      itemsPending: 61,
      rateLimited: 0,
      serverErrors: 0,
      unusable: 0
    })
    expect(model.connectionErrors).toBeGreaterThan(0)
    expect(model.circuitOpenings).toBeGreaterThan(0)
    const c = await counts(dir)
    expect(c).toMatchObject({ verdicts: 0, errors: 0, pending: 61 })
    const funnel = await videokr(dir, "funnel")
    expect(funnel.stdout).toMatch(/scenarios\s+knowledge points\s+0\s+0\s+0\s+0\s+60\b/)
    expect(funnel.stdout).toMatch(/61 item\(s\) pending after transient failures/)
    const why = await videokr(dir, "why", "kp-phys-001")
    expect(why.code).toBe(0)
    // (the reason is wrapped in its column)
    expect(why.stdout.replace(/\s+/g, " ")).toMatch(
      /scenarios kp-phys-001 transient openai-compatible:\S+ ServerError: .*(Connection error|not sent)/
    )
    expect(why.stdout).toMatch(/pending in scenarios: the next `videokr run` asks again/)

    await servers.openai.up()
    const again = await videokr(dir, "run", "--until", "scenarios", "--quiet")
    expect(again.stderr).toBe("")
    expect(again.code).toBe(0)
    expect(await counts(dir)).toMatchObject({ verdicts: 61, pending: 0 })
    // the only errors are the answers the demo script gets wrong on purpose: final, not the outage
    const errors = await query(
      join(dir, "corpus.duckdb"),
      "SELECT DISTINCT split_part(reason, ':', 1) AS kind FROM verdicts WHERE decision = 'error'"
    )
    expect(errors.map((e) => e.kind)).toEqual(["InvalidOutput"])
  })

  it("--retry-errors asks again the items that hold a final error, skipping the cached answers that made them errors", async () => {
    // the model answers prose instead of JSON for some knowledge points: a final error (after the repair request)
    let garble = true
    const servers = await start({
      garble: (text) =>
        garble && /kp-(phys|chem)-00[12]\b|Newton|titration/i.test(text) && text.includes("TASK: scenarios")
    })
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-retry-errors-")), servers)
    const first = await videokr(dir, "run", "--until", "scenarios", "--quiet")
    expect(first.code).toBe(0)
    const before = await counts(dir)
    expect(before.errors).toBeGreaterThan(0)
    expect(first.stdout).toMatch(
      /item\(s\) got a final error verdict \(videokr why <id>; ask them again with videokr run --retry-errors\)/
    )
    // fixed at the provider: a plain run asks nothing (the errors are final), --retry-errors asks them again
    garble = false
    const asked = servers.openai.requests.length
    expect((await videokr(dir, "run", "--until", "scenarios", "--quiet")).code).toBe(0)
    expect(servers.openai.requests.length).toBe(asked)
    const retried = await videokr(dir, "run", "--until", "scenarios", "--quiet", "--retry-errors=scenarios")
    expect(retried.code).toBe(0)
    expect(retried.stdout).toMatch(
      new RegExp(`--retry-errors: ${before.errors} item\\(s\\) with a final error verdict asked again \\(scenarios\\)`)
    )
    const after = await counts(dir)
    expect(after).toMatchObject({ verdicts: before.verdicts, pending: 0 })
    // the garbled ones now have answers (one request each); the demo script's own wrong answers stay errors (answer and repair again)
    const fixed = before.errors - after.errors
    expect(fixed).toBeGreaterThan(0)
    expect(servers.openai.requests.length).toBe(asked + fixed + 2 * after.errors)
    const [history] = await query(
      join(dir, "corpus.duckdb"),
      "SELECT count(*)::INT AS n FROM attempts WHERE kind = 'retry-errors' AND reason LIKE 'final error asked again (--retry-errors): InvalidOutput%'"
    )
    expect(history!.n).toBe(before.errors)
    // unknown stages are a usage error
    const bad = await videokr(dir, "run", "--until", "scenarios", "--retry-errors=nope")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--retry-errors names stage\(s\) this run does not run: nope/)
  })
})
