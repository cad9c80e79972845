import { readFile } from "node:fs/promises"
import { extname, resolve } from "node:path"
import { parquetRowsAsJson } from "@videokr/core"
import { Effect, Schema } from "effect"
import type { Doc, ReadFile } from "./Task.ts"

/** A released data file that is missing or does not read: names the file, and the line and field when known. */
export class TaskDataError extends Schema.TaggedError<TaskDataError>()("TaskDataError", {
  task: Schema.String,
  file: Schema.String,
  line: Schema.optionalKey(Schema.Int),
  field: Schema.optionalKey(Schema.String),
  reason: Schema.String
}) {
  override get message() {
    const at = `${this.file}${this.line === undefined ? "" : `:${this.line}`}${this.field === undefined ? "" : ` (field ${this.field})`}`
    return `${this.task}: ${at}: ${this.reason}`
  }
}

const parseJsonLines = (task: string, file: string, text: string): Array<Doc> => {
  const docs: Array<Doc> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "") continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      throw new TaskDataError({ task, file, line: i + 1, reason: `not JSON: ${(e as Error).message}` })
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new TaskDataError({ task, file, line: i + 1, reason: "a line must hold one JSON object" })
    docs.push(value as Doc)
  }
  return docs
}

const parseJson = (task: string, file: string, text: string): Array<Doc> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    // JSON.parse names a position; the line is what a person looks for
    const at = /position (\d+)/.exec((e as Error).message)
    const line = at === null ? undefined : text.slice(0, Number(at[1])).split("\n").length
    throw new TaskDataError({
      task,
      file,
      ...(line === undefined ? {} : { line }),
      reason: `not JSON: ${(e as Error).message}`
    })
  }
  if (!Array.isArray(value)) throw new TaskDataError({ task, file, reason: "expected a JSON array of documents" })
  value.forEach((d, i) => {
    if (d === null || typeof d !== "object" || Array.isArray(d))
      throw new TaskDataError({ task, file, field: `[${i}]`, reason: "each document must be a JSON object" })
  })
  return value as Array<Doc>
}

/** The reader of a task's released files under `root`: JSON arrays, JSON lines and parquet (via DuckDB). */
export const fileReader =
  (task: string, root: string): ReadFile =>
  (relativePath) =>
    Effect.tryPromise({
      try: async () => {
        const path = resolve(root, relativePath)
        const ext = extname(path).toLowerCase()
        if (ext === ".parquet") {
          const rows = await parquetRowsAsJson(path).catch((e: unknown) => {
            const reason = e instanceof Error ? e.message : String(e)
            throw new TaskDataError({
              task,
              file: path,
              reason: /No files found|does not exist/i.test(reason) ? "no such file" : reason
            })
          })
          return rows.map((r) => JSON.parse(r) as Doc)
        }
        const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
          throw new TaskDataError({ task, file: path, reason: e.code === "ENOENT" ? "no such file" : e.message })
        })
        if (ext === ".jsonl") return parseJsonLines(task, path, text)
        if (ext === ".json") return parseJson(task, path, text)
        throw new TaskDataError({ task, file: path, reason: `unsupported file type ${ext} (json, jsonl or parquet)` })
      },
      catch: (e) =>
        e instanceof TaskDataError
          ? e
          : new TaskDataError({ task, file: resolve(root, relativePath), reason: String(e) })
    })

/**
 * The documents of one file, each holding the given fields, or a TaskDataError naming the first that does
 * not: its line for JSON lines, its index for JSON arrays and parquet rows.
 */
export const withFields = (task: string, file: string, docs: ReadonlyArray<Doc>, fields: ReadonlyArray<string>) =>
  Effect.suspend(() => {
    const lines = file.toLowerCase().endsWith(".jsonl")
    for (let i = 0; i < docs.length; i++) {
      const missing = fields.find((f) => !Object.hasOwn(docs[i]!, f))
      if (missing !== undefined)
        return Effect.fail(
          new TaskDataError({
            task,
            file,
            ...(lines ? { line: i + 1, field: missing } : { field: `[${i}].${missing}` }),
            reason: "missing"
          })
        )
    }
    return Effect.succeed(docs)
  })
