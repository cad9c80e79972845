import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { extractAnswerContent, normalizeAnswerLetter, videoKrEvalMultipleChoice } from "../src/parsing/ChoiceLetters.ts"

// computed by the reference harness's own functions (judge_utils.py, videokr_eval/utils.py) with Debian's Python
const rows = readFileSync(new URL("./vectors/multiple-choice.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l))

describe("multiple-choice answer parsing, as the reference harness does it (quirks included)", () => {
  it("extracts <answer> contents, the option letter (A-J and A-Z), correctness and the reported answer for 270 predictions", () => {
    const differ = rows.filter((r) => {
      const mc = videoKrEvalMultipleChoice(r.prediction, r.answer)
      return (
        extractAnswerContent(r.prediction) !== r.content ||
        normalizeAnswerLetter(r.prediction, "ABCDEFGHIJ") !== r.letter ||
        normalizeAnswerLetter(r.prediction) !== r.letter26 ||
        mc.correct !== r.correct ||
        mc.extracted !== r.extracted
      )
    })
    expect(differ).toEqual([])
  })

  it("keeps the documented quirks", () => {
    expect(normalizeAnswerLetter("I think the answer is B", "ABCDEFGHIJ")).toBe("I")
    expect(normalizeAnswerLetter("It is a reaction", "ABCDEFGHIJ")).toBe("A")
  })
})
