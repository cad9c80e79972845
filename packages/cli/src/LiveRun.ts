import { createHash } from "node:crypto"
import { readFile, rm } from "node:fs/promises"
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Clock, Effect, FiberSet, Layer, Option, Schema, Stream } from "effect"
import {
  CorpusStore,
  type CorpusStoreShape,
  FileError,
  type Project,
  projectStoreLayer,
  type Queries,
  reasonOf,
  StoreError,
  writeTextAtomic
} from "@videokr/core"
import { RunStatus } from "./RunStatus.ts"
import { isAlive } from "./Processes.ts"

/**
 * Looking at a run while it runs. DuckDB lets one process open a corpus file and locks everyone else out,
 * so during a `videokr run` of several days the read-only commands (funnel, stats, why, status) cannot
 * open the file. The run therefore answers them itself: it serves HTTP on a Unix socket (reads only, in
 * read-only transactions, and its status), and names the socket in `<project>/.videokr/run.json`. A
 * read-only command opens the file as usual and, when the file is locked by a run that answers, reads
 * through the run instead.
 */

/** A videokr run could not be asked, or answered with something this videokr cannot read. */
export class LiveRunError extends Schema.TaggedError<LiveRunError>()("LiveRunError", {
  pid: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `the videokr run in progress (pid ${this.pid}) ${this.reason}`
  }
}

/** What `.videokr/run.json` says: which process runs, and where it answers. */
export const RunFile = Schema.Struct({ pid: Schema.Number, socket: Schema.String, startedAt: Schema.String }).annotate({
  identifier: "RunFile"
})
export type RunFile = typeof RunFile.Type

export const runFileOf = (project: Project): string => join(project.dir, ".videokr", "run.json")

/**
 * The socket of a project's run. Socket paths are limited to about 107 bytes, so it cannot live in the
 * project folder; it goes in the temporary folder under a name derived from the project folder (the same
 * folder gives the same name, so a run always replaces its own stale socket) and the user (the temporary
 * folder is shared).
 */
export const socketPathOf = (project: Project): string => {
  const name = `videokr-${process.getuid?.() ?? "user"}-${createHash("sha256").update(project.dir).digest("hex").slice(0, 16)}.sock`
  const preferred = join(tmpdir(), name)
  return Buffer.byteLength(preferred) <= 100 ? preferred : join("/tmp", name)
}

// ---------------------------------------------------------------------------------------------------
// Rows on the wire. Rows are plain objects as the store returns them, but with values JSON cannot carry
// as they are: BIGINTs too large for a number (and any nested in lists or structs), timestamps and dates
// (Date), BLOBs (Buffer), NaN and infinities. Each such value travels as a tagged object and is revived
// on the other side, so a row read through the run equals the row read from the file.

const tag = "$duckdb"

export const encodeJson = (value: unknown): string =>
  JSON.stringify(value, function (this: Record<string, unknown>, key: string, encoded: unknown) {
    // `this[key]` is the value before toJSON (which turns a Date into a string and a Buffer into an object)
    const raw = this[key]
    if (typeof raw === "bigint") return { [tag]: "bigint", v: raw.toString() }
    if (raw instanceof Date) return { [tag]: "date", v: Number.isNaN(raw.getTime()) ? null : raw.toISOString() }
    if (raw instanceof Uint8Array)
      return { [tag]: "bytes", v: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") }
    if (typeof raw === "number" && !Number.isFinite(raw)) return { [tag]: "number", v: String(raw) }
    // a struct that happens to have our tag as a key travels as its entries, so that it is not mistaken for a tagged value
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.hasOwn(raw, tag))
      return { [tag]: "object", v: Object.entries(raw) }
    return encoded
  })

export const decodeJson = (text: string): unknown =>
  JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, tag)) return v
    const t = v as { readonly [tag]: string; readonly v: any }
    switch (t[tag]) {
      case "bigint":
        return BigInt(t.v)
      case "date":
        return new Date(t.v ?? Number.NaN)
      case "bytes":
        return Buffer.from(t.v, "base64")
      case "number":
        return Number(t.v)
      case "object":
        return Object.fromEntries(t.v)
      default:
        return v
    }
  })

// ---------------------------------------------------------------------------------------------------
// The run's side.

