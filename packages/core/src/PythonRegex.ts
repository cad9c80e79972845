/**
 * Pieces of Python's `re` on str patterns that JavaScript's RegExp spells differently: `\s` (Unicode
 * whitespace as str.isspace has it: U+001C-U+001F and U+0085 in, U+FEFF out) and `\b` (a boundary between
 * Unicode alphanumerics or "_" and anything else). Patterns built with them need the "u" flag.
 */
export const pyWhitespace =
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
const word = "[\\p{L}\\p{N}_]"
export const pyBoundary = `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`
