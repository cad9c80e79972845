/**
 * Python type annotations as the frameworks' dataclasses write them, and whether a value (as YAML or
 * Hydra reads it) is of one: what the config tests check each generated value against.
 */
/** The top-level alternatives of a Python type annotation ("A | B", Optional[X]). */
const alternatives = (type: string): Array<string> => {
  const optional = /^Optional\[(.*)\]$/.exec(type)
  if (optional !== null) return [...alternatives(optional[1]!), "None"]
  const parts: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < type.length; i++) {
    if (type[i] === "[") depth++
    else if (type[i] === "]") depth--
    else if (type[i] === "|" && depth === 0) {
      parts.push(type.slice(start, i).trim())
      start = i + 1
    }
  }
  return [...parts, type.slice(start).trim()]
}

/** Whether a value (as YAML or Hydra reads it) is of a Python type; `allowed` lists an enum's values. */
export const ofType = (type: string, value: unknown, allowed?: ReadonlyArray<string>): boolean =>
  alternatives(type).some((t) => {
    const literal = /^Literal\[(.*)\]$/.exec(t)
    if (literal !== null) return literal[1]!.split(",").some((v) => v.trim().replace(/^'|'$/g, "") === value)
    if (t === "None" || t === "null") return value === null
    if (t === "bool") return typeof value === "boolean"
    if (t === "int") return Number.isInteger(value)
    if (t === "float") return typeof value === "number"
    if (t === "str") return typeof value === "string"
    if (t.startsWith("dict")) return typeof value === "object" && value !== null && !Array.isArray(value)
    if (t.startsWith("list")) return Array.isArray(value)
    // an enum of the framework: its values when the vectors list them, a name otherwise
    return typeof value === "string" && (allowed === undefined || allowed.includes(value))
  })