export interface LiveRunOptions {
  /** the store the run holds */
  readonly store: CorpusStoreShape
  /** the run's status now; asked on every `GET /status` */
  readonly status: () => RunStatus | Effect.Effect<RunStatus>
}

export interface LiveRun {
  readonly socket: string
  readonly runFile: string
}

const QueryRequest = Schema.Struct({
  sql: Schema.String,
  params: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean, Schema.Null]))
  )
})

/** A statement the run will not execute for another process; the reason says what it does answer. */
class Refused extends Schema.TaggedError<Refused>()("Refused", { operation: Schema.String, reason: Schema.String }) {}

/** "query (SELECT count(*) FROM examples …)", as the store names its operations */
const label = (what: string, sql: string) => `${what} (${sql.trim().split(/\s+/).slice(0, 4).join(" ")} …)`

/** Bodies of queries are small; a bound keeps a confused client from filling the run's memory. */
const maxRequestBytes = 1 << 20

/**
 * Runs `f` on one connection in a read-only transaction, once DuckDB's own parser has said that `sql` is
 * exactly one SELECT (FROM-first, WITH, VALUES, DESCRIBE, SUMMARIZE and SHOW are SELECTs to it).
 * Both guards are needed: a read-only transaction refuses writes to the corpus, even those hidden in a
 * SELECT (nextval), but not SET, ATTACH, COPY ... TO or CHECKPOINT, which would change the run's settings
 * or write files; the parser refuses those, and the transaction catches what a SELECT may still write.
 */
const readOnly = <A>(store: CorpusStoreShape, sql: string, f: (tx: Queries) => Effect.Effect<A, StoreError>) =>
  store.transaction((tx) =>
    Effect.gen(function* () {
      // The store opens read-write transactions. Nothing ran in this one, so it is swapped for a read-only
      // one on the same connection; the store then commits or rolls back whichever is open.
      yield* tx.run("ROLLBACK")
      yield* tx.run("BEGIN TRANSACTION READ ONLY")
      const [parsed] = yield* tx.query<{
        error: boolean
        kind: string | null
        message: string | null
        statements: number | null
      }>(
        `SELECT (j->>'error')::BOOLEAN AS error, j->>'error_type' AS kind, j->>'error_message' AS message, json_array_length(j->'statements')::INTEGER AS statements
         FROM (SELECT json_serialize_sql($sql::VARCHAR) AS j)`,
        { sql }
      )
      const operation = label("query", sql)
      if (parsed === undefined || parsed.error) {
        return yield* new Refused({
          operation,
          reason:
            parsed?.kind === "parser"
              ? `${parsed.message ?? "the statement does not parse"}`
              : "a run in progress answers reads only (a SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE or SHOW statement), and this statement is not one; " +
                "statements that write or change settings wait until the run has ended"
        })
      }
      if (parsed.statements !== 1)
        return yield* new Refused({ operation, reason: `send one statement at a time (got ${parsed.statements ?? 0})` })
      return yield* f(tx)
    })
  )

const send = (res: ServerResponse, status: number, body: unknown) =>
  Effect.sync(() => {
    if (res.headersSent || res.destroyed) return
    res.writeHead(status, { "content-type": "application/json" })
    res.end(encodeJson(body))
  })

/** Writes a line of the streamed answer, waiting while the client is behind (a large export must not pile up in the run's memory). */
const writeLine = (res: ServerResponse, path: string, value: unknown) =>
  Effect.callback<void, StoreError>((resume) => {
    if (res.write(encodeJson(value) + "\n")) return resume(Effect.void)
    const drained = () => (res.off("close", gone), resume(Effect.void))
    const gone = () => (
      res.off("drain", drained),
      resume(Effect.fail(new StoreError({ path, operation: "stream", reason: "the client went away" })))
    )
    res.once("drain", drained)
    res.once("close", gone)
  })

const readBody = (req: IncomingMessage) =>
  Effect.tryPromise({
    try: async () => {
      const chunks: Array<Buffer> = []
      let size = 0
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > maxRequestBytes) throw new Error(`the request is over ${maxRequestBytes} bytes`)
        chunks.push(chunk)
      }
      return Buffer.concat(chunks).toString("utf8")
    },
    catch: (e) => new Refused({ operation: "read request", reason: reasonOf(e) })
  })

