import { randomUUID } from "node:crypto"
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import type { ModelCall } from "./ModelProvider.ts"
import { jsonParam, rowsOf } from "./pipeline/BatchSql.ts"

/** Appends one model call to the corpus store (usage, cost, latency, outcome; never the request's secrets). */
export const recordModelCall = (call: ModelCall) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.run(
      `INSERT INTO model_calls (stage, model_id, provider, model, cache_key, status, cached, input_tokens, output_tokens, cost_usd, latency_ms, error)
       VALUES ($stage, $modelId, $provider, $model, $cacheKey, $status, $cached, $inputTokens, $outputTokens, $costUsd, $latencyMs, $error)`,
      {
        stage: call.stage ?? null,
        modelId: call.modelId,
        provider: call.provider,
        model: call.model,
        cacheKey: call.cacheKey ?? null,
        status: call.status,
        cached: call.cached,
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        costUsd: call.costUsd,
        latencyMs: call.latencyMs,
        error: call.error ?? null
      }
    )
  )

const callColumns = {
  call_id: "VARCHAR",
  called_at: "VARCHAR",
  stage: "VARCHAR",
  model_id: "VARCHAR",
  provider: "VARCHAR",
  model: "VARCHAR",
  cache_key: "VARCHAR",
  status: "VARCHAR",
  cached: "BOOLEAN",
  input_tokens: "BIGINT",
  output_tokens: "BIGINT",
  cost_usd: "DOUBLE",
  latency_ms: "DOUBLE",
  error: "VARCHAR"
} as const
const callColumnList = Object.keys(callColumns).join(", ")
const selectCalls = Object.keys(callColumns)
  .map((c) => (c === "called_at" ? "called_at::TIMESTAMP" : c))
  .join(", ")

/** A call as a row of model_calls, with the id that makes reconciling it idempotent. */
export const callRowOf = (c: ModelCall) => ({
  call_id: randomUUID(),
  called_at: new Date().toISOString(),
  stage: c.stage ?? null,
  model_id: c.modelId,
  provider: c.provider,
  model: c.model,
  cache_key: c.cacheKey ?? null,
  status: c.status,
  cached: c.cached,
  input_tokens: c.inputTokens,
  output_tokens: c.outputTokens,
  cost_usd: c.costUsd,
  latency_ms: c.latencyMs,
  error: c.error ?? null
})

/**
 * Model calls recorded in batches, for runs that make many: calls are buffered and written in one
 * statement every `maxRows` calls or `maxMillis` (and by `flush`, which a run calls when it ends, however
 * it ends). So that a run killed outright loses no row of the ledger, each call is first appended to a
 * journal file under `journalDir` (one per process): `reconcileCallJournals` puts the rows a killed run
 * never wrote into the store at the next start, and `close` removes the journal once all is written.
 */
export const makeCallRecorder = (
  options: { readonly maxRows?: number; readonly maxMillis?: number; readonly journalDir?: string | undefined } = {}
) =>
  Effect.map(CorpusStore, (store) => {
    let buffer: Array<CallRow> = []
    let last = Date.now()
    const journal =
      options.journalDir === undefined ? undefined : join(options.journalDir, `${process.pid}-${Date.now()}.jsonl`)
    if (options.journalDir !== undefined) mkdirSync(options.journalDir, { recursive: true })
    const flush = Effect.suspend(() => {
      if (buffer.length === 0) return Effect.void
      const rows = buffer
      buffer = []
      last = Date.now()
      return store.run(
        `INSERT INTO model_calls (${callColumnList}) SELECT ${selectCalls} FROM ${rowsOf(callColumns)}`,
        {
          rows: jsonParam(rows)
        }
      )
    })
    /** a row made elsewhere (a worker's call, journaled there): written with its own id */
    const recordRow = (row: CallRow) =>
      Effect.suspend(() => {
        // before anything else: the journal is what survives a SIGKILL
        if (journal !== undefined) appendFileSync(journal, JSON.stringify(row) + "\n")
        buffer.push(row)
        return buffer.length >= (options.maxRows ?? 256) || Date.now() - last >= (options.maxMillis ?? 1000)
          ? flush
          : Effect.void
      })
    const record = (call: ModelCall) => recordRow(callRowOf(call))
    /** Writes what is buffered and removes the journal (every row of it is in the store then). */
    const close = Effect.andThen(
      flush,
      Effect.sync(() => journal !== undefined && rmSync(journal, { force: true }))
    )
    return { record, recordRow, flush, close }
  })

/** A row of model_calls as a recorder writes it and a journal keeps it. */
export type CallRow = ReturnType<typeof callRowOf>

/**
 * A journal of calls without a store (a worker's: the coordinator writes the store): each call is appended
 * to its own file under `dir` as it is made, and returned as a row for the worker to hand back with its
 * job. The coordinator writes the rows it gets and, at its start and end, reconciles the journals
 * (reconcileCallJournals), so that the calls of a worker killed mid-job are in the ledger too.
 */
export const makeCallJournal = (dir: string, name: string) => {
  mkdirSync(dir, { recursive: true })
  const journal = join(dir, `${name}.jsonl`)
  return {
    path: journal,
    record: (call: ModelCall): CallRow => {
      const row = callRowOf(call)
      appendFileSync(journal, JSON.stringify(row) + "\n")
      return row
    }
  }
}

/**
 * The ledger rows of earlier processes that were killed before writing them: every journal under `dir`
 * is read, the calls not yet in model_calls (by call id) are inserted in one statement each, and the
 * journal is removed. Returns how many rows were added. Run it before a new recorder starts.
 */
export const reconcileCallJournals = (dir: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".jsonl"))
          .map((f) => join(dir, f))
      : []
    let added = 0
    for (const file of files) {
      const columns = `{${Object.entries(callColumns)
        .map(([k, t]) => `'${k}': '${t}'`)
        .join(", ")}}`
      // a line cut by the kill is skipped (ignore_errors): its call never answered into the cache either
      const source = `read_json('${file.replaceAll("'", "''")}', format = 'newline_delimited', columns = ${columns}, ignore_errors = true)`
      const [{ n }] = (yield* store.query<{ n: number }>(
        `SELECT count(*)::INT AS n FROM ${source} j WHERE j.call_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM model_calls m WHERE m.call_id = j.call_id)`
      )) as [{ n: number }]
      if (n > 0) {
        yield* store.run(`INSERT INTO model_calls (${callColumnList}) SELECT ${selectCalls} FROM ${source} j
          WHERE j.call_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM model_calls m WHERE m.call_id = j.call_id)`)
      }
      added += n
      rmSync(file, { force: true })
    }
    return added
  })
