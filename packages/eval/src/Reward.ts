import { rouge } from "./Rouge.ts"

/**
 * The GRPO reward of the reference verl reward function "videokr" (FORMATS.md): 0.9 accuracy + 0.1
 * format; accuracy is exact match of the <answer> contents for multiple choice and the mean ROUGE-1/2/L
 * F-measure for open-ended answers. A plain function, so trainers can import it
 * (`@videokr/eval/reward`).
 */
const answerPattern = /<answer>\s*(.*?)\s*<\/answer>/s
const formatPattern = /^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/s

/** The first <answer>...</answer> contents, stripped; "" when there is none. */
export const extractAnswer = (text: string): string => answerPattern.exec(text)?.[1]?.trim() ?? ""

export const formatReward = (output: string): number => (formatPattern.test(output) ? 1 : 0)

export const accuracyReward = (output: string, groundTruth: string, problemType: string): number => {
  const answer = extractAnswer(output)
  const truth = extractAnswer(groundTruth)
  if (problemType === "multiple choice") return answer === truth ? 1 : 0
  const s = rouge(truth, answer)
  return Math.min(1, Math.max(0, (s.rouge1.fmeasure + s.rouge2.fmeasure + s.rougeL.fmeasure) / 3))
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
