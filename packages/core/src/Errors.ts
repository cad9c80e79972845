import { Schema } from "effect"

/** One thing wrong with one input record: where it is and why it was refused. */
export const InputProblem = Schema.Struct({
  line: Schema.Number,
  /** in files read as text (a config), where on the line */
  column: Schema.optionalKey(Schema.Number),
  field: Schema.optionalKey(Schema.String),
  message: Schema.String
})
export type InputProblem = typeof InputProblem.Type

const describeProblem = (file: string, p: InputProblem) =>
  `${p.line > 0 ? `${file}:${p.line}${p.column === undefined ? "" : `:${p.column}`}` : file}: ${p.field === undefined ? "" : `field "${p.field}": `}${p.message}`

/** How many problems an InputError lists; the rest are counted (a broken file must not flood the terminal). */
export const problemCap = 20

/** Bad input in a file. Nothing from the file was written; every problem names the file, line and field. */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  file: Schema.String,
  problems: Schema.Array(InputProblem),
  /** Problems found beyond those listed (the list is capped so that a broken file does not flood the terminal). */
  omitted: Schema.Number,
  /** what came of it, when not "nothing from this file was written" (e.g. for a configuration file) */
  outcome: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    const head = `${this.file}: ${this.problems.length + this.omitted} problem(s); ${this.outcome ?? "nothing from this file was written"}`
    const more = this.omitted > 0 ? [`… and ${this.omitted} more`] : []
    return [head, ...this.problems.map((p) => "  " + describeProblem(this.file, p)), ...more].join("\n")
  }
}

/** An InputError listing the first problems (problemCap) and counting the rest. */
export const inputProblems = (file: string, problems: ReadonlyArray<InputProblem>, outcome?: string) =>
  new InputError({
    file,
    problems: problems.slice(0, problemCap),
    omitted: Math.max(0, problems.length - problemCap),
    ...(outcome === undefined ? {} : { outcome })
  })

/** The corpus store (DuckDB file) could not be opened, read or written. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  path: Schema.String,
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `corpus store ${this.path}: ${this.operation} failed: ${this.reason}`
  }
}

/** A file could not be read or written (other than bad content, which is an InputError). */
export class FileError extends Schema.TaggedError<FileError>()("FileError", {
  path: Schema.String,
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.operation} failed: ${this.reason}`
  }
}

/** The command was used in a way that cannot work (exit code 2 in the CLI). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

export const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * A command did part of what it was asked and stopped on transient failures (an outage, rate limits,
 * unusable answers): nothing is lost, `pending` items wait for the next run. Exit code 3 in the CLI.
 */
export class IncompleteRun extends Schema.TaggedError<IncompleteRun>()("IncompleteRun", {
  /** what is left, e.g. "12 metadata item(s), 3 visual item(s)" */
  what: Schema.String,
  pending: Schema.Number,
  /** how to finish, e.g. "run `videokr run` again once the model answers" */
  hint: Schema.String
}) {
  override get message(): string {
    return `${this.pending} item(s) left pending after transient failures (${this.what}); nothing is lost: ${this.hint}`
  }
}
