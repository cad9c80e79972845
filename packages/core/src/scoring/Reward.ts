import { pyStrip as strip } from "../PyCompat.ts"
import { pyWhitespace as ws } from "../PythonRegex.ts"
import { rouge } from "./Rouge.ts"

/**
 * The GRPO reward of the reference verl reward function "videokr" (FORMATS.md): 0.9 accuracy + 0.1
 * format; accuracy is exact match of the <answer> contents for multiple choice, the mean ROUGE-1/2/L
 * F-measure (clipped to [0, 1]) for open-ended answers, and 0 for any other problem type. A plain
 * function, so trainers can import it (`@videokr/eval/reward`).
 *
 * Python's notion of whitespace is kept where the reference uses it (`\s` in its regexes, str.strip):
 * it includes U+001C-U+001F and U+0085 and excludes U+FEFF, unlike JavaScript's.
 */
const answerPattern = new RegExp(`<answer>${ws}*([\\s\\S]*?)${ws}*</answer>`)
const formatPattern = new RegExp(`^<think>[\\s\\S]*?</think>${ws}*<answer>[\\s\\S]*?</answer>$`)

/** The first <answer>...</answer> contents, stripped; "" when there is none. */
export const extractAnswer = (text: string): string => {
  const m = answerPattern.exec(text)
  return m === null ? "" : strip(m[1]!)
}

export const formatReward = (output: string): number => (formatPattern.test(output) ? 1 : 0)

export const accuracyReward = (output: string, groundTruth: string, problemType: string): number => {
  const answer = extractAnswer(output)
  const truth = extractAnswer(groundTruth)
  if (problemType === "multiple choice") return answer === truth ? 1 : 0
  if (problemType !== "open-ended") return 0
  const s = rouge(truth, answer)
  return Math.max(0, Math.min(1, (s.rouge1.fmeasure + s.rouge2.fmeasure + s.rougeL.fmeasure) / 3))
}

export interface RewardScore {
  readonly format: number
  readonly accuracy: number
  readonly reward: number
}

export const reward = (output: string, groundTruth: string, problemType: string): RewardScore => {
  const format = formatReward(output)
  const accuracy = accuracyReward(output, groundTruth, problemType)
  return { format, accuracy, reward: 0.9 * accuracy + 0.1 * format }
}
