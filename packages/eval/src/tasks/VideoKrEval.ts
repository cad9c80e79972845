import { pyRound, pyStr, pyStrip, pyTruthy } from "@videokr/core/python"
import { extractAnswerContent, normalizeAnswerLetter, ruleCorrectMultipleChoice, videoKrExtractAnswerLetter } from "../parsing/ChoiceLetters.ts"

/**
 * VideoKR-Eval as the release's LMMs-Eval task defines it (lmms_eval/tasks/videokr_eval: the YAML and
 * utils.py): the prompt of a document, its target, the generation parameters, the per-sample result in
 * rule mode (no judge: open-ended samples are skipped) and the aggregation by question type, subject and
 * dataset. Python's semantics are kept where they show (test/vectors/videokr-eval.json):
 * - a `problem_type` of null becomes "none" and is scored as open-ended (str(None).lower());
 * - `option` wins over `options` whenever the key exists, even when null; a null `solution` becomes "None";
 * - options given as an object are listed in sorted key order as "K. text"; list entries are stripped;
 * - accuracies are round(acc * 100, 2), half to even on the exact double.
 */
export type Doc = Readonly<Record<string, unknown>>

/** `d.get(k, default)`: the value when the key exists, even null. */
const get = (doc: Doc, key: string, fallback: unknown): unknown => (Object.hasOwn(doc, key) ? doc[key] : fallback)

export const formatOptions = (options: unknown): string => {
  if (!pyTruthy(options)) return ""
  if (Array.isArray(options)) return options.map((o) => pyStrip(pyStr(o))).join("\n")
  if (typeof options === "object") {
    const o = options as Record<string, unknown>
    return Object.keys(o).sort().map((k) => `${k}. ${pyStr(o[k])}`).join("\n")
  }
  throw new TypeError(`Unsupported options type: ${typeof options}`)
}

export const defaultPrompts = {
  prePrompt: "",
  postPromptMc: "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags.",
  postPromptOe: "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only your final answer within the <answer>...</answer> tags."
}

/** generation_kwargs of the task's YAML */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001 } as const

const optionsOf = (doc: Doc) => formatOptions(get(doc, "option", get(doc, "options", [])))

const problemTypeOf = (doc: Doc, optionsText: string) => {
  const t = pyStrip(pyStr(get(doc, "problem_type", ""))).toLowerCase().replaceAll(" ", "-")
  return t !== "" ? t : optionsText !== "" ? "multiple-choice" : "open-ended"
}

export const docToText = (doc: Doc, prompts: { readonly prePrompt: string; readonly postPrompt?: string; readonly postPromptMc: string; readonly postPromptOe: string } = defaultPrompts): string => {
  const question = pyStr(get(doc, "question", ""))
  const options = optionsOf(doc)
  const type = problemTypeOf(doc, options)
  const given = prompts.postPrompt ?? ""
  const post = given !== "" ? given : type === "multiple-choice" ? prompts.postPromptMc : prompts.postPromptOe
  return options !== "" ? `${prompts.prePrompt}${question}\n${options}\n${post}` : `${prompts.prePrompt}${question}\n${post}`
}

export const docToTarget = (doc: Doc): string => pyStrip(pyStr(get(doc, "solution", get(doc, "answer", get(doc, "ground_truth", "")))))

export interface SampleResult {
  readonly id: unknown
  readonly dataset: unknown
  readonly question_type: string
  readonly subject: unknown
  readonly pred_answer: string
  readonly answer: string
  readonly correct: boolean
  readonly skipped: boolean
  readonly evaluation_mode: "rule"
  readonly raw_output: string
}

/** process_results in rule mode (no judge configured). */
export const processResult = (doc: Doc, output: string): SampleResult => {
  const judged = extractAnswerContent(pyStrip(output))
  const options = optionsOf(doc)
  const answer = pyStrip(pyStr(get(doc, "solution", get(doc, "answer", ""))))
  const type = problemTypeOf(doc, options)
  const multipleChoice = type === "multiple-choice"
  const points = [...judged]
  return {
    id: get(doc, "id", get(doc, "video_path", "")),
    dataset: get(doc, "dataset", "UNKNOWN"),
    question_type: type,
    subject: get(doc, "subject", get(doc, "source", "UNKNOWN")),
    pred_answer: multipleChoice
      ? normalizeAnswerLetter(judged, "ABCDEFGHIJ") || videoKrExtractAnswerLetter(judged) || judged
      : points.length > 100 ? points.slice(0, 100).join("") + "..." : judged,
    answer,
    correct: multipleChoice ? ruleCorrectMultipleChoice(judged, answer, "ABCDEFGHIJ") : false,
    skipped: !multipleChoice,
    evaluation_mode: "rule",
    raw_output: output
  }
}

export interface Bucket {
  readonly num: number
  readonly acc: number
}

export const aggregate = (results: ReadonlyArray<SampleResult>) => {
  const groups = { by_question_type: new Map<string, { c: number; t: number }>(), by_subject: new Map<string, { c: number; t: number }>(), by_dataset: new Map<string, { c: number; t: number }>() }
  let correct = 0
  let total = 0
  let skipped = 0
  for (const r of results) {
    if (r.skipped) {
      skipped++
      continue
    }
    const hit = r.correct ? 1 : 0
    for (const [name, key] of [["by_question_type", r.question_type], ["by_subject", r.subject], ["by_dataset", r.dataset]] as const) {
      const m = groups[name]
      const k = key === null ? "null" : String(key)
      const g = m.get(k) ?? { c: 0, t: 0 }
      m.set(k, { c: g.c + hit, t: g.t + 1 })
    }
    correct += hit
    total++
  }
  const summarize = (m: Map<string, { c: number; t: number }>) =>
    Object.fromEntries([...m].map(([k, v]): [string, Bucket] => [k, { num: v.t, acc: pyRound((v.t > 0 ? v.c / v.t : 0) * 100, 2) }]))
  return {
    overall_acc: total > 0 ? pyRound((correct / total) * 100, 2) : 0,
    evaluated_examples: total,
    skipped_examples: skipped,
    evaluation_mode: "rule" as const,
    by_question_type: summarize(groups.by_question_type),
    by_subject: summarize(groups.by_subject),
    by_dataset: summarize(groups.by_dataset)
  }
}
