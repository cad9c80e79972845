import { afterAll, describe, expect, it } from "vitest"
import { once } from "node:events"
import { existsSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { faultPlan } from "@videokr/providers/testing"
import {
  makePipelineProject,
  patchConfig,
  query,
  requestKey,
  type Servers,
  startModelServers,
  startVideokr,
  videokrAsync
} from "./support/pipeline.ts"

/**
 * The acceptance test of "an outage costs time, never items": one project run to the generation stage
 * through everything a long run meets — 30% HTTP 500s and 10% garbage 200s (a proxy's HTML page, empty
 * answers, bodies cut in the middle) throughout, a run killed with SIGKILL, a minute-long outage in the
 * middle of the next run (connections refused), a 429 storm, a second SIGKILL — then runs until done.
 * The verdicts must equal an undisturbed run's item for item, no paid request may be repeated except
 * those in flight at a kill, and the ledger must hold a row for every paid answer that reached the cache.
 */
const open: Array<Servers> = []
afterAll(() => Promise.all(open.map((s) => s.close())))

const decisions = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      "SELECT stage || ' ' || item_id || ' ' || decision || ' ' || coalesce(model_id, '-') || ' ' || reason AS d FROM verdicts ORDER BY 1"
    )
  ).map((r) => r.d as string)

const until = async (condition: () => boolean, running: () => boolean) => {
  while (running() && !condition()) await new Promise((r) => setTimeout(r, 5))
}

