import { Effect, Exit, Schema, Stream } from "effect"
import { CorpusStore, type Row } from "./CorpusStore.ts"
import { StoreError } from "./Errors.ts"
import { columnOf, jsonFields, type RecordKind } from "./RecordKind.ts"

/**
 * A stored row as the record it was imported from: fields in the schema's order under their canonical
 * names, absent fields left out, then the unknown fields of the input in their order.
 */
export const recordFromRow = (kind: RecordKind<unknown>, row: Row): Record<string, unknown> => {
  const record: Record<string, unknown> = {}
  for (const field of kind.fields) {
    const value = row[columnOf(kind, field)]
    if (value === null || value === undefined) continue
    record[field] = jsonFields.has(field) ? JSON.parse(value as string) : value
  }
  if (typeof row.extra === "string") {
    for (const [k, v] of Object.entries(JSON.parse(row.extra) as Record<string, unknown>))
      if (!(k in record)) record[k] = v
  }
  return record
}

/** The columns to select for `recordFromRow`. */
export const recordColumns = (kind: RecordKind<unknown>): string =>
  [...kind.fields.map((f) => columnOf(kind, f)), "extra"].join(", ")

/** Typed reads: every stored record of `kind`, decoded through its schema, in import order, in batches. */
export const readRecords = <A>(kind: RecordKind<A>, where = "TRUE") =>
  Stream.unwrap(
    Effect.gen(function* () {
      const store = yield* CorpusStore
      if (kind.table === undefined)
        return yield* new StoreError({
          path: store.path,
          operation: "read",
          reason: `${kind.name} records are not stored in a corpus`
        })
      const decode = Schema.decodeUnknownExit(kind.schema)
      return store.stream<Row>(`SELECT ${recordColumns(kind)} FROM ${kind.table} WHERE ${where}`).pipe(
        Stream.mapEffect((rows) =>
          Effect.forEach(rows, (row) => {
            const exit = decode(recordFromRow(kind, row))
            return Exit.isSuccess(exit)
              ? Effect.succeed(exit.value)
              : Effect.fail(
                  new StoreError({
                    path: store.path,
                    operation: "read",
                    reason: `${kind.name} ${String(row.id)} no longer matches its schema: ${String(exit.cause)}`
                  })
                )
          })
        )
      )
    })
  )