const queryRequest = (req: IncomingMessage) =>
  readBody(req).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) => new Refused({ operation: "read request", reason: `not JSON: ${reasonOf(e)}` })
      })
    ),
    Effect.flatMap((json) =>
      Schema.decodeUnknownEffect(QueryRequest)(json).pipe(
        Effect.mapError(
          (e) => new Refused({ operation: "read request", reason: `expected {sql, params}: ${e.message}` })
        )
      )
    )
  )

const failureReply = (res: ServerResponse) => (e: Refused | StoreError) =>
  send(res, e._tag === "Refused" ? 400 : 500, { operation: e.operation, reason: e.reason })

const handle = (options: LiveRunOptions, req: IncomingMessage, res: ServerResponse): Effect.Effect<void> => {
  const route = `${req.method} ${req.url}`
  const reply = (() => {
    switch (route) {
      case "GET /status":
        return Effect.suspend(() => {
          const s = options.status()
          return Effect.isEffect(s) ? s : Effect.succeed(s)
        }).pipe(
          Effect.flatMap(Schema.encodeUnknownEffect(RunStatus)),
          Effect.flatMap((body) => send(res, 200, body)),
          Effect.catch((e) => send(res, 500, { operation: "status", reason: e.message }))
        )
      case "POST /query":
        return queryRequest(req).pipe(
          Effect.flatMap(({ sql, params }) => readOnly(options.store, sql, (tx) => tx.query(sql, params))),
          Effect.flatMap((rows) => send(res, 200, { rows })),
          Effect.catch(failureReply(res))
        )
      case "POST /stream":
        // one JSON line per batch; a failure after the first line is sent as a last line {operation, reason}
        return queryRequest(req).pipe(
          Effect.flatMap(({ sql, params }) =>
            readOnly(options.store, sql, (tx) =>
              Stream.runForEach(tx.stream(sql, params), (rows) =>
                Effect.andThen(
                  Effect.sync(() => res.headersSent || res.writeHead(200, { "content-type": "application/x-ndjson" })),
                  writeLine(res, options.store.path, { rows })
                )
              )
            )
          ),
          Effect.andThen(
            Effect.sync(
              () => (res.headersSent || res.writeHead(200, { "content-type": "application/x-ndjson" }), res.end())
            )
          ),
          Effect.catch((e) =>
            res.headersSent
              ? Effect.andThen(
                  writeLine(res, options.store.path, { operation: e.operation, reason: e.reason }).pipe(Effect.ignore),
                  Effect.sync(() => res.end())
                )
              : failureReply(res)(e)
          )
        )
      default:
        return send(res, 404, {
          operation: route,
          reason: "not found: GET /status, POST /query and POST /stream are served"
        })
    }
  })()
  // a defect (a bug, or a status callback that throws) is answered, never left hanging
  return reply.pipe(Effect.catchCause((cause) => send(res, 500, { operation: route, reason: String(cause) })))
}

const listen = (socket: string, onRequest: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.callback<Server, FileError>((resume) => {
    const server = createServer(onRequest)
    const failed = (e: Error) =>
      resume(Effect.fail(new FileError({ path: socket, operation: "listen", reason: reasonOf(e) })))
    server.once("error", failed)
    // The socket gives its reader the whole corpus, so it is created 0600 (the mask applies to bind, which
    // listen does synchronously) rather than chmod-ed after, which would leave a window open to anyone.
    const mask = process.umask(0o177)
    try {
      server.listen(socket, () => {
        server.off("error", failed)
        // the run matters more than its status: a failed accept later on must not end a run of days
        server.on("error", () => {})
        resume(Effect.succeed(server))
      })
    } finally {
      process.umask(mask)
    }
  })

const close = (server: Server, socket: string) =>
  Effect.callback<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  }).pipe(Effect.andThen(Effect.promise(() => rm(socket, { force: true }))))

/**
 * For the run process: serves reads of `store` and the run's status on the project's socket, and names
 * it in `.videokr/run.json`, until the scope closes (then both are removed). Call it once the store is
 * open: the run then holds the corpus's lock, so a socket left at the path is a killed run's, and is
 * replaced.
 */
