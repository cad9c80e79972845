import type { Row } from "../CorpusStore.ts"
import { ExamplesKind } from "../RecordKind.ts"
import { recordColumns, recordFromRow } from "../Records.ts"

export type VideoKrRecord = Record<string, unknown>

/** The columns an export reads from the `examples` table. */
export const exampleColumns = `${recordColumns(ExamplesKind)}, split`

/** A stored example as the VideoKR JSONL record it was imported from (aliases resolved to canonical names). */
export const toVideoKrRecord = (row: Row, options: { readonly withThink: boolean }): VideoKrRecord => {
  const record = recordFromRow(ExamplesKind, row)
  if (!options.withThink && typeof row.think === "string") delete record.think
  return record
}
