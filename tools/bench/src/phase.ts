/**
 * One measured phase of the benchmark, run in its own process so that its peak RSS is its own.
 * Prints one JSON line: { phase, ms, maxRssMiB, detail }.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"
import { CorpusStore, corpusStats, exportCorpus, type ExportFormat, importFile, splitCorpus } from "@videokr/core"

const [phase, ...args] = process.argv.slice(2)

const timed = async (f: () => Promise<unknown>) => {
  const start = performance.now()
  const detail = await f()
  return { ms: performance.now() - start, detail }
}

const withStore = <A, E>(db: string, effect: Effect.Effect<A, E, CorpusStore.CorpusStore>) =>
  Effect.runPromise(effect.pipe(Effect.provide(CorpusStore.layer({ path: db }))))

const run = async (): Promise<{ ms: number; detail: unknown }> => {
  switch (phase) {
    case "read_json": {
      // DuckDB's own reader of the same file: the baseline for import
      const [file, db] = args as [string, string]
      const instance = await DuckDBInstance.create(db)
      const c = await instance.connect()
      const r = await timed(() => c.run(`CREATE TABLE raw AS SELECT * FROM read_json('${file}')`))
      c.closeSync()
      instance.closeSync()
      return r
    }
    case "import": {
      const [file, db] = args as [string, string]
      return timed(() => withStore(db, importFile(file, { kind: "examples" })))
    }
    case "stats": {
      const [db] = args as [string]
      // the store is opened first so that the time is the statistics' own
      return withStore(
        db!,
        Effect.promise(() => Promise.resolve()).pipe(
          Effect.andThen(Effect.sync(() => performance.now())),
          Effect.flatMap((start) =>
            Effect.map(corpusStats, (s) => ({ ms: performance.now() - start, detail: s.totals }))
          )
        )
      )
    }
    case "split": {
      const [db] = args as [string]
      return timed(() => withStore(db!, splitCorpus()))
    }
    case "export": {
      const [format, db, out] = args as [ExportFormat, string, string]
      return timed(() => withStore(db, exportCorpus(format, { outDir: out })))
    }
    default:
      throw new Error(`unknown phase ${phase}`)
  }
}

const { ms, detail } = await run()
console.log(JSON.stringify({ phase, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, detail }))
