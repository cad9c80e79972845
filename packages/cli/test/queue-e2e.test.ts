import { afterAll, describe, expect, it } from "vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { existsSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { videokrNodeArgs } from "./support/cli.ts"
import {
  childEnv,
  makePipelineProject,
  modelsOf,
  patchConfig,
  query,
  requestKey,
  type Servers,
  startModelServers,
  videokrAsync
} from "./support/pipeline.ts"
import { startRedis, type TestRedis } from "@videokr/queue/testing"

/**
 * The acceptance test of a run spread over machines: a real redis-server (persistence on), a coordinator
 * (`videokr run --queue`) and three worker processes (`videokr worker`) run the pipeline against the
 * loopback model servers. One worker is killed with SIGKILL mid-stage, the coordinator is killed and
 * started again, and Redis is restarted. The verdicts and the release must equal a single-process run's,
 * item for item; no paid request may be repeated beyond those in flight at the worker's kill; the ledger
 * must hold a row for every paid answer; and the provider's concurrency limit must hold across the workers.
 */
const open: Array<{ close: () => Promise<void> }> = []
const children: Array<ChildProcess> = []
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
  await Promise.all(open.map((s) => s.close()))
})

const decisions = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      "SELECT stage || ' ' || item_id || ' ' || decision || ' ' || coalesce(model_id, '-') || ' ' || reason AS d FROM verdicts ORDER BY 1"
    )
  ).map((r) => r.d as string)
const released = async (dir: string) =>
  (
    await query(
      join(dir, "corpus.duckdb"),
      "SELECT id || ' ' || split || ' ' || question || ' ' || solution AS e FROM examples WHERE source_file = 'pipeline' ORDER BY 1"
    )
  ).map((r) => r.e as string)

/** videokr as a child process, its output kept (for the failure message) */
const start = (cwd: string, ...args: Array<string>) => {
  const child = spawn(process.execPath, [...videokrNodeArgs, ...args], { cwd, env: childEnv })
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  children.push(child)
  const exited = once(child, "exit").then(([code]) => code as number | null)
  return { child, exited, output: () => output }
}

const until = async (condition: () => boolean, alive: () => boolean) => {
  while (alive() && !condition()) await new Promise((r) => setTimeout(r, 5))
}