export const serveLiveRun = (project: Project, options: LiveRunOptions) =>
  Effect.gen(function* () {
    const socket = socketPathOf(project)
    const runFile = runFileOf(project)
    const run = yield* FiberSet.makeRuntime<never>()
    yield* Effect.promise(() => rm(socket, { force: true }))
    yield* Effect.acquireRelease(
      listen(socket, (req, res) => {
        const fiber = run(handle(options, req, res))
        // a client that goes away mid-answer frees the run's connection at once
        res.once("close", () => res.writableFinished || fiber.interruptUnsafe())
      }),
      (server) => close(server, socket)
    )
    const startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const content = JSON.stringify({ pid: process.pid, socket, startedAt } satisfies RunFile) + "\n"
    yield* Effect.acquireRelease(writeTextAtomic(runFile, Stream.make(content)), () =>
      Effect.promise(() => rm(runFile, { force: true }))
    )
    return { socket, runFile } satisfies LiveRun
  })

// ---------------------------------------------------------------------------------------------------
// The reader's side.

/** How long a run may take to answer `GET /status` before it counts as not answering. */
const answerTimeout = "5 seconds"

interface Answer {
  readonly status: number
  readonly body: IncomingMessage
}

/** One request on the socket; fails with the reason the run could not be reached. */
const ask = (socket: string, method: "GET" | "POST", path: string, body?: unknown) =>
  Effect.tryPromise({
    try: (signal) =>
      new Promise<Answer>((resolve, reject) => {
        const req = request(
          { socketPath: socket, method, path, signal, agent: false, headers: { "content-type": "application/json" } },
          (res) => resolve({ status: res.statusCode ?? 0, body: res })
        )
        req.on("error", reject)
        req.end(body === undefined ? undefined : encodeJson(body))
      }),
    catch: reasonOf
  })

const readAll = (res: IncomingMessage) =>
  Effect.tryPromise({
    try: async () => {
      const chunks: Array<Buffer> = []
      for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk)
      return Buffer.concat(chunks).toString("utf8")
    },
    catch: reasonOf
  })

/** The run named by `.videokr/run.json` if its process is alive; the file outlives a run that was killed. */
const runOf = (project: Project) =>
  Effect.promise(async (): Promise<RunFile | undefined> => {
    let text: string
    try {
      text = await readFile(runFileOf(project), "utf8")
    } catch {
      return undefined
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return undefined
    }
    const decoded = Schema.decodeUnknownOption(RunFile)(json)
    return Option.isSome(decoded) && isAlive(decoded.value.pid) ? decoded.value : undefined
  })

/** `GET /status` of a run: its answer, or none when it cannot be reached in time (a pid reused by another program, a run that hangs). */
const askStatus = (run: RunFile) =>
  ask(run.socket, "GET", "/status").pipe(
    Effect.flatMap((a) => Effect.map(readAll(a.body), (text) => ({ status: a.status, text }))),
    Effect.timeoutOption(answerTimeout),
    Effect.orElseSucceed(() => Option.none<{ status: number; text: string }>())
  )

/**
 * The status of the project's run in progress, or undefined when there is none (no run.json, its process
 * gone, or nothing answering on its socket).
 */
export const liveStatus = (project: Project): Effect.Effect<RunStatus | undefined, LiveRunError> =>
  Effect.gen(function* () {
    const run = yield* runOf(project)
    if (run === undefined) return undefined
    const answer = yield* askStatus(run)
    if (Option.isNone(answer)) return undefined
    const { status, text } = answer.value
    const json = yield* Effect.try({
      try: () => decodeJson(text),
      catch: (e) =>
        new LiveRunError({ pid: run.pid, reason: `answered with something other than JSON: ${reasonOf(e)}` })
    })
    if (status !== 200) {
      return yield* new LiveRunError({
        pid: run.pid,
        reason: `could not report its status: ${(json as { reason?: string }).reason ?? `HTTP ${status}`}`
      })
    }
    return yield* Schema.decodeUnknownEffect(RunStatus)(json).pipe(
      Effect.mapError(
        (e) =>
          new LiveRunError({
            pid: run.pid,
            reason: `reported a status this videokr cannot read (is it another version of videokr?): ${e.message}`
          })
      )
    )
  })

/** The holder of a corpus's lock, from DuckDB's error: `Conflicting lock is held in <program> (PID <pid>)`. */
interface Lock {
  readonly program: string | undefined
  readonly pid: number | undefined
}

const lockOf = (e: StoreError): Lock | undefined => {
  if (e.operation !== "open" || !e.reason.includes("Could not set lock on file")) return undefined
  const held = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(e.reason)
  return { program: held?.[1], pid: held === null ? undefined : Number(held[2]) }
}

