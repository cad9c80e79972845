import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from "@duckdb/node-api"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Exit, Stream } from "effect"
import type { CorpusStoreOptions, CorpusStoreShape, IngestOptions, IngestRow, Params, Queries } from "../CorpusStore.ts"
import { InputError, problemCap, StoreError, reasonOf } from "../Errors.ts"
import { columnOf, jsonFields, type RecordKind } from "../RecordKind.ts"
import { migrations } from "./migrations.ts"

const doubleFields = new Set(["duration"])

const plain = (row: Record<string, unknown>): Record<string, unknown> => {
  for (const key in row) {
    const v = row[key]
    if (typeof v === "bigint") row[key] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  }
  return row
}

export const openDuckDbStore = (options: CorpusStoreOptions) =>
  Effect.gen(function* () {
    const path = options.path
    const fail = (operation: string) => (cause: unknown) => new StoreError({ path, operation, reason: reasonOf(cause) })
    const instance = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
          return DuckDBInstance.create(path, {
            memory_limit: options.memoryLimit ?? "128MB",
            ...(options.threads ? { threads: String(options.threads) } : {})
          })
        },
        catch: fail("open")
      }),
      (instance) => Effect.sync(() => instance.closeSync())
    )

    const connect = Effect.acquireRelease(
      Effect.tryPromise({ try: () => instance.connect(), catch: fail("connect") }),
      (connection) => Effect.sync(() => connection.closeSync())
    )

    /** "query (SELECT count(*) FROM examples …)": enough of the statement to tell which one failed */
    const label = (what: string, sql: string) => `${what} (${sql.trim().split(/\s+/).slice(0, 4).join(" ")} …)`

    // A statement DuckDB is running cannot be called off: an interrupted fiber (a client that went away, a
    // Ctrl-C) waits for it to end, so that its connection is never closed under a running statement (which
    // aborts the process in DuckDB's native code).
    const queriesOn = (connection: DuckDBConnection): Queries => ({
      query: <T>(sql: string, params?: Params) =>
        Effect.uninterruptible(
          Effect.tryPromise({
            try: async () => (await connection.runAndReadAll(sql, params)).getRowObjectsJS().map(plain) as Array<T>,
            catch: fail(label("query", sql))
          })
        ),
      run: (sql: string, params?: Params) =>
        Effect.uninterruptible(
          Effect.tryPromise({ try: () => connection.run(sql, params), catch: fail(label("statement", sql)) })
        ).pipe(Effect.asVoid),
      stream: <T>(sql: string, params?: Params) =>
        Stream.unwrap(
          Effect.tryPromise({ try: () => connection.stream(sql, params), catch: fail("stream") }).pipe(
            Effect.map((result) =>
              Stream.fromAsyncIterable(result.yieldRowObjectJs(), fail("stream")).pipe(
                Stream.map((rows) => rows.map(plain) as ReadonlyArray<T>)
              )
            )
          )
        )
    })

    /** One connection per use, so that concurrent fibers and transactions never share one (DuckDB's MVCC isolates them). */
    const withConnection = <A, E, R>(f: (c: DuckDBConnection) => Effect.Effect<A, E, R>) =>
      Effect.scoped(Effect.flatMap(connect, f))

    const inTransaction = <A, E, R>(connection: DuckDBConnection, f: (tx: Queries) => Effect.Effect<A, E, R>) => {
      const tx = queriesOn(connection)
      return Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          yield* tx.run("BEGIN TRANSACTION")
          const exit = yield* Effect.exit(restore(f(tx)))
          if (Exit.isSuccess(exit)) {
            yield* tx.run("COMMIT")
            return exit.value
          }
          yield* tx.run("ROLLBACK").pipe(Effect.ignore)
          return yield* exit
        })
      )
    }

    const transaction = <A, E, R>(f: (tx: Queries) => Effect.Effect<A, E, R>) =>
      withConnection((connection) => inTransaction(connection, f))

    /** A single statement outside any transaction of ours (DuckDB runs it in its own). */
    const autocommit = <A, E, R>(f: (q: Queries) => Effect.Effect<A, E, R>) => withConnection((c) => f(queriesOn(c)))

    // Migrations: each in its own transaction, recorded in schema_migrations.
    yield* autocommit((q) =>
      q.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
      )
    )
    const applied = yield* autocommit((q) => q.query<{ version: number }>("SELECT version FROM schema_migrations"))
    const done = new Set(applied.map((r) => r.version))
    const latest = Math.max(...migrations.map((m) => m.version))
    const newest = Math.max(0, ...done)
    if (newest > latest) {
      return yield* new StoreError({
        path,
        operation: "open",
        reason: `the corpus has schema version ${newest}, newer than this videokr (${latest}); upgrade videokr`
      })
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue
      yield* transaction((tx) =>
        Effect.andThen(
          tx.run(m.sql),
          tx.run("INSERT INTO schema_migrations (version, name) VALUES ($v, $n)", { v: m.version, n: m.name })
        )
      ).pipe(
        Effect.mapError(
          (e) => new StoreError({ path, operation: `migration ${m.version} (${m.name})`, reason: e.reason })
        )
      )
    }

    const ingest = <A, E>(
      kind: RecordKind<A>,
      batches: Stream.Stream<ReadonlyArray<IngestRow<A>>, E>,
      opts: IngestOptions
    ) => {
      const table = kind.table
      if (table === undefined)
        return Effect.fail(
          new StoreError({ path, operation: "ingest", reason: `${kind.name} records are not stored in a corpus` })
        )
      const columns = kind.fields.map((f) => ({ field: f, column: columnOf(kind, f) }))
      return withConnection((connection) => inTransaction(connection, (tx) => ingestIn(tx, connection, table)))

      function ingestIn(tx: Queries, connection: DuckDBConnection, table: string) {
        return Effect.gen(function* () {
          const tableColumns = (yield* tx.query<{ name: string }>(
            `SELECT name FROM pragma_table_info('${table}') ORDER BY cid`
          )).map((c) => c.name)
          const fieldOf = new Map(columns.map((c) => [c.column, c.field]))
          const [{ base }] = (yield* tx.query<{ base: number }>(
            `SELECT coalesce(max(seq), 0)::BIGINT AS base FROM ${table}`
          )) as [{ base: number }]
          // Rows go straight into the table, in this transaction: all or nothing, with no staging copy.
          const appender: DuckDBAppender = yield* Effect.tryPromise({
            try: () => connection.createAppender(table),
            catch: fail("ingest")
          })
          let seq = base
          let unflushed = 0
          const append = (row: IngestRow<A>) => {
            const value = row.value as Record<string, unknown>
            for (const column of tableColumns) {
              if (column === "seq") appender.appendBigInt(BigInt(++seq))
              else if (column === "extra")
                row.extra === undefined ? appender.appendNull() : appender.appendVarchar(JSON.stringify(row.extra))
              else if (column === "source_file") appender.appendVarchar(opts.file)
              else if (column === "source_line") appender.appendInteger(row.line)
              else {
                const field = fieldOf.get(column)
                const v = field === undefined ? undefined : value[field]
                if (field === undefined) appender.appendDefault()
                else if (v === undefined || v === null) appender.appendNull()
                else if (jsonFields.has(field)) appender.appendVarchar(JSON.stringify(v))
                else if (doubleFields.has(field)) appender.appendDouble(v as number)
                else appender.appendVarchar(v as string)
              }
            }
            appender.endRow()
          }
          yield* Stream.runForEach(batches, (rows) =>
            Effect.try({
              try: () => {
                rows.forEach(append)
                unflushed += rows.length
                // flushing every ~16k rows keeps the appender from buffering the whole file in memory
                if (unflushed >= 16_384) {
                  appender.flushSync()
                  unflushed = 0
                }
              },
              catch: fail("ingest")
            })
          )
          yield* Effect.try({ try: () => (appender.flushSync(), appender.closeSync()), catch: fail("ingest") })
          // Ids are unique per table: the reader refuses repeats within a file, this join repeats with the
          // corpus (one hash join, instead of an index that would slow every bulk append).
          const clashes = yield* tx.query<{ id: string; line: number; file: string; at: number | null }>(
            `SELECT n.id, n.source_line AS line, o.source_file AS file, o.source_line AS at
             FROM ${table} n JOIN ${table} o ON n.id = o.id AND n.seq > $base AND o.seq <= $base ORDER BY n.source_line`,
            { base }
          )
          if (clashes.length > 0 && !opts.replace) {
            return yield* new InputError({
              file: opts.file,
              problems: clashes.slice(0, problemCap).map((c) => ({
                line: c.line,
                field: kind.idField,
                message: `"${c.id}" is already in the corpus (from ${c.at === null ? c.file : `${c.file}:${c.at}`}); use --replace to replace it`
              })),
              omitted: Math.max(0, clashes.length - problemCap)
            })
          }
          if (clashes.length > 0) {
            yield* tx.run(
              `DELETE FROM ${table} WHERE seq <= $base AND id IN (SELECT id FROM ${table} WHERE seq > $base)`,
              { base }
            )
          }
          const records = seq - base
          yield* tx.run(
            `INSERT INTO imports (seq, kind, file, sha256, records, replaced)
             SELECT coalesce(max(seq), 0) + 1, $kind, $file, $sha, $records, $replaced FROM imports`,
            { kind: kind.name, file: opts.file, sha: opts.sha256, records, replaced: clashes.length }
          )
          return { kind: kind.name, file: opts.file, records, replaced: clashes.length }
        })
      }
    }

    const store: CorpusStoreShape = {
      path,
      schemaVersion: latest,
      query: (sql, params) => autocommit((q) => q.query(sql, params)),
      run: (sql, params) => autocommit((q) => q.run(sql, params)),
      // the connection lives as long as the stream
      stream: (sql, params) => Stream.unwrap(Effect.map(connect, (c) => queriesOn(c).stream(sql, params))),
      transaction,
      ingest
    }
    return store
  })
