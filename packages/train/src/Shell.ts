/**
 * Bash text for the launch scripts: words quoted so that bash reads back exactly the value, and the
 * variables a user sets, each with its default and what it is for.
 */
const safe = /^[A-Za-z0-9_.,:/@%+=-]+$/

/** A word bash reads as `value`; a value holding a `${NAME}` reference is double-quoted, so that it expands. */
export const shellWord = (value: string) =>
  /\$\{[A-Z_][A-Z0-9_]*\}/.test(value) && !/["\\`]/.test(value.replace(/\$\{[A-Z_][A-Z0-9_]*\}/g, ""))
    ? `"${value}"`
    : safe.test(value)
      ? value
      : `'${value.replaceAll("'", `'\\''`)}'`

/** Text inside double quotes: `"`, `\`, `$` and backquote escaped. */
const inDoubleQuotes = (value: string) => value.replace(/["\\$`]/g, (c) => `\\${c}`)

export interface Variable {
  readonly name: string
  readonly default: string
  readonly about: string
  /** a default that refers to other variables (`${RUN_DIR}/...`): expanded, not escaped */
  readonly expands?: boolean | undefined
}

/** `NAME="${NAME:-default}"  # about`, one per variable: the environment wins over the default. */
export const variableLines = (variables: ReadonlyArray<Variable>) =>
  variables.map(
    (v) => `${v.name}="\${${v.name}:-${v.expands === true ? v.default : inDoubleQuotes(v.default)}}"  # ${v.about}`
  )
