import type { Row } from "../CorpusStore.ts"

/** Canonical key order of an exported VideoKR record; unknown fields of the input follow, in their order. */
const fieldOrder = [
  "problem_id", "question", "options", "problem_type", "solution", "think", "video_path",
  "skill", "discipline", "subject", "knowledge_point_id", "video_id", "generator_model"
] as const

export type VideoKrRecord = Record<string, unknown>

/** The columns an export reads from the `examples` table. */
export const exampleColumns = `id, question, options, problem_type, solution, think, video_path, skill, discipline,
  subject, knowledge_point_id, video_id, generator_model, extra, split`

/** A stored example as the VideoKR JSONL record it was imported from (aliases resolved to canonical names). */
export const toVideoKrRecord = (row: Row, options: { readonly withThink: boolean }): VideoKrRecord => {
  const record: VideoKrRecord = {}
  for (const field of fieldOrder) {
    const value = field === "problem_id" ? row.id : row[field]
    if (value === null || value === undefined) continue
    if (field === "think" && !options.withThink) continue
    record[field] = field === "options" ? JSON.parse(value as string) : value
  }
  if (row.extra !== null && row.extra !== undefined) {
    for (const [k, v] of Object.entries(JSON.parse(row.extra as string) as Record<string, unknown>)) {
      if (!(k in record)) record[k] = v
    }
  }
  return record
}