describe("videokr run --queue: a coordinator and three workers on Redis", () => {
  it("ends with the single-process run's verdicts and release through a worker's SIGKILL, a coordinator restart and a Redis restart; repeats no paid request beyond those in flight at the kill; holds the provider's limit", async () => {
    // what the OpenAI-compatible server answered, in order: the paid requests
    const served: Array<string> = []
    const servers: Servers = await startModelServers({
      latencyMs: 15,
      fault: (request) => void served.push(requestKey(request))
    })
    open.push(servers)
    const redis: TestRedis = await startRedis()
    open.push({ close: redis.stop })
    const limit = 3
    const project = () => {
      const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-queue-")), servers)
      patchConfig(dir, (c) => {
        const m = modelsOf(servers)
        // one model for every stage (no pool: the verdicts compare model for model), whose concurrency limit
        // the server sees whole: it must hold across the workers
        for (const stage of Object.keys(c.pipeline.models)) c.pipeline.models[stage] = m.vlm
        c.models.limits = { [m.vlm]: { concurrency: limit } }
        // a killed worker's jobs are taken up after 3 s without its heartbeat
        c.queue = { stalledSeconds: 3 }
      })
      return dir
    }

    const referenceDir = project()
    const reference = await videokrAsync(referenceDir, "run", "--quiet")
    expect(reference.stderr).toBe("")
    expect(reference.code).toBe(0)
    const expected = { verdicts: await decisions(referenceDir), release: await released(referenceDir) }
    const asked = [...served]
    expect(asked.length).toBeGreaterThan(100)
    expect(servers.openaiCounters.maxInFlight).toBeLessThanOrEqual(limit)
    servers.openaiCounters.maxInFlight = 0
    served.length = 0

    const dir = project()
    const workers = [1, 2, 3].map(() => start(dir, "worker", "--queue", redis.url, "--concurrency", "2"))
    let coordinator = start(dir, "run", "--queue", redis.url, "--quiet")
    let running = true
    void coordinator.exited.then(() => (running = false))

    // status shows the queue per stage and the three workers, from the coordinator and from Redis
    let live: any
    do {
      const status = await videokrAsync(dir, "status", "--json")
      expect(status.code, status.stderr).toBe(0)
      live = JSON.parse(status.stdout)
    } while (running && !(live.status?.queue?.workers?.length === 3 && live.status.queue.stages.length > 0))
    expect(live.status.queue.address).toBe(redis.url)
    expect(live.status.queue.workers.map((w: any) => w.concurrency)).toEqual([2, 2, 2])
    const readable = await videokrAsync(dir, "status")
    expect(readable.stdout).toMatch(/^Queue redis:\/\/127\.0\.0\.1:\d+\/0$/m)
    // (the queue may be between two batches of the coordinator's when it is read)
    expect(readable.stdout).toMatch(/^(stage\s+waiting\s+at a worker\s+done\s+failed|The queue is empty\.)$/m)
    expect(readable.stdout).toMatch(/^worker\s+stages\s+at once\s+in hand\s+done\s+failed\s+per minute\s+last job$/m)
    const fromRedis = await videokrAsync(dir, "status", "--queue", redis.url, "--json")
    expect(JSON.parse(fromRedis.stdout).running).toBe(true)

    // a worker killed mid-stage: its jobs go to the others after the stalled-job check
    await until(
      () => served.length >= asked.length * 0.25,
      () => running
    )
    expect(running).toBe(true)
    workers[0]!.child.kill("SIGKILL")
    await workers[0]!.exited
    const atWorkerKill = served.length

    // the coordinator killed and started again: what is still queued it finds by its job ids; what was done
    // meanwhile it queues again, and a worker answers from the shared cache
    await until(
      () => served.length >= atWorkerKill + asked.length * 0.2,
      () => running
    )
    expect(running).toBe(true)
    coordinator.child.kill("SIGKILL")
    await coordinator.exited
    coordinator = start(dir, "run", "--queue", redis.url, "--quiet")
    running = true
    void coordinator.exited.then(() => (running = false))

    // Redis restarted (its append-only file keeps the queue): everyone waits for it and goes on
    const atRestart = served.length
    await until(
      () => served.length >= atRestart + asked.length * 0.1,
      () => running
    )
    expect(running).toBe(true)
    await redis.restart()

    let code = await coordinator.exited
    // a run that left items pending after transient failures exits 3: once more finishes them
    if (code === 3) {
      coordinator = start(dir, "run", "--queue", redis.url, "--quiet")
      code = await coordinator.exited
    }
    expect(code, coordinator.output()).toBe(0)
    for (const w of workers.slice(1)) {
      expect(w.child.exitCode, w.output()).toBe(null) // still at work, waiting for jobs
      // stopped as a service manager stops it: the items in hand finished, it exits as interrupted
      w.child.kill("SIGTERM")
      expect(await w.exited, w.output()).toBe(130)
    }

    expect(await decisions(dir)).toEqual(expected.verdicts)
    expect(await released(dir)).toEqual(expected.release)

    // every request of the single-process run was asked; one was asked again only if it was in flight at the
    // worker's kill: at most 2 per model stage (9 of them), each with its repair request
    const missing = asked.filter((k) => !served.includes(k))
    const unexpected = served.filter((k) => !asked.includes(k))
    expect({ missing: missing.length, unexpected: unexpected.length }).toEqual({ missing: 0, unexpected: 0 })
    const repeats = served.length - new Set(served).size - (asked.length - new Set(asked).size)
    expect(repeats).toBeLessThanOrEqual(9 * 2 * 2)
    // the provider's limit held across the three workers
    expect(servers.openaiCounters.maxInFlight).toBeLessThanOrEqual(limit)
    expect(servers.openaiCounters.maxInFlight).toBeGreaterThan(1)

    // the ledger: a row for every paid answer in the shared cache, the killed worker's included (its journal)
    const db = join(dir, "corpus.duckdb")
    const ledgerKeys = new Set(
      (await query(db, "SELECT cache_key FROM model_calls WHERE NOT cached AND status = 'ok'")).map(
        (r) => r.cache_key as string
      )
    )
    const cacheDir = join(dir, ".videokr", "cache")
    const cachedKeys = readdirSync(cacheDir).flatMap((d) =>
      readdirSync(join(cacheDir, d))
        .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
        .map((f) => f.slice(0, 64))
    )
    expect(cachedKeys.filter((k) => !ledgerKeys.has(k))).toEqual([])
    expect(existsSync(join(dir, ".videokr", "ledger")) ? readdirSync(join(dir, ".videokr", "ledger")) : []).toEqual([])
  })
})
