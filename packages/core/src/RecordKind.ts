import { Exit, Schema } from "effect"
import type { InputProblem } from "./Errors.ts"
import { schemaProblems, show } from "./internal/schemaProblems.ts"
import { EvalSample } from "./EvalSample.ts"
import { Example } from "./Example.ts"
import { KnowledgePoint } from "./KnowledgeBank.ts"
import { SeedExample } from "./SeedExample.ts"
import { Video } from "./Video.ts"
import { problemTypeOfSpelling } from "./Taxonomy.ts"

/**
 * How one kind of record is read: its schema, the field aliases accepted on read (FORMATS.md), and which
 * field identifies it. Decoding keeps unknown fields (`extra`) so that exports can give them back.
 */
export interface RecordKind<A> {
  readonly name: string
  /** the corpus table that stores records of this kind, for kinds that are imported */
  readonly table: string | undefined
  readonly schema: Schema.Decoder<A>
  readonly fields: ReadonlyArray<string>
  readonly idField: string
  /** canonical field -> alternative names, tried in order when the canonical one is absent */
  readonly aliases: Readonly<Record<string, ReadonlyArray<string>>>
  /** field -> the canonical value of another spelling of it that the release accepts (undefined: not one) */
  readonly spellings: Readonly<Record<string, (value: string) => string | undefined>>
}

/** A value read in another spelling and stored as the canonical one. */
export interface Respelling {
  readonly field: string
  readonly from: string
  readonly to: string
}

/** Fields held as JSON text in the store (the rest are plain columns). */
export const jsonFields: ReadonlySet<string> = new Set(["options", "tags"])

/** The store column of a field: the id field of every kind is stored as `id`. */
export const columnOf = (kind: RecordKind<unknown>, field: string): string => (field === kind.idField ? "id" : field)

export const recordKindNames = ["knowledge-bank", "seeds", "examples", "videos"] as const
export type RecordKindName = (typeof recordKindNames)[number]

const kind = <S extends Schema.Struct<any>>(
  name: string,
  table: string | undefined,
  schema: S,
  idField: string,
  aliases: Record<string, ReadonlyArray<string>> = {},
  spellings: Record<string, (value: string) => string | undefined> = {}
): RecordKind<S["Type"]> => ({
  name,
  table,
  schema: schema as unknown as Schema.Decoder<S["Type"]>,
  fields: Object.keys(schema.fields),
  idField,
  aliases,
  spellings
})

const problemTypeSpellings = { problem_type: problemTypeOfSpelling }

export const KnowledgeBankKind = kind("knowledge-bank", "knowledge_points", KnowledgePoint, "id")
export const SeedsKind = kind("seeds", "seed_examples", SeedExample, "id", {}, problemTypeSpellings)
export const ExamplesKind = kind(
  "examples",
  "examples",
  Example,
  "problem_id",
  {
    problem_id: ["id"],
    video_path: ["path", "file_name"]
  },
  problemTypeSpellings
)
export const VideosKind = kind("videos", "videos", Video, "id")
/** VideoKR-Eval samples (VideoKR_eval.jsonl): read by the eval package, not stored in a corpus. */
export const EvalSamplesKind = kind("eval-samples", undefined, EvalSample, "id", {
  options: ["option"],
  solution: ["answer"],
  subject: ["source"]
})

export const recordKinds: Readonly<Record<RecordKindName, RecordKind<any>>> = {
  "knowledge-bank": KnowledgeBankKind,
  seeds: SeedsKind,
  examples: ExamplesKind,
  videos: VideosKind
}

export type Decoded<A> =
  | {
      readonly _tag: "Ok"
      readonly value: A
      readonly extra: Record<string, unknown> | undefined
      readonly respelled: ReadonlyArray<Respelling>
    }
  | { readonly _tag: "Invalid"; readonly problems: ReadonlyArray<InputProblem> }

/**
 * Decodes one parsed record of `kind` found at `line`, resolving aliases, other spellings of values
 * (refused when `strict`) and collecting unknown fields.
 */
export const decodeRecord = <A>(
  kind: RecordKind<A>,
  raw: unknown,
  line: number,
  options: { readonly strict?: boolean } = {}
): Decoded<A> => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { _tag: "Invalid", problems: [{ line, message: `expected a JSON object, got ${show(raw)}` }] }
  }
  const input: Record<string, unknown> = {}
  const consumed = new Set<string>()
  for (const field of kind.fields) {
    if (field in raw) {
      input[field] = (raw as any)[field]
      consumed.add(field)
    } else {
      const alias = kind.aliases[field]?.find((a) => a in raw)
      if (alias !== undefined) {
        input[field] = (raw as any)[alias]
        consumed.add(alias)
      }
    }
  }
  let extra: Record<string, unknown> | undefined
  for (const key of Object.keys(raw)) {
    if (!consumed.has(key)) (extra ??= {})[key] = (raw as any)[key]
  }
  const respelled: Array<Respelling> = []
  for (const [field, canonical] of Object.entries(kind.spellings)) {
    const value = input[field]
    const to = typeof value === "string" ? canonical(value) : undefined
    if (typeof value !== "string" || to === undefined || to === value) continue
    input[field] = to
    respelled.push({ field, from: value, to })
  }
  // --strict: another spelling is a problem of its own (the value is checked as its canonical one)
  const refused: Array<InputProblem> = options.strict
    ? respelled.map((r) => ({
        line,
        field: r.field,
        message: `"${r.from}" is a spelling of "${r.to}", which --strict refuses`
      }))
    : []
  const exit = Schema.decodeUnknownExit(kind.schema)(input, { errors: "all" })
  if (Exit.isSuccess(exit))
    return refused.length > 0
      ? { _tag: "Invalid", problems: refused }
      : { _tag: "Ok", value: exit.value, extra, respelled }
  return {
    _tag: "Invalid",
    problems: [
      ...refused,
      ...schemaProblems(exit.cause, input, line, (field) => {
        const aliases = kind.aliases[field]
        return aliases
          ? `missing (required; accepted as ${[field, ...aliases].map((n) => `"${n}"`).join(" or ")})`
          : "missing (required)"
      })
    ]
  }
}
