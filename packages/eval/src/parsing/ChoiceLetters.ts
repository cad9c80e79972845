import { pyBoundary as b, pyStrip, pyWhitespace as s } from "@videokr/core/python"

/**
 * Option-letter parsing of the reference harness (lmms_eval tasks/_task_utils/judge_utils.py and
 * tasks/videokr_eval/utils.py of the VideoKR release), quirks included, so published numbers can be
 * matched (test/vectors/multiple-choice.jsonl, computed by the reference functions):
 * - matching is case-insensitive, so a prediction starting "I think ..." reads as option I, and "a" in
 *   "It is a reaction" as option A;
 * - a bare letter with nothing after it is found only by the last, standalone-letter rule;
 * - videokr_eval's own fallback (extract_answer_letter) has regexes written with doubled backslashes in
 *   raw strings: they look for a literal backslash, so in practice they never match.
 */
export const extractAnswerContent = (prediction: string): string => {
  const m = /<answer>([\s\S]*?)<\/answer>/iu.exec(prediction)
  if (m !== null) {
    const inner = pyStrip(m[1]!)
    if (inner !== "") return inner
  }
  return prediction
}

/*
 * Python's re.IGNORECASE, spelled out so that patterns need only the "u" flag. Python equates "i" with the
 * dotless "ı" (U+0131) and the dotted "İ" (U+0130), which JavaScript's case folding does not. And JavaScript's
 * "i" flag cannot be used next to pyBoundary: under "iu" a character class matches whatever case-folds to one
 * of its members, so "[\p{L}\p{N}_]" also takes the combining U+0345 (it folds to "ι"), which Python's \w
 * does not ("A\u0345" names A in Python, and would name nothing under "iu").
 */
const asciiCaseVariants = (lower: string) =>
  lower.toUpperCase() + lower + (lower === "i" ? "ıİ" : lower === "s" ? "ſ" : lower === "k" ? "\u212a" : "")
const pyCaseVariants = (c: string): string => {
  const ascii = [..."abcdefghijklmnopqrstuvwxyz"].find((l) => asciiCaseVariants(l).includes(c))
  if (ascii !== undefined) return asciiCaseVariants(ascii)
  return [...new Set([c, c.toLowerCase(), c.toUpperCase()])].filter((v) => [...v].length === 1).join("")
}
const escapeClass = (chars: string) => chars.replace(/[\\\][^-]/g, "\\$&")
/** A character class for `letters` as Python's IGNORECASE matches it (with the "u" flag; "iu" gives the same). */
export const pyLetterClass = (letters: string) =>
  `[${escapeClass([...new Set([...letters].flatMap((c) => [...pyCaseVariants(c)]))].join(""))}]`
/** A literal word as Python's IGNORECASE matches it (with the "u" flag; "iu" gives the same). */
export const pyWord = (w: string) => [...w].map((c) => (/\p{L}/u.test(c) ? pyLetterClass(c) : c)).join("")

const patternsFor = new Map<string, ReadonlyArray<RegExp>>()
const patterns = (choices: string) => {
  let p = patternsFor.get(choices)
  if (p === undefined) {
    const c = pyLetterClass(choices)
    p = [
      new RegExp(`^${s}*[\\(\\[]?(${c})(?:[\\)\\]\\.:]|${s})`, "u"),
      new RegExp(
        `${b}(?:${pyWord("answer")}|${pyWord("option")}|${pyWord("choice")})${s}*(?:${pyWord("is")}|:)?${s}*[\\(\\[]?(${c})[\\)\\]]?${b}`,
        "u"
      ),
      new RegExp(`${b}(${c})${b}`, "u")
    ]
    patternsFor.set(choices, p)
  }
  return p
}

/** normalize_answer_letter: the option letter a prediction names (upper-cased as Python does: "ı" -> "I", "İ" stays), or "". */
export const normalizeAnswerLetter = (text: string, choices = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"): string => {
  const content = pyStrip(extractAnswerContent(text))
  if (content === "") return ""
  const unique = [...new Set(choices.toUpperCase())].join("")
  for (const pattern of patterns(unique)) {
    const m = pattern.exec(content)
    if (m !== null) return m[1]!.toUpperCase()
  }
  return ""
}

/** rule_correct_multiple_choice */
export const ruleCorrectMultipleChoice = (
  prediction: string,
  answer: string,
  choices = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
): boolean => {
  const predicted = normalizeAnswerLetter(prediction, choices)
  let expected = normalizeAnswerLetter(answer, choices)
  const bare = pyStrip(answer)
  if (expected === "" && [...bare].length === 1 && choices.toUpperCase().includes(bare.toUpperCase()))
    expected = bare.toUpperCase()
  return predicted !== "" && expected !== "" && predicted === expected
}

/** videokr_eval's extract_answer_letter, as written: its patterns want a literal backslash before "s" or "b". */
export const videoKrExtractAnswerLetter = (text: string): string => {
  const t = pyStrip(text)
  const direct = /<answer>\\s*([A-Zıİ])\\s*<\/answer>/iu.exec(t)
  if (direct !== null) return direct[1]!.toUpperCase()
  const blocks = [...t.matchAll(/<answer[^>]*>([\s\S]*?)<\/answer>/giu)].map((m) => m[1]!)
  if (blocks.length > 0) {
    let inner = blocks.join(" ")
    for (const prefix of ["The answer is", "The correct answer is", "Answer:", "Option:", "the final answer is"])
      inner = inner.replaceAll(prefix, "")
    const m2 = /\\b([A-Zıİ])\\b/iu.exec(inner)
    if (m2 !== null) return m2[1]!.toUpperCase()
  }
  const m3 = /\\b([A-Zıİ])\\b/iu.exec(t)
  return m3 === null ? "" : m3[1]!.toUpperCase()
}

/** videokr_eval's multiple-choice scoring in rule mode: whether it is correct, and the answer it reports. */
export const videoKrEvalMultipleChoice = (
  prediction: string,
  answer: string
): { readonly correct: boolean; readonly extracted: string } => {
  const content = extractAnswerContent(pyStrip(prediction))
  return {
    correct: ruleCorrectMultipleChoice(content, answer, "ABCDEFGHIJ"),
    extracted: normalizeAnswerLetter(content, "ABCDEFGHIJ") || videoKrExtractAnswerLetter(content) || content
  }
}
