import { afterAll, describe, expect, it } from "vitest"
import { once } from "node:events"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makePipelineProject,
  query,
  requestKey,
  type Servers,
  startModelServers,
  startVideokr,
  videokrAsync
} from "./support/pipeline.ts"

const open: Array<Servers> = []
afterAll(() => Promise.all(open.map((s) => s.close())))

/** What a finished pipeline decided: one row per (stage, item). */
const decisions = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      "SELECT stage || ' ' || item_id || ' ' || decision || ' ' || reason AS d FROM verdicts ORDER BY 1"
    )
  ).map((r) => r.d as string)

const counts = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      `SELECT
    (SELECT count(*) FROM verdicts)::INT AS verdicts, (SELECT count(*) FROM (SELECT DISTINCT stage, item_id FROM verdicts))::INT AS distinct_verdicts,
    (SELECT count(*) FROM stage_items)::INT AS done, (SELECT count(*) FROM scenarios)::INT AS scenarios, (SELECT count(DISTINCT id) FROM scenarios)::INT AS distinct_scenarios,
    (SELECT count(*) FROM videos)::INT AS videos, (SELECT count(DISTINCT id) FROM videos)::INT AS distinct_videos,
    (SELECT count(*) FROM generated_examples)::INT AS generated, (SELECT count(DISTINCT id) FROM generated_examples)::INT AS distinct_generated,
    (SELECT count(*) FROM examples)::INT AS examples, (SELECT count(DISTINCT id) FROM examples)::INT AS distinct_examples,
    (SELECT count(*) FROM video_fingerprints)::INT AS fingerprints`
    )
  )[0]!

const requestsOf = (s: Servers) => [...s.openai.requests, ...s.anthropic.requests].map(requestKey)

describe("videokr run over every stage, killed with SIGKILL at random points", () => {
  it("ends where an uninterrupted run ends: no lost item, no duplicated row, no repeated paid call beyond those in flight", async () => {
    // the uninterrupted run, for reference, with the same servers (model ids, and so pool draws, name their address)
    const servers = await startModelServers({ latencyMs: 15 })
    open.push(servers)
    const referenceDir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-kill-ref-")), servers)
    expect((await videokrAsync(referenceDir, "run", "--concurrency", "4", "--quiet")).code).toBe(0)
    const expected = await decisions(referenceDir)
    const asked = requestsOf(servers)
    servers.openai.requests.length = 0
    servers.anthropic.requests.length = 0

    // the same project, killed at request counts drawn at random (seed printed on failure), and once at a random time
    const seed = Number(process.env.VIDEOKR_KILL_SEED ?? Date.now() % 100_000)
    let state = seed
    const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-kill-")), servers)
    const total = () => servers.openai.requests.length + servers.anthropic.requests.length
    const points = Array.from({ length: 4 }, () => Math.floor(random() * asked.length * 0.9)).sort((a, b) => a - b)
    let kills = 0
    for (const at of points) {
      const child = startVideokr(dir, "run", "--concurrency", "4", "--quiet")
      const exited = once(child, "exit")
      let running = true
      void exited.then(() => (running = false))
      while (running && total() < at) await new Promise((r) => setTimeout(r, 2))
      if (running) {
        child.kill("SIGKILL")
        kills++
      }
      await exited
    }
    const timed = startVideokr(dir, "run", "--concurrency", "4", "--quiet")
    const timedExit = once(timed, "exit")
    await new Promise((r) => setTimeout(r, 200 + random() * 3000))
    kills += timed.kill("SIGKILL") ? 1 : 0
    await timedExit

    const final = await videokrAsync(dir, "run", "--concurrency", "4", "--quiet")
    expect(final.stderr, `seed ${seed}`).toBe("")
    expect(final.code, `seed ${seed}`).toBe(0)

    expect(await decisions(dir), `seed ${seed}`).toEqual(expected)
    const c = await counts(dir)
    expect(c.verdicts).toBe(c.distinct_verdicts)
    expect(c.done).toBe(c.verdicts)
    expect(c.scenarios).toBe(c.distinct_scenarios)
    expect(c.videos).toBe(c.distinct_videos)
    expect(c.generated).toBe(c.distinct_generated)
    expect(c.examples).toBe(c.distinct_examples)
    expect(c).toEqual(await counts(referenceDir))

    // every request of the reference run was made; a request was made again only if it was in flight at a
    // kill: at most 4 per model stage (8 of them) and kill, each with its repair request
    const made = requestsOf(servers)
    const missing = asked.filter((k) => !made.includes(k))
    const extra = made.filter((k) => !asked.includes(k))
    if (missing.length + extra.length > 0)
      writeFileSync(join(tmpdir(), `videokr-kill-${seed}.json`), JSON.stringify({ missing, extra }, null, 1))
    expect(
      { missing: missing.length, extra: extra.length },
      `seed ${seed}: the requests that differ are in ${join(tmpdir(), `videokr-kill-${seed}.json`)}`
    ).toEqual({ missing: 0, extra: 0 })
    const repeats = made.length - asked.length
    expect(repeats, `seed ${seed}`).toBeGreaterThanOrEqual(0)
    expect(repeats, `seed ${seed}`).toBeLessThanOrEqual(kills * 8 * 4 * 2)
  })
})
