/**
 * Batch writes in one statement each: the rows travel as one JSON parameter ($rows, $ids) that DuckDB
 * unnests into columns, so a batch of results costs a handful of statements, not a few per item (the
 * per-statement overhead, not the data, is what limits a store written item by item).
 */
export type ColumnTypes = Readonly<Record<string, "VARCHAR" | "DOUBLE" | "INTEGER" | "BIGINT" | "BOOLEAN" | "JSON">>

/** A subquery of the rows of `$rows` as columns of the given types. */
export const rowsOf = (columns: ColumnTypes): string =>
  `(SELECT unnest(from_json($rows, '${JSON.stringify([columns])}'), recursive := true))`

/** A subquery of the strings of the JSON parameter `$<name>`. */
export const idsParam = (name: string): string => `(SELECT unnest(from_json($${name}, '["VARCHAR"]')))`

/** A subquery of the strings of `$ids`. */
export const idsOf = idsParam("ids")

export const jsonParam = (values: ReadonlyArray<unknown>): string => JSON.stringify(values)
