import { parse as parseCsv } from "csv-parse"
import { createReadStream } from "node:fs"
import { stat } from "node:fs/promises"
import { extname } from "node:path"
import { Effect, Stream } from "effect"
import { sha256File } from "./Sha256.ts"
import { CorpusStore, type IngestResult, type IngestRow } from "./CorpusStore.ts"
import { FileError, InputError, type InputProblem, problemCap, UsageError, reasonOf } from "./Errors.ts"
import { decodeRecord, type RecordKind, type RecordKindName, recordKinds, type Respelling } from "./RecordKind.ts"

export interface ImportOptions {
  /** the kind of records; inferred from the file when absent */
  readonly kind?: RecordKindName | undefined
  /** replace records whose id is already in the corpus instead of refusing the file */
  readonly replace?: boolean | undefined
  /** refuse other spellings of values (problem_type "multiple-choice") instead of storing their canonical one */
  readonly strict?: boolean | undefined
}

/** How often one other spelling was read and stored as its canonical value. */
export interface RespellingCount extends Respelling {
  readonly records: number
}

/** Tallies other spellings as a file is decoded. */
const respellingTally = () => {
  const counts = new Map<string, RespellingCount>()
  return {
    add: (r: Respelling) => {
      const key = JSON.stringify([r.field, r.from])
      counts.set(key, { ...r, records: (counts.get(key)?.records ?? 0) + 1 })
    },
    counts: () => [...counts.values()].sort((a, b) => b.records - a.records)
  }
}

export type FileFormat = "jsonl" | "csv"

const batchSize = 2_000

export const formatOf = (file: string): FileFormat => (extname(file).toLowerCase() === ".csv" ? "csv" : "jsonl")

/** Raw records of a file with their line numbers; syntax errors are reported as problems, not thrown. */
type RawRecord = { readonly line: number; readonly raw: unknown } | { readonly line: number; readonly problem: string }

/** Lines of a UTF-8 file with their numbers, read in large chunks (readline costs more than the parsing). */
async function* lines(file: string): AsyncGenerator<readonly [number, string]> {
  let rest = ""
  let line = 0
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string)
    let start = 0
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      yield [++line, text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end)]
      start = end + 1
    }
    rest = text.slice(start)
  }
  if (rest !== "") yield [++line, rest.endsWith("\r") ? rest.slice(0, -1) : rest]
}

async function* jsonlRecords(file: string): AsyncGenerator<RawRecord> {
  for await (let [line, text] of lines(file)) {
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (text.trim() === "") continue
    try {
      yield { line, raw: JSON.parse(text) }
    } catch (e) {
      yield { line, problem: `invalid JSON: ${reasonOf(e)}` }
    }
  }
}

async function* csvRecords(file: string): AsyncGenerator<RawRecord> {
  const parser = createReadStream(file).pipe(
    parseCsv({ columns: true, bom: true, info: true, skip_empty_lines: true, trim: false })
  )
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>
      info: { lines: number }
    }>) {
      // empty cells are absent fields, so that a required one is reported as missing
      const raw: Record<string, string> = {}
      for (const [k, v] of Object.entries(record)) if (v !== "") raw[k] = v
      yield { line: info.lines, raw }
    }
  } catch (e) {
    const lines = (e as { lines?: number }).lines
    yield { line: lines ?? 0, problem: `invalid CSV: ${reasonOf(e)}` }
  }
}

export const readRawRecords = (file: string): AsyncIterable<RawRecord> =>
  formatOf(file) === "csv" ? csvRecords(file) : jsonlRecords(file)

/**
 * Decoded rows of `file` in batches. Bad records never reach the store: they are collected (with
 * duplicate ids) and the stream fails with one InputError at the end, listing them.
 */
