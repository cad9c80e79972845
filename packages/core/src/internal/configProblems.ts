import type { InputProblem } from "../Errors.ts"
import { didYouMeanHint } from "../DidYouMean.ts"

/**
 * Where the problems of a videokr.config.ts are in its text: a syntax error (Node's code frame), an error
 * thrown while it runs (its stack), a field the schema refused (found by its key), and for an unknown
 * field the key that was probably meant.
 */

const lineColumnAt = (text: string, index: number) => {
  const before = text.slice(0, index)
  return { line: before.split("\n").length, column: index - before.lastIndexOf("\n") }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The position of the key at `path` (a.b.c) in the config's text, looking for each key after the one before. */
export const locateKey = (
  text: string,
  path: ReadonlyArray<string>
): { readonly line: number; readonly column: number } | undefined => {
  let from = 0
  for (const key of path.filter((k) => !/^\d+$/.test(k))) {
    const re = new RegExp(`(^|[\\s{,])(["']?${escapeRegExp(key)}["']?\\s*:)`, "gm")
    re.lastIndex = from
    const m = re.exec(text)
    if (m === null) return undefined
    from = m.index + m[1]!.length
  }
  return path.length === 0 ? undefined : lineColumnAt(text, from)
}

/** The keys a config object may have at `path` (the schema's struct fields there), for "did you mean". */
export const knownKeysAt = (schema: unknown, path: ReadonlyArray<string>): ReadonlyArray<string> => {
  // optional keys hold their schema in `schema`, arrays their element in `value`; a union of structs (the
  // kinds of sources) may have the fields of any of its members
  const unwrap = (s: any): any =>
    s === undefined || s.fields !== undefined
      ? s
      : Array.isArray(s.members)
        ? { fields: Object.assign({}, ...s.members.map((m: unknown) => unwrap(m)?.fields ?? {})) }
        : (s.schema ?? s.value) !== undefined
          ? unwrap(s.schema ?? s.value)
          : s
  let s: any = unwrap(schema)
  for (const key of path) {
    if (/^\d+$/.test(key)) continue
    s = unwrap(s?.fields?.[key])
  }
  return s?.fields === undefined ? [] : Object.keys(s.fields)
}

/** The schema's problems placed in the text, unknown fields with the key that was probably meant. */
export const placeProblems = (
  problems: ReadonlyArray<InputProblem>,
  text: string,
  schema: unknown
): ReadonlyArray<InputProblem> =>
  problems.map((p) => {
    if (p.field === undefined) return p
    const path = p.field.split(".")
    const at = locateKey(text, path)
    const hint = p.message.startsWith("unknown field")
      ? didYouMeanHint(path.at(-1)!, knownKeysAt(schema, path.slice(0, -1)))
      : ""
    return { ...p, ...(at === undefined ? {} : at), message: `${p.message}${hint}` }
  })

/**
 * A config that cannot be loaded: a syntax error (Node prints "<file>:<line>" and a code frame whose
 * carets mark the column) or an error thrown while it runs (the first stack frame in the file).
 */
export const loadProblem = (error: unknown, file: string): InputProblem => {
  const e = error as { readonly message?: string; readonly stack?: string; readonly code?: string }
  const message = e?.message ?? String(error)
  const stack = e?.stack ?? ""
  const frame = stack.match(new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`))
  const name = (error as Error | undefined)?.name
  if (frame !== null)
    return {
      line: Number(frame[1]),
      column: Number(frame[2]),
      message: name === undefined || name === "Error" ? message : `${name}: ${message}`
    }
  const header = stack.match(new RegExp(`^${escapeRegExp(file)}:(\\d+)\\n`))
  if (header !== null) {
    const lines = stack.split("\n")
    const carets = lines.findIndex((l) => /^\s*\^+\s*$/.test(l))
    const column = carets > 0 ? lines[carets]!.indexOf("^") + 1 : undefined
    return { line: Number(header[1]), ...(column === undefined ? {} : { column }), message: `syntax error: ${message}` }
  }
  return { line: 0, message }
}
