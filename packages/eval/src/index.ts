/**
 * @videokr/eval — benchmark tasks as their LMMs-Eval definitions have them, the eval runner, results in
 * the LMMs-Eval layout, ROUGE as Google's rouge_score computes it, the GRPO reward, the reference's
 * option-letter parsing, and the paper's reports.
 *
 * @module @videokr/eval
 */
export { lcsLength, rouge, type RougeScores, type Score, tokenize } from "@videokr/core"
export { porterStem } from "@videokr/core"
export { accuracyReward, extractAnswer, formatReward, reward, type RewardScore } from "@videokr/core"
export * from "./ScoreLines.ts"
export * from "./parsing/ChoiceLetters.ts"
export { pyStrip } from "@videokr/core/python"
export type * from "./Task.ts"
export { TaskDataError, fileReader, withFields } from "./TaskData.ts"
export { tasks } from "./Tasks.ts"
export * from "./Runner.ts"
export * from "./Reproducibility.ts"
export * from "./EvalStore.ts"
export { parseJudgeReply } from "./Judge.ts"
export * as VideoKrEval from "./tasks/VideoKrEval.ts"
export * from "./Reports.ts"
export { corpusTask, corpusNameOf, sampleIndices, type CorpusTaskOptions } from "./tasks/TrainingCorpus.ts"
export {
  writeLmmsOutput,
  readLmmsOutput,
  sanitizeModelName,
  dateId,
  pyJsonLine,
  type ImportedRun,
  type ImportedTask,
  type WrittenOutput
} from "./LmmsOutput.ts"
export * from "./Submission.ts"
export type { BoardEntry, BoardJudge, Reported, ReportedRow, SiteData } from "./SiteData.ts"
export {
  boardEntries,
  boardTaskMap,
  datasetCard,
  eachSubmission,
  projectDocuments,
  releaseFiles,
  siteData,
  type SiteFiles,
  verdictLookup,
  verdictsDirOf
} from "./SiteAssembly.ts"
export * from "./BoardVerdicts.ts"
export * from "./BoardJudging.ts"
export { reported } from "./Reported.ts"