const holderOf = (lock: Lock) =>
  lock.pid === undefined
    ? "another process"
    : `${lock.program === undefined ? "process" : lock.program} (PID ${lock.pid})`

/** What `.videokr/review.json` says while `videokr review` serves (it holds the corpus the whole time). */
const ReviewFile = Schema.Struct({ pid: Schema.Number, url: Schema.String, startedAt: Schema.String }).annotate({
  identifier: "ReviewFile"
})
export const reviewFileOf = (project: Project): string => join(project.dir, ".videokr", "review.json")

const reviewServing = (project: Project, lock: Lock) =>
  Effect.promise(() =>
    readFile(reviewFileOf(project), "utf8").then(
      (t) => JSON.parse(t) as unknown,
      () => undefined
    )
  ).pipe(
    Effect.map((json) => Option.getOrUndefined(Schema.decodeUnknownOption(ReviewFile)(json))),
    Effect.map((review) => (review !== undefined && review.pid === lock.pid ? review : undefined))
  )

/** The lock is held and no run answers: say who holds it and what to do. */
const notARun = (project: Project, lock: Lock, run: RunFile | undefined) =>
  Effect.flatMap(reviewServing(project, lock), (review) =>
    Effect.fail(
      review !== undefined
        ? new StoreError({
            path: project.corpusPath,
            operation: "open",
            reason:
              `videokr review (pid ${review.pid}, serving ${review.url} since ${review.startedAt}) holds the corpus; DuckDB lets one process open the file at a time: ` +
              "stop it (Ctrl-C; every mark is saved already) to run this command, and start it again afterwards"
          })
        : new StoreError({
            path: project.corpusPath,
            operation: "open",
            reason:
              `the corpus is locked by ${holderOf(lock)}, which is not a videokr run that answers` +
              (run === undefined
                ? ""
                : ` (.videokr/run.json names a run, pid ${run.pid}, whose socket does not answer)`) +
              `; DuckDB lets one process open the file at a time: run this command once that process has ended (if a \`videokr run\` is just starting, try again in a moment)`
          })
    )
  )

const writerWaits = (run: RunFile) =>
  `a videokr run (pid ${run.pid}, started ${run.startedAt}) is in progress and holds the corpus, and this command writes to it: ` +
  "run it once the run has ended (a stopped run resumes where it stopped); meanwhile funnel, stats, why and status read the corpus through the run"

/** The run that holds the corpus's lock and answers on its socket, if that is who holds it. */
const answeringRun = (project: Project) =>
  Effect.gen(function* () {
    const run = yield* runOf(project)
    if (run === undefined) return { run, answers: false }
    return { run, answers: Option.isSome(yield* askStatus(run)) }
  })

/** A store whose reads go to the run in progress; its writes fail, saying so. */
const remoteStore = (project: Project, run: RunFile): Effect.Effect<CorpusStoreShape, StoreError> =>
  Effect.gen(function* () {
    const path = project.corpusPath
    const through = `through the videokr run in progress (pid ${run.pid})`
    const unreachable = (operation: string) => (reason: string) =>
      new StoreError({
        path,
        operation: `${operation} ${through}`,
        reason: `the run stopped answering (${reason}); if it has ended, run the command again: it then reads the corpus file itself`
      })
    const failed = (text: string, status: number) => {
      const body = (() => {
        try {
          return decodeJson(text) as { operation?: string; reason?: string }
        } catch {
          return {}
        }
      })()
      return new StoreError({
        path,
        operation: `${body.operation ?? "query"} ${through}`,
        reason: body.reason ?? `HTTP ${status}`
      })
    }

    const query = <T>(sql: string, params?: CorpusStore.Params) =>
      Effect.gen(function* () {
        const answer = yield* ask(run.socket, "POST", "/query", { sql, params: params ?? {} }).pipe(
          Effect.mapError(unreachable(label("query", sql)))
        )
        const text = yield* readAll(answer.body).pipe(Effect.mapError(unreachable(label("query", sql))))
        if (answer.status !== 200) return yield* failed(text, answer.status)
        return yield* Effect.try({
          try: () => (decodeJson(text) as { rows: Array<T> }).rows,
          catch: (e) => unreachable(label("query", sql))(reasonOf(e))
        })
      })

    const stream = <T>(sql: string, params?: CorpusStore.Params) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const answer = yield* ask(run.socket, "POST", "/stream", { sql, params: params ?? {} }).pipe(
            Effect.mapError(unreachable(label("stream", sql)))
          )
          if (answer.status !== 200)
            return Stream.fail(
              failed(
                yield* readAll(answer.body).pipe(Effect.mapError(unreachable(label("stream", sql)))),
                answer.status
              )
            )
          return Stream.fromAsyncIterable(
            batchesOf<T>(answer.body, (text) => failed(text, 500)),
            (e) => (e instanceof StoreError ? e : unreachable(label("stream", sql))(reasonOf(e)))
          )
        })
      )

    const writes = (operation: string) => new StoreError({ path, operation, reason: writerWaits(run) })
    const [version] = yield* query<{ version: number }>(
      "SELECT max(version)::INTEGER AS version FROM schema_migrations"
    )
    return {
      path,
      schemaVersion: version?.version ?? 0,
      query,
      stream,
      run: (sql) => Effect.fail(writes(label("statement", sql))),
      transaction: () => Effect.fail(writes("transaction")),
      ingest: () => Effect.fail(writes("ingest"))
    } satisfies CorpusStoreShape
  })

