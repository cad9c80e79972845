import { Context, type Effect, Layer, type Stream } from "effect"
import type { InputError, StoreError } from "./Errors.ts"
import { openDuckDbStore } from "./internal/duckdbStore.ts"
import type { RecordKind } from "./RecordKind.ts"

/** A decoded record on its way into the store, with the line it came from. */
export interface IngestRow<A> {
  readonly value: A
  readonly extra: Record<string, unknown> | undefined
  readonly line: number
}

export interface IngestOptions {
  /** the file the rows come from, recorded with every row and in the `imports` table */
  readonly file: string
  readonly sha256: string
  /** replace records whose id is already in the corpus instead of refusing the file */
  readonly replace: boolean
}

export interface IngestResult {
  readonly kind: string
  readonly file: string
  readonly records: number
  readonly replaced: number
  /** the same content was imported before, so nothing was written */
  readonly unchanged?: boolean
}

export type Row = Record<string, unknown>
export type Params = Record<string, string | number | boolean | null>

/** Reads and writes on one connection; inside `transaction` they all belong to it. */
export interface Queries {
  /** Rows as plain objects; BIGINT values that fit are plain numbers. */
  readonly query: <T = Row>(sql: string, params?: Params) => Effect.Effect<Array<T>, StoreError>
  readonly run: (sql: string, params?: Params) => Effect.Effect<void, StoreError>
  /** Rows in batches, for reads too large to hold in memory (exports). */
  readonly stream: <T = Row>(sql: string, params?: Params) => Stream.Stream<ReadonlyArray<T>, StoreError>
}

/**
 * The store of record: one DuckDB file per corpus. Every write is one transaction; record tables carry
 * the file and line each record came from.
 */
export interface CorpusStoreShape extends Queries {
  readonly path: string
  /** Appends all rows of one file in one transaction: on any failure (bad row, duplicate id) nothing is written. */
  readonly ingest: <A, E>(
    kind: RecordKind<A>,
    batches: Stream.Stream<ReadonlyArray<IngestRow<A>>, E>,
    options: IngestOptions
  ) => Effect.Effect<IngestResult, E | InputError | StoreError>
  /** Runs `f` in one transaction on its own connection: committed if it succeeds, rolled back otherwise. */
  readonly transaction: <A, E, R>(f: (tx: Queries) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  /** The schema version after migrations. */
  readonly schemaVersion: number
}

export class CorpusStore extends Context.Service<CorpusStore, CorpusStoreShape>()("@videokr/core/CorpusStore") {}

export interface CorpusStoreOptions {
  /** the corpus file, or ":memory:" */
  readonly path: string
  /** DuckDB's memory_limit (default "128MB": its cache of the corpus's blocks otherwise grows with the corpus): bounds the store's share of the process's memory; it spills beyond */
  readonly memoryLimit?: string
  readonly threads?: number
}

/** The live store on a DuckDB file; the file is created and migrated on first use. */
export const layer = (options: CorpusStoreOptions): Layer.Layer<CorpusStore, StoreError> =>
  Layer.effect(CorpusStore, openDuckDbStore(options))

/** A real DuckDB store held in memory, for tests of code that uses the store. */
export const layerMemory: Layer.Layer<CorpusStore, StoreError> = layer({ path: ":memory:" })
