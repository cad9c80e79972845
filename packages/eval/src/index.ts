/**
 * @videokr/eval — scoring: ROUGE as Google's rouge_score computes it, the GRPO reward and the option-letter parsing of the
 * reference. (Benchmark tasks, the eval runner and reports are being added.)
 */
export * from "./Rouge.ts"
export { porterStem } from "./PorterStemmer.ts"
export * from "./Reward.ts"
export * from "./ScoreLines.ts"
export * from "./parsing/ChoiceLetters.ts"
export { pyStrip } from "./parsing/PythonRegex.ts"
export * as VideoKrEval from "./tasks/VideoKrEval.ts"
