import { type Cause, type Schema, SchemaIssue } from "effect"
import type { InputProblem } from "../Errors.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const at = (value: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as any)[k as any] : undefined), value)

/** A value as it would be written in the input, shortened. */
export const show = (value: unknown): string => {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + "..." : text
}

/**
 * The problems of a failed decode of `input` at `line`, one per field: the field's path, what was
 * expected and what was found. `missing(field)` words a required field that is absent.
 */
export const schemaProblems = (
  cause: Cause.Cause<unknown>,
  input: unknown,
  line: number,
  missing: (field: string) => string = () => "missing (required)"
): Array<InputProblem> => {
  const failure = cause.reasons.find((r) => r._tag === "Fail")
  const issue = failure?._tag === "Fail" ? (failure.error as Schema.SchemaError).issue : undefined
  if (issue === undefined) return [{ line, message: String(cause) }]
  return formatter(issue).issues.map((i) => {
    const path = (i.path ?? []).map((p) => (typeof p === "object" ? p.key : p)) as Array<PropertyKey>
    const message =
      i.message === "Missing key"
        ? missing(String(path[0] ?? ""))
        : i.message.startsWith("Expected no excess property") || i.message.startsWith("Unexpected key")
          ? `unknown field, with value ${show(at(input, path))}`
          : `${i.message.replace(/^Expected/, "expected")}, got ${show(at(input, path))}`
    return { line, field: path.map(String).join("."), message }
  })
}
