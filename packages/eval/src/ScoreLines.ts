import { extractAnswer, reward, rouge, type RougeScores } from "@videokr/core"

/**
 * One line of `videokr score`: `{prediction, reference}` gets ROUGE; `{output, ground_truth, problem_type}`
 * gets the reward, with ROUGE between the answers extracted from both. A line that is neither says which
 * fields it lacks.
 */
export type ScoredLine = RougeScores & {
  readonly format?: number
  readonly accuracy?: number
  readonly reward?: number
}

export const scoreLine = (value: unknown): ScoredLine | string => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected a JSON object"
  const v = value as Record<string, unknown>
  if (typeof v.output === "string" || typeof v.ground_truth === "string") {
    if (typeof v.output !== "string") return 'field "output": expected a string'
    if (typeof v.ground_truth !== "string") return 'field "ground_truth": expected a string'
    if (typeof v.problem_type !== "string") return 'field "problem_type": expected "multiple choice" or "open-ended"'
    const r = reward(v.output, v.ground_truth, v.problem_type)
    return {
      ...rouge(extractAnswer(v.ground_truth), extractAnswer(v.output)),
      format: r.format,
      accuracy: r.accuracy,
      reward: r.reward
    }
  }
  if (typeof v.prediction !== "string")
    return 'field "prediction": expected a string (or give output, ground_truth and problem_type)'
  if (typeof v.reference !== "string") return 'field "reference": expected a string'
  return rouge(v.reference, v.prediction)
}