describe("videokr run through an outage, a 429 storm, 500s, garbage answers and two SIGKILLs", () => {
  it("ends with the verdicts of an undisturbed run, repeats no paid request beyond those in flight at a kill, and records every paid answer", async () => {
    let faultsOn = false
    const plan = faultPlan({
      seed: 12,
      errorRate: 0.3,
      garbageRate: 0.1,
      rateLimitStorm: { retryAfterMs: 200 },
      only: () => faultsOn
    })
    // what the server answered normally, in order: these are the paid requests
    const served: Array<string> = []
    const servers = await startModelServers({
      latencyMs: 5,
      fault: (request) => {
        const fault = plan.fault(request)
        if (fault === undefined) served.push(requestKey(request))
        return fault
      }
    })
    open.push(servers)
    const project = () => {
      const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-outage-")), servers)
      patchConfig(dir, (c) => {
        // one model per stage, so that no pool routes around the outage: the verdicts can then be compared model for model
        c.pipeline.models.generation = c.pipeline.models.visual
        c.models.retry = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 }
        c.models.circuit = { failures: 5, firstProbeSeconds: 1, maxProbeSeconds: 4, maxWaitMinutes: 30 }
        c.pipeline.retry = { attempts: 6, delaySeconds: 0.2, maxDelaySeconds: 2 }
      })
      return dir
    }
    const run = ["run", "--until", "generation", "--concurrency", "4", "--quiet"]

    const referenceDir = project()
    const reference = await videokrAsync(referenceDir, ...run)
    expect(reference.stderr).toBe("")
    expect(reference.code).toBe(0)
    const expected = await decisions(referenceDir)
    const asked = [...served]
    expect(asked.length).toBeGreaterThan(100)
    served.length = 0

    faultsOn = true
    const dir = project()
    let kills = 0
    // run 1: killed a quarter of the way
    const first = startVideokr(dir, ...run)
    let firstRunning = true
    const firstExit = once(first, "exit").then(() => (firstRunning = false))
    await until(
      () => served.length >= asked.length * 0.25,
      () => firstRunning
    )
    if (firstRunning) kills += first.kill("SIGKILL") ? 1 : 0
    await firstExit

    // run 2: a minute-long outage, then a 429 storm, then killed
    const second = startVideokr(dir, ...run)
    let secondRunning = true
    const secondExit = once(second, "exit").then(() => (secondRunning = false))
    await until(
      () => served.length >= asked.length * 0.4,
      () => secondRunning
    )
    expect(secondRunning).toBe(true)
    await servers.openai.down("refuse")
    const outageEnds = Date.now() + 60_000
    // while the run waits, a user can look at it: status, funnel and why read through the running process.
    // Status is asked until it shows the open circuit, however long the loaded machine takes to get there:
    // the outage lasts a minute, or until then.
    const waitingFor = (live: any) =>
      live.status.models.some((m: any) => m.circuitOpenings > 0 && m.connectionErrors > 0) &&
      live.status.stages.some((s: any) =>
        /^waiting for openai-compatible:\S+ \(circuit (open \S+, next probe in|open \S+, probing)/.test(s.waiting ?? "")
      )
    let live: any
    do {
      const status = await videokrAsync(dir, "status", "--json")
      expect(status.code).toBe(0)
      live = JSON.parse(status.stdout)
      expect(live.running).toBe(true)
    } while (!waitingFor(live))
    const readable = await videokrAsync(dir, "status")
    expect(readable.stdout).toMatch(/Run in progress: pid \d+/)
    const funnel = await videokrAsync(dir, "funnel")
    expect(funnel.code).toBe(0)
    expect(funnel.stdout).toMatch(/^scenarios\s+knowledge points\s+\d+/m)
    expect(funnel.stdout).toMatch(/pending\s+retrying \(run\)/)
    expect((await videokrAsync(dir, "why", "kp-phys-001")).code).toBe(0)
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())))
    await servers.openai.up()
    // the run waited through the outage instead of failing its items or exiting
    expect(secondRunning).toBe(true)
    const afterOutage = served.length
    await until(
      () => served.length >= afterOutage + 10,
      () => secondRunning
    )
    // a 429 storm, until the run has met a few of its 429s
    plan.storm.start()
    await until(
      () => plan.counters.rateLimited >= 8,
      () => secondRunning
    )
    plan.storm.stop()
    await until(
      () => served.length >= asked.length * 0.75,
      () => secondRunning
    )
    if (secondRunning) kills += second.kill("SIGKILL") ? 1 : 0
    await secondExit
    expect(kills).toBe(2)

    // then runs until done, the 500s and garbage still there; a run that leaves items pending exits 3 and says so
    let final = await videokrAsync(dir, ...run)
    for (let i = 0; i < 2 && final.code === 3; i++) final = await videokrAsync(dir, ...run)
    expect(final.stderr).toBe("")
    expect(final.code).toBe(0)
    expect(plan.counters.serverErrors).toBeGreaterThan(50)
    expect(plan.counters.rateLimited).toBeGreaterThan(0)
    expect(Object.values(plan.counters.garbage).every((n) => n > 0)).toBe(true)
    // the summary said what the retries absorbed
    expect(final.stdout).toMatch(/models \(failed attempts were retried; only final answers became verdicts\)/)

    expect(await decisions(dir)).toEqual(expected)
    const db = join(dir, "corpus.duckdb")
    const [state] = await query(
      db,
      "SELECT (SELECT count(*) FROM stage_pending)::INT AS pending, (SELECT count(*) FROM attempts WHERE kind = 'transient')::INT AS transient"
    )
    expect(state!.pending).toBe(0)
    expect(state!.transient).toBeGreaterThan(0)

    // every request of the undisturbed run was paid for; a request was paid again only if it was in flight
    // at a kill: at most 4 per model stage (6 of them) and kill, each with its repair request
    const missing = asked.filter((k) => !served.includes(k))
    const unexpected = served.filter((k) => !asked.includes(k))
    expect({ missing: missing.length, unexpected: unexpected.length }).toEqual({ missing: 0, unexpected: 0 })
    const repeats = served.length - new Set(served).size
    const bound = kills * 6 * 4 * 2
    expect(repeats).toBeLessThanOrEqual(bound)

    // the ledger: a row for every paid answer in the cache (journaled before it was cached, reconciled after
    // the kills); the paid answers it lacks are only those a kill cut off before they reached this process
    const ledger = await query(db, "SELECT cache_key FROM model_calls WHERE NOT cached AND status = 'ok'")
    const ledgerKeys = new Set(ledger.map((r) => r.cache_key as string))
    const cacheDir = join(dir, ".videokr", "cache")
    // (a kill can leave a temporary file that never became an entry: not an answer)
    const cachedKeys = readdirSync(cacheDir).flatMap((d) =>
      readdirSync(join(cacheDir, d))
        .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
        .map((f) => f.slice(0, 64))
    )
    expect(cachedKeys.filter((k) => !ledgerKeys.has(k))).toEqual([])
    expect(ledger.length).toBeLessThanOrEqual(served.length)
    expect(served.length - ledger.length).toBeLessThanOrEqual(bound)
    expect(existsSync(join(dir, ".videokr", "ledger")) ? readdirSync(join(dir, ".videokr", "ledger")) : []).toEqual([])
  })
})
