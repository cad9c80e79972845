import { accuracyReward, extractAnswer, type GeneratedExample, promptTemplate, render } from "@videokr/core"

/**
 * How validators ask a model to answer a generated example, and how they score the answer: the
 * question and options with the answer instruction of the training format (FORMATS.md), then the GRPO
 * reward's accuracy (exact match of the option letter for multiple choice; mean ROUGE-1/2/L F-measure for
 * open-ended answers, against a threshold).
 */
export const answerPrompt = promptTemplate("answer.v1")

const instructions = {
  "multiple choice":
    "Please provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags.",
  "open-ended": "Please provide only your final answer within the <answer>...</answer> tags."
} as const

export const renderAnswerPrompt = (example: GeneratedExample, context: string): string =>
  render(answerPrompt.text, {
    context,
    question: example.question,
    options:
      example.options === undefined
        ? ""
        : `Options:\n${Object.entries(example.options)
            .map(([l, t]) => `${l}. ${t}`)
            .join("\n")}`,
    answer_instruction: instructions[example.problemType]
  })

/** "B", "(B)", "B." and "B. text" all name option B. */
const letterOf = (answer: string): string => /^\(?([A-J])\)?(?:[.:)\s]|$)/.exec(answer.trim())?.[1] ?? answer.trim()

/** The accuracy of an output against the example's answer, in [0, 1]. */
export const answerScore = (output: string, example: GeneratedExample): number => {
  if (example.problemType === "multiple choice") return letterOf(extractAnswer(output)) === example.answer ? 1 : 0
  return accuracyReward(output, `<answer>${example.answer}</answer>`, "open-ended")
}

export const answered = (output: string): string => extractAnswer(output) || "(no <answer>)"