/** The batches of a streamed answer, one JSON line each; a line {operation, reason} is the run's failure. */
async function* batchesOf<T>(
  res: IncomingMessage,
  failure: (line: string) => StoreError
): AsyncGenerator<ReadonlyArray<T>> {
  let pending = ""
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      pending += chunk.toString("utf8")
      let end: number
      while ((end = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, end)
        pending = pending.slice(end + 1)
        const value = decodeJson(line) as { rows?: ReadonlyArray<T> }
        if (value.rows === undefined) throw failure(line)
        yield value.rows
      }
    }
    if (pending.trim() !== "") throw new Error("the answer was cut short")
  } finally {
    // a consumer that stops early (or fails) closes the connection, which frees the run's
    res.destroy()
  }
}

/**
 * The project's store, and when another process holds the file: `whenRun` for the project's run
 * answering on its socket, else an error that says who holds it.
 */
const storeLayerOr = (
  project: Project,
  whenRun: (run: RunFile) => Effect.Effect<CorpusStoreShape, StoreError>
): Layer.Layer<CorpusStore.CorpusStore, StoreError> =>
  projectStoreLayer(project).pipe(
    Layer.catchTag("StoreError", (e) =>
      Layer.effect(
        CorpusStore.CorpusStore,
        Effect.gen(function* () {
          const lock = lockOf(e)
          if (lock === undefined) return yield* e
          const { run, answers } = yield* answeringRun(project)
          if (run === undefined || !answers) return yield* notARun(project, lock, run)
          return yield* whenRun(run)
        })
      )
    )
  )

/**
 * The corpus store for commands that only read it (funnel, stats, why, status). The file is opened as
 * usual; when another process holds it and that process is the project's run, answering on its socket,
 * reads go through the run and writes fail, saying a run is in progress. Held by anything else, the
 * error says by whom.
 */
export const readStoreLayer = (project: Project): Layer.Layer<CorpusStore.CorpusStore, StoreError> =>
  storeLayerOr(project, (run) => remoteStore(project, run))

/**
 * The corpus store for commands that write: the file opened as usual, and when a lock keeps it from
 * opening, an error that says whether a videokr run holds it (and what can be done meanwhile) or who else.
 */
export const writeStoreLayer = (project: Project): Layer.Layer<CorpusStore.CorpusStore, StoreError> =>
  storeLayerOr(project, (run) =>
    Effect.fail(new StoreError({ path: project.corpusPath, operation: "open", reason: writerWaits(run) }))
  )

/**
 * The corpus store for `videokr review`: when a videokr run holds the file, the error says how reviewers
 * work during a run (the run serves the app itself).
 */
export const reviewStoreLayer = (project: Project): Layer.Layer<CorpusStore.CorpusStore, StoreError> =>
  storeLayerOr(project, (run) =>
    Effect.fail(
      new StoreError({
        path: project.corpusPath,
        operation: "open",
        reason:
          `a videokr run (pid ${run.pid}, started ${run.startedAt}) holds the corpus; to review while it goes, the run serves the app itself: ` +
          "stop it (Ctrl-C; it resumes where it stopped) and start it again with videokr run --review, or wait for it to end"
      })
    )
  )
