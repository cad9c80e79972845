import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { CorpusStore, loadProject } from "@videokr/core"
import { readStoreLayer, type RunFile } from "../src/LiveRun.ts"
import { ended, holderStatus, startHolder } from "./support/live-run.ts"
import { query, videokr } from "./support/pipeline.ts"
import { initWithSampleData } from "./support/cli.ts"

/** A raw request on the run's socket, as any HTTP client could send it. */
const post = (socket: string, path: string, body: unknown) =>
  new Promise<{ status: number; json: any }>((resolve, reject) => {
    const req = request({ socketPath: socket, method: "POST", path }, (res) => {
      let text = ""
      res.on("data", (d) => (text += d))
      res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }))
    })
    req.on("error", reject)
    req.end(JSON.stringify(body))
  })

/** Values JSON cannot carry as they are, and a struct that uses the wire's own tag as a key. */
const awkward = `SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, [9007199254740993, 1]::BIGINT[] AS list,
  TIMESTAMP '2024-01-02 03:04:05.678' AS at, DATE '2024-01-02' AS day, 'ab'::BLOB AS blob, 'NaN'::DOUBLE AS nan,
  'inf'::DOUBLE AS inf, {'$duckdb': 'date', 'v': 7::BIGINT} AS odd, NULL AS nothing, 'text' AS text`

/** The funnel as a run in progress shows it: a "retrying (run)" column after "pending" (0 for every stage here). */
const withRetrying = (funnel: string) =>
  funnel
    .replace("pending  model calls", "pending  retrying (run)  model calls")
    .replace(/^(-+ {2}-+ {2}-+ {2}-+ {2}-+ {2}-+ {2}-+) {2}/m, "$1  --------------  ")
    .replace(
      /^(scenarios\s+knowledge points\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+) {2}/m,
      `$1  ${"0".padStart("retrying (run)".length)}  `
    )

