import { lstatSync, readlinkSync } from "node:fs"
import { resolve } from "node:path"

/**
 * Python semantics that the reference conversion scripts rely on, for byte-exact parity:
 * `str.strip()` (its whitespace set differs from String.prototype.trim), truthiness and `a or b`.
 */
const whitespace = new Set(
  [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000
  ].map((c) => String.fromCharCode(c))
)

export const pyLstrip = (s: string): string => {
  let i = 0
  while (i < s.length && whitespace.has(s[i]!)) i++
  return s.slice(i)
}

export const pyRstrip = (s: string): string => {
  let j = s.length
  while (j > 0 && whitespace.has(s[j - 1]!)) j--
  return s.slice(0, j)
}

export const pyStrip = (s: string): string => pyRstrip(pyLstrip(s))

/** Python's truthiness of a JSON value. */
export const pyTruthy = (v: unknown): boolean =>
  v !== undefined &&
  v !== null &&
  v !== false &&
  v !== 0 &&
  v !== "" &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)

/** Python's `str()` of a JSON value, for the strings that matter here. */
export const pyStr = (v: unknown): string =>
  v === undefined || v === null
    ? "None"
    : typeof v === "string"
      ? v
      : typeof v === "boolean"
        ? v
          ? "True"
          : "False"
        : typeof v === "number"
          ? String(v)
          : JSON.stringify(v)

/** `d.get(k1) or d.get(k2) or ...` */
export const pyFirst = (record: Record<string, unknown>, keys: ReadonlyArray<string>): unknown => {
  let last: unknown
  for (const k of keys) {
    last = record[k]
    if (pyTruthy(last)) return last
  }
  return last
}

/**
 * Python's `round(x, ndigits)` for finite doubles of moderate size: the exact decimal value of the double,
 * rounded half to even (JavaScript's toFixed rounds exact ties up). Exact for |x| < 2^53 with ndigits <= 20.
 */
export const pyRound = (x: number, ndigits: number): number => {
  if (!Number.isFinite(x) || x === 0) return x
  const negative = x < 0
  // toFixed(100) is the double's exact decimal expansion here: its binary fraction ends well within 100 digits
  const [whole, fraction = ""] = Math.abs(x).toFixed(100).split(".")
  const kept = BigInt(whole! + fraction.slice(0, ndigits))
  const rest = fraction.slice(ndigits).replace(/0+$/, "")
  const half = rest === "" ? -1 : rest[0]! > "5" || (rest[0] === "5" && rest.length > 1) ? 1 : rest[0] === "5" ? 0 : -1
  const rounded = half > 0 || (half === 0 && kept % 2n === 1n) ? kept + 1n : kept
  const digits = rounded.toString().padStart(ndigits + 1, "0")
  const value = Number(`${digits.slice(0, digits.length - ndigits)}.${digits.slice(digits.length - ndigits) || "0"}`)
  return negative ? -value : value
}

export { pyBoundary, pyWhitespace } from "./PythonRegex.ts"

/** posixpath.join of two parts: an absolute second part replaces the first. */
const pyJoin = (a: string, b: string): string =>
  b.startsWith("/") ? b : a === "" || a.endsWith("/") ? a + b : `${a}/${b}`

/** posixpath.split: the head without its trailing slashes (unless it is all slashes), and the tail. */
const pySplit = (p: string): [string, string] => {
  const i = p.lastIndexOf("/") + 1
  const head = p.slice(0, i)
  return [/^\/*$/.test(head) ? head : head.replace(/\/+$/, ""), p.slice(i)]
}

/**
 * Python's `os.path.realpath(path)` (strict=False, as `pathlib.Path.resolve()` calls it): symbolic links
 * resolved one component at a time as far as the path exists, ".." taken after the link it follows, the
 * part that does not exist appended as written, then made absolute and normalised.
 */
export const pyRealpath = (path: string): string => {
  const seen = new Map<string, string | undefined>()
  const walk = (start: string, tail: string): [string, boolean] => {
    let at = start
    let rest = tail
    if (rest.startsWith("/")) {
      rest = rest.slice(1)
      at = "/"
    }
    while (rest !== "") {
      const slash = rest.indexOf("/")
      const name = slash < 0 ? rest : rest.slice(0, slash)
      rest = slash < 0 ? "" : rest.slice(slash + 1)
      if (name === "" || name === ".") continue
      if (name === "..") {
        if (at === "") at = ".."
        else {
          const [head, last] = pySplit(at)
          at = last === ".." ? pyJoin(pyJoin(head, ".."), "..") : head
        }
        continue
      }
      const next = pyJoin(at, name)
      let link = false
      try {
        link = lstatSync(next).isSymbolicLink()
      } catch {
        link = false
      }
      if (!link) {
        at = next
        continue
      }
      if (seen.has(next)) {
        const known = seen.get(next)
        if (known !== undefined) {
          at = known
          continue
        }
        return [pyJoin(next, rest), false] // a loop of links
      }
      seen.set(next, undefined)
      const [target, ok] = walk(at, readlinkSync(next))
      if (!ok) return [pyJoin(target, rest), false]
      at = target
      seen.set(next, target)
    }
    return [at, true]
  }
  return resolve(walk("", path)[0])
}
