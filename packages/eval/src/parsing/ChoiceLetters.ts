import { pyBoundary as b, pyStrip, pyWhitespace as s } from "./PythonRegex.ts"

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
  const m = /<answer>([\s\S]*?)<\/answer>/i.exec(prediction)
  if (m !== null) {
    const inner = pyStrip(m[1]!)
    if (inner !== "") return inner
  }
  return prediction
}

const escapeClass = (choices: string) => choices.replace(/[\\\]\[^-]/g, "\\$&")
const patternsFor = new Map<string, ReadonlyArray<RegExp>>()
const patterns = (choices: string) => {
  let p = patternsFor.get(choices)
  if (p === undefined) {
    const c = `[${escapeClass(choices)}]`
    p = [
      new RegExp(`^${s}*[\\(\\[]?(${c})[\\)\\]\\.:\\x09-\\x0d\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]`, "iu"),
      new RegExp(`${b}(?:answer|option|choice)${s}*(?:is|:)?${s}*[\\(\\[]?(${c})[\\)\\]]?${b}`, "iu"),
      new RegExp(`${b}(${c})${b}`, "iu")
    ]
    patternsFor.set(choices, p)
  }
  return p
}

/** normalize_answer_letter: the option letter a prediction names, or "". */
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
export const ruleCorrectMultipleChoice = (prediction: string, answer: string, choices = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"): boolean => {
  const predicted = normalizeAnswerLetter(prediction, choices)
  let expected = normalizeAnswerLetter(answer, choices)
  const bare = pyStrip(answer)
  if (expected === "" && [...bare].length === 1 && choices.toUpperCase().includes(bare.toUpperCase())) expected = bare.toUpperCase()
  return predicted !== "" && expected !== "" && predicted === expected
}

/** videokr_eval's extract_answer_letter, as written: its patterns want a literal backslash before "s" or "b". */
export const videoKrExtractAnswerLetter = (text: string): string => {
  const t = pyStrip(text)
  const direct = /<answer>\\s*([A-Z])\\s*<\/answer>/i.exec(t)
  if (direct !== null) return direct[1]!.toUpperCase()
  const blocks = [...t.matchAll(/<answer[^>]*>([\s\S]*?)<\/answer>/gi)].map((m) => m[1]!)
  if (blocks.length > 0) {
    let inner = blocks.join(" ")
    for (const prefix of ["The answer is", "The correct answer is", "Answer:", "Option:", "the final answer is"]) inner = inner.replaceAll(prefix, "")
    const m2 = /\\b([A-Z])\\b/i.exec(inner)
    if (m2 !== null) return m2[1]!.toUpperCase()
  }
  const m3 = /\\b([A-Z])\\b/i.exec(t)
  return m3 === null ? "" : m3[1]!.toUpperCase()
}

/** videokr_eval's multiple-choice scoring in rule mode: whether it is correct, and the answer it reports. */
export const videoKrEvalMultipleChoice = (prediction: string, answer: string): { readonly correct: boolean; readonly extracted: string } => {
  const content = extractAnswerContent(pyStrip(prediction))
  return {
    correct: ruleCorrectMultipleChoice(content, answer, "ABCDEFGHIJ"),
    extracted: normalizeAnswerLetter(content, "ABCDEFGHIJ") || videoKrExtractAnswerLetter(content) || content
  }
}