describe("reading a run in progress (a process holds the corpus and serves it on its socket)", () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-live-"))
  const dir = join(root, "p")
  const corpus = join(dir, "corpus.duckdb")
  const runFile = join(dir, ".videokr", "run.json")
  const holders: Array<ChildProcess> = []
  const sockets = new Set<string>()
  const hold = async (...flags: Array<string>) => {
    const child = await startHolder(dir, ...flags)
    holders.push(child)
    if (!flags.includes("--no-serve")) sockets.add((JSON.parse(readFileSync(runFile, "utf8")) as RunFile).socket)
    return child
  }
  const release = async (child: ChildProcess) => {
    child.stdin!.end()
    expect(await ended(child)).toBe(0)
  }
  /** what the commands print when they read the file themselves, to compare with what they print through a run */
  let direct: { funnel: string; stats: string; why: string }
  let id: string

  beforeAll(() => {
    initWithSampleData(root)
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { pipeline: { models: { scenarios: "scripted:demo" } } }\n`
    )
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    expect(videokr(dir, "run", "--only", "scenarios", "--limit", "12", "--quiet").code).toBe(0)
    return query(corpus, "SELECT item_id FROM verdicts WHERE stage = 'scenarios' ORDER BY item_id LIMIT 1").then(
      ([row]) => {
        id = row!.item_id
        const f = videokr(dir, "funnel")
        const s = videokr(dir, "stats", "--json")
        const w = videokr(dir, "why", id)
        expect([f.code, s.code, w.code]).toEqual([0, 0, 0])
        expect(f.stdout).toMatch(/scenarios\s+knowledge points\s+12\s+/)
        direct = { funnel: f.stdout, stats: s.stdout, why: w.stdout }
      }
    )
  })

  // a test that fails half-way must not leave its holder locking the corpus for the next ones
  afterEach(async () => {
    for (const h of holders.splice(0)) {
      if (h.exitCode === null && h.signalCode === null) h.kill("SIGKILL")
      await ended(h)
    }
  })
  // a killed holder leaves its socket file in the temporary folder, as a killed run would
  afterAll(() => {
    for (const s of sockets) rmSync(s, { force: true })
  })

  it("while a run holds the corpus, funnel, stats and why print what they print from the file; status shows the run", async () => {
    const holder = await hold()
    const run = JSON.parse(readFileSync(runFile, "utf8")) as RunFile
    expect(run.pid).toBe(holder.pid)
    // only the user may connect: the socket gives the whole corpus
    expect(statSync(run.socket).mode & 0o777).toBe(0o600)
    expect(Buffer.byteLength(run.socket)).toBeLessThanOrEqual(100)

    const f = videokr(dir, "funnel")
    expect(f.stderr).toBe("")
    // the same funnel, with the run's items waiting to be asked again (its status says 0 for scenarios)
    expect([f.code, f.stdout]).toEqual([0, withRetrying(direct.funnel)])
    const s = videokr(dir, "stats", "--json")
    expect([s.code, s.stdout]).toEqual([0, direct.stats])
    const w = videokr(dir, "why", id)
    expect([w.code, w.stdout]).toEqual([0, direct.why])
    // a read that fails in the run fails here, with the run's reason
    expect(videokr(dir, "why", "no-such-id").code).toBe(2)

    const st = videokr(dir, "status")
    expect(st.code).toBe(0)
    expect(st.stdout).toContain(
      `Run in progress: pid ${holder.pid}, started 2025-03-01T08:00:00.000Z, running for 2d03h`
    )
    expect(st.stdout).toMatch(/scenarios\s+0\s+60\s+52\s+6\s+2\s+0\s+0\s+1\.50\s+0\.0123\s+done/)
    expect(st.stdout).toMatch(/metadata\s+1204\s+311\s+250\s+58\s+3\s+7\s+2\s+0\.25\s+1\.5000\s+waiting/)
    expect(st.stdout).toContain(
      "  metadata: waiting for openai-compatible:http://gpu-3:8000/v1#qwen (circuit open 2m10s, next probe in 20s)"
    )
    expect(st.stdout).toMatch(
      /openai-compatible:http:\/\/gpu-3:8000\/v1#qwen\s+340\s+41\s+12\s+25\s+4\s+7\s+3\s+2\s+6m40s\s+5\s+open, for 2m10s, next probe in 20s/
    )
    expect(st.stdout).toMatch(/scripted:demo\s+62\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0s\s+0\s+closed/)

    const json = videokr(dir, "status", "--json")
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ running: true, status: holderStatus(holder.pid!) })
    await release(holder)
  })

  it("a command that writes fails while the run holds the corpus, saying so, and writes nothing", async () => {
    const holder = await hold()
    const r = videokr(dir, "import", "data/videos.jsonl")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`a videokr run (pid ${holder.pid}, started `)
    expect(r.stderr).toContain("this command writes to it: run it once the run has ended")
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/)
    await release(holder)
    expect(JSON.parse(videokr(dir, "stats", "--json").stdout).totals.videos).toBe(0)
  })

  it("the run answers reads only; values JSON cannot carry survive the trip; writes through the remote store fail", async () => {
    const holder = await hold()
    const { socket } = JSON.parse(readFileSync(runFile, "utf8")) as RunFile
    const [before] = await Promise.all([post(socket, "/query", { sql: "SELECT count(*) AS n FROM verdicts" })])
    expect(before.status).toBe(200)
    const count = before.json.rows[0].n
    expect(count).toBeGreaterThan(0)

    const refusals = [
      "DELETE FROM verdicts",
      "UPDATE verdicts SET reason = 'x'",
      "CREATE TABLE sneaky (x INT)",
      "SET threads = 1",
      `COPY verdicts TO '${join(root, "leak.csv")}'`,
      "ATTACH ':memory:' AS other",
      "CHECKPOINT"
    ]
    for (const sql of refusals) {
      const r = await post(socket, "/query", { sql })
      expect(r.status, sql).toBe(400)
      expect(r.json.reason, sql).toContain("a run in progress answers reads only")
    }
    const hidden = await post(socket, "/query", { sql: "SELECT 1; DELETE FROM verdicts" })
    expect([hidden.status, hidden.json.reason]).toEqual([400, expect.stringContaining("answers reads only")])
    const two = await post(socket, "/query", { sql: "SELECT 1; SELECT 2" })
    expect([two.status, two.json.reason]).toEqual([400, "send one statement at a time (got 2)"])
    const typo = await post(socket, "/query", { sql: "SELEC 1" })
    expect([typo.status, typo.json.reason]).toEqual([400, 'syntax error at or near "SELEC"'])
    const streamed = await post(socket, "/stream", { sql: "DELETE FROM verdicts" })
    expect(streamed.status).toBe(400)
    expect(existsSync(join(root, "leak.csv"))).toBe(false)
    // FROM-first, DESCRIBE and SUMMARIZE are reads
    for (const sql of [
      "FROM verdicts LIMIT 1",
      "DESCRIBE verdicts",
      "SUMMARIZE verdicts",
      "WITH v AS (SELECT 1 AS x) SELECT x FROM v"
    ]) {
      expect((await post(socket, "/query", { sql })).status, sql).toBe(200)
    }

    const project = await Effect.runPromise(loadProject(dir, { search: false }))
    const local = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* CorpusStore.CorpusStore
        return {
          rows: yield* store.query(awkward),
          streamed: (yield* Stream.runCollect(
            store.stream("SELECT range AS i, 'r' || range AS s FROM range(10000)")
          )).flat()
        }
      }).pipe(Effect.provide(CorpusStore.layerMemory))
    )
    const remote = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* CorpusStore.CorpusStore
        const rows = yield* store.query(awkward)
        const streamed = (yield* Stream.runCollect(
          store.stream("SELECT range AS i, 'r' || range AS s FROM range(10000)")
        )).flat()
        const firstBatch = yield* Stream.runHead(store.stream("SELECT range AS i FROM range(100000)"))
        const refused = yield* Effect.flip(store.query("DELETE FROM verdicts"))
        const write = yield* Effect.flip(store.run("DELETE FROM verdicts"))
        const tx = yield* Effect.flip(store.transaction(() => Effect.void))
        const [after] = yield* store.query<{ n: number }>("SELECT count(*) AS n FROM verdicts")
        return {
          rows,
          streamed,
          firstBatch,
          refused,
          write,
          tx,
          after: after!.n,
          path: store.path,
          schemaVersion: store.schemaVersion
        }
      }).pipe(Effect.provide(readStoreLayer(project)))
    )
    expect(remote.rows).toEqual(local.rows)
    expect(remote.rows[0]).toMatchObject({
      big: 9007199254740993n.toString(),
      small: 42,
      list: [9007199254740993n, 1n],
      blob: Buffer.from("ab")
    })
    expect(remote.rows[0]!.at).toBeInstanceOf(Date)
    expect(remote.streamed).toEqual(local.streamed)
    expect(remote.streamed).toHaveLength(10000)
    // a reader that stops early closes its connection; the run goes on answering
    expect(remote.firstBatch._tag).toBe("Some")
    expect(remote.refused.message).toContain(`through the videokr run in progress (pid ${holder.pid})`)
    expect(remote.refused.message).toContain("a run in progress answers reads only")
    expect(remote.write.message).toContain(`a videokr run (pid ${holder.pid}`)
    expect(remote.tx.message).toContain("this command writes to it")
    expect(remote.after).toBe(count)
    expect(remote.path).toBe(corpus)
    expect(remote.schemaVersion).toBeGreaterThan(0)
    expect(videokr(dir, "funnel").code).toBe(0)
    await release(holder)
  })

  it("once the run has ended, status says no run is in progress and shows the funnel from the file", async () => {
    const holder = await hold()
    const { socket } = JSON.parse(readFileSync(runFile, "utf8")) as RunFile
    await release(holder)
    expect(existsSync(runFile)).toBe(false)
    expect(existsSync(socket)).toBe(false)
    const st = videokr(dir, "status")
    expect(st.code).toBe(0)
    expect(st.stdout).toBe(`No run in progress\n\n${direct.funnel}`)
    expect(JSON.parse(videokr(dir, "status", "--json").stdout)).toEqual({ running: false })
    expect(videokr(dir, "funnel").stdout).toBe(direct.funnel)
  })

  it("a killed run leaves run.json behind: it is ignored, and the next run replaces its socket", async () => {
    const killed = await hold()
    const stale = JSON.parse(readFileSync(runFile, "utf8")) as RunFile
    killed.kill("SIGKILL")
    expect(await ended(killed)).toBe("SIGKILL")
    expect(existsSync(runFile) && existsSync(stale.socket)).toBe(true)

    const st = videokr(dir, "status")
    expect([st.code, st.stdout]).toEqual([0, `No run in progress\n\n${direct.funnel}`])
    expect(videokr(dir, "why", id).stdout).toBe(direct.why)

    const next = await hold()
    const run = JSON.parse(readFileSync(runFile, "utf8")) as RunFile
    expect(run).toMatchObject({ pid: next.pid, socket: stale.socket })
    expect(JSON.parse(videokr(dir, "status", "--json").stdout).status.pid).toBe(next.pid)
    expect(videokr(dir, "funnel").stdout).toBe(withRetrying(direct.funnel))
    await release(next)
  })

  it("a lock held by a program that is not a videokr run: the read commands say who holds it", async () => {
    // a run killed before, so that run.json names a dead process
    const killed = await hold()
    killed.kill("SIGKILL")
    await ended(killed)
    const other = await hold("--no-serve")
    for (const args of [["funnel"], ["why", id], ["status"]]) {
      const r = videokr(dir, ...args)
      expect(r.code, args.join(" ")).toBe(1)
      expect(r.stdout, args.join(" ")).toBe(args[0] === "status" ? "No run in progress\n\n" : "")
      expect(r.stderr, args.join(" ")).toContain(`the corpus is locked by `)
      expect(r.stderr, args.join(" ")).toContain(`(PID ${other.pid}), which is not a videokr run that answers`)
    }
    const w = videokr(dir, "import", "data/videos.jsonl")
    expect(w.code).toBe(1)
    expect(w.stderr).toContain(`(PID ${other.pid}), which is not a videokr run that answers`)
    await release(other)
    expect(videokr(dir, "funnel").stdout).toBe(direct.funnel)
  })
})