export const decodeFile = <A>(
  kind: RecordKind<A>,
  file: string,
  options: { readonly strict?: boolean | undefined; readonly onRespelled?: ((r: Respelling) => void) | undefined } = {}
): Stream.Stream<ReadonlyArray<IngestRow<A>>, InputError | FileError> => {
  async function* batches(): AsyncGenerator<ReadonlyArray<IngestRow<A>>> {
    const problems: Array<InputProblem> = []
    let omitted = 0
    const report = (p: InputProblem) => (problems.length < problemCap ? problems.push(p) : omitted++)
    const seen = new Map<string, number>()
    let batch: Array<IngestRow<A>> = []
    let records = 0
    for await (const r of readRawRecords(file)) {
      records++
      if ("problem" in r) {
        report({ line: r.line, message: r.problem })
        continue
      }
      const decoded = decodeRecord(kind, r.raw, r.line, { strict: options.strict ?? false })
      if (decoded._tag === "Invalid") {
        decoded.problems.forEach(report)
        continue
      }
      decoded.respelled.forEach((x) => options.onRespelled?.(x))
      const id = String((decoded.value as Record<string, unknown>)[kind.idField])
      const first = seen.get(id)
      if (first !== undefined) {
        report({ line: r.line, field: kind.idField, message: `duplicate id "${id}" (first at line ${first})` })
        continue
      }
      seen.set(id, r.line)
      if (problems.length > 0) continue // keep validating, stop sending rows: the file will be refused
      batch.push({ value: decoded.value, extra: decoded.extra, line: r.line })
      if (batch.length >= batchSize) {
        yield batch
        batch = []
      }
    }
    if (records === 0) report({ line: 1, message: emptyFileMessage })
    if (problems.length > 0) throw new InputError({ file, problems, omitted })
    if (batch.length > 0) yield batch
  }
  return Stream.fromAsyncIterable(batches(), (e) =>
    e instanceof InputError ? e : new FileError({ path: file, operation: "read", reason: reasonOf(e) })
  )
}

const kindSignatures: ReadonlyArray<readonly [RecordKindName, (keys: Set<string>) => boolean]> = [
  ["knowledge-bank", (k) => k.has("knowledge_point") && k.has("lecture")],
  ["seeds", (k) => k.has("rationale") && k.has("skill")],
  ["videos", (k) => k.has("source_id") || (k.has("url") && k.has("license"))],
  ["examples", (k) => k.has("question") && (k.has("solution") || k.has("problem_type")) && !k.has("rationale")]
]

/** The problem of a file with no record, whatever it was meant to hold. */
export const emptyFileMessage = "the file is empty: no records"

/** Infers the kind of records from the first record of the file. */
export const inferKind = (file: string): Effect.Effect<RecordKindName, UsageError | InputError | FileError> =>
  Effect.gen(function* () {
    if (formatOf(file) === "csv") return "knowledge-bank" as const
    const first = yield* Effect.tryPromise({
      try: async () => {
        for await (const r of readRawRecords(file)) return r
        return undefined
      },
      catch: (e) => new FileError({ path: file, operation: "read", reason: reasonOf(e) })
    })
    // the same problem, with the same exit code, as when --kind is given
    if (first === undefined)
      return yield* new InputError({ file, problems: [{ line: 1, message: emptyFileMessage }], omitted: 0 })
    if ("problem" in first) {
      return yield* new UsageError({
        reason: `${file}:${first.line}: ${first.problem}; cannot infer the kind of records (fix the line or pass --kind)`
      })
    }
    const keys = new Set(first.raw !== null && typeof first.raw === "object" ? Object.keys(first.raw) : [])
    const matches = kindSignatures.filter(([, test]) => test(keys)).map(([name]) => name)
    if (matches.length === 1) return matches[0]!
    return yield* new UsageError({
      reason: `${file}: cannot tell whether these are ${matches.length > 1 ? matches.join(" or ") : "knowledge-bank, seeds, examples or videos"} records from the fields of line ${first.line}; pass --kind`
    })
  })

/** Imports one file (JSONL, or CSV for knowledge banks) into the corpus, all or nothing. */
export const importFile = (file: string, options: ImportOptions = {}) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    yield* Effect.tryPromise({
      try: () => stat(file),
      catch: (e) => new FileError({ path: file, operation: "open", reason: reasonOf(e) })
    })
    const name = options.kind ?? (yield* inferKind(file))
    if (formatOf(file) === "csv" && name !== "knowledge-bank") {
      return yield* new UsageError({ reason: `${file}: CSV is read for knowledge banks only; give ${name} as JSONL` })
    }
    const kind = recordKinds[name]
    const sha256 = yield* sha256File(file)
    if (!options.replace) {
      const earlier = yield* store.query<{ file: string }>(
        "SELECT file FROM imports WHERE sha256 = $sha AND kind = $kind LIMIT 1",
        {
          sha: sha256,
          kind: name
        }
      )
      // re-running an import script is harmless: the same content is not imported twice
      if (earlier.length > 0)
        return {
          kind: name,
          file,
          records: 0,
          replaced: 0,
          unchanged: true,
          respelled: [] as ReadonlyArray<RespellingCount>
        }
    }
    const respelled = respellingTally()
    const result = (yield* store.ingest(
      kind,
      decodeFile(kind, file, { strict: options.strict, onRespelled: respelled.add }),
      {
        file,
        sha256,
        replace: options.replace ?? false
      }
    )) as IngestResult
    return { ...result, respelled: respelled.counts() }
  })
