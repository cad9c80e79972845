/**
 * @videokr/eval — scoring: ROUGE as Google's rouge_score computes it and the GRPO reward of the
 * reference. (Benchmark tasks, the eval runner and reports are being added.)
 */
export * from "./Rouge.ts"
export { porterStem } from "./PorterStemmer.ts"
export * from "./Reward.ts"
export * from "./ScoreLines.ts"
