import { pyRound, pyStr, pyStrip, pyTruthy } from "@videokr/core/python"
import { Effect } from "effect"
import { fairOpenEndedJudgeTemplate, fillJudgePrompt, strictMultipleChoiceJudgeTemplate } from "../JudgePrompts.ts"
import {
  extractAnswerContent,
  normalizeAnswerLetter,
  ruleCorrectMultipleChoice,
  videoKrExtractAnswerLetter
} from "../parsing/ChoiceLetters.ts"
import type { Doc, Task } from "../Task.ts"
import { withFields } from "../TaskData.ts"

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
/** `d.get(k, default)`: the value when the key exists, even null. */
const get = (doc: Doc, key: string, fallback: unknown): unknown => (Object.hasOwn(doc, key) ? doc[key] : fallback)

export const formatOptions = (options: unknown): string => {
  if (!pyTruthy(options)) return ""
  if (Array.isArray(options)) return options.map((o) => pyStrip(pyStr(o))).join("\n")
  if (typeof options === "object") {
    const o = options as Record<string, unknown>
    return Object.keys(o)
      .sort()
      .map((k) => `${k}. ${pyStr(o[k])}`)
      .join("\n")
  }
  throw new TypeError(`Unsupported options type: ${typeof options}`)
}

export const defaultPrompts = {
  prePrompt: "",
  postPromptMc:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags.",
  postPromptOe:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only your final answer within the <answer>...</answer> tags."
}

/** generation_kwargs of the task's YAML */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001 } as const

const optionsOf = (doc: Doc) => formatOptions(get(doc, "option", get(doc, "options", [])))

const problemTypeOf = (doc: Doc, optionsText: string) => {
  const t = pyStrip(pyStr(get(doc, "problem_type", "")))
    .toLowerCase()
    .replaceAll(" ", "-")
  return t !== "" ? t : optionsText !== "" ? "multiple-choice" : "open-ended"
}

export const docToText = (
  doc: Doc,
  prompts: {
    readonly prePrompt: string
    readonly postPrompt?: string
    readonly postPromptMc: string
    readonly postPromptOe: string
  } = defaultPrompts
): string => {
  const question = pyStr(get(doc, "question", ""))
  const options = optionsOf(doc)
  const type = problemTypeOf(doc, options)
  const given = prompts.postPrompt ?? ""
  const post = given !== "" ? given : type === "multiple-choice" ? prompts.postPromptMc : prompts.postPromptOe
  return options !== ""
    ? `${prompts.prePrompt}${question}\n${options}\n${post}`
    : `${prompts.prePrompt}${question}\n${post}`
}

export const docToTarget = (doc: Doc): string =>
  pyStrip(pyStr(get(doc, "solution", get(doc, "answer", get(doc, "ground_truth", "")))))

export interface SampleResult {
  readonly id: unknown
  readonly dataset: unknown
  readonly question_type: string
  readonly subject: unknown
  readonly pred_answer: string
  readonly answer: string
  readonly correct: boolean
  readonly skipped: boolean
  readonly evaluation_mode: "rule" | "vlm_judge"
  readonly raw_output: string
}

const fullQuestion = (doc: Doc) => {
  const question = pyStr(get(doc, "question", ""))
  const options = optionsOf(doc)
  return options !== "" ? `${question}\n${options}` : question
}

/**
 * process_results: in rule mode (no judge) multiple choice by the letter rules and open-ended skipped; with
 * a judge's 1/0 (`judgment`), every sample is judged, multiple choice included, as the reference does.
 */
export const processResult = (doc: Doc, output: string, judgment?: number): SampleResult => {
  const judged = extractAnswerContent(pyStrip(output))
  const options = optionsOf(doc)
  const answer = pyStrip(pyStr(get(doc, "solution", get(doc, "answer", ""))))
  const type = problemTypeOf(doc, options)
  const multipleChoice = type === "multiple-choice"
  const points = [...judged]
  const withJudge = judgment !== undefined
  return {
    id: get(doc, "id", get(doc, "video_path", "")),
    dataset: get(doc, "dataset", "UNKNOWN"),
    question_type: type,
    subject: get(doc, "subject", get(doc, "source", "UNKNOWN")),
    pred_answer: multipleChoice
      ? normalizeAnswerLetter(judged, "ABCDEFGHIJ") || videoKrExtractAnswerLetter(judged) || judged
      : points.length > 100
        ? points.slice(0, 100).join("") + "..."
        : judged,
    answer,
    correct: withJudge
      ? judgment === 1
      : multipleChoice
        ? ruleCorrectMultipleChoice(judged, answer, "ABCDEFGHIJ")
        : false,
    skipped: !multipleChoice && !withJudge,
    evaluation_mode: withJudge ? "vlm_judge" : "rule",
    raw_output: output
  }
}

/** The judge's prompt for a sample (the reference's custom_prompt, filled as str.format fills it). */
export const judgePrompt = (doc: Doc, output: string): string => {
  const type = problemTypeOf(doc, optionsOf(doc))
  const template = type === "multiple-choice" ? strictMultipleChoiceJudgeTemplate : fairOpenEndedJudgeTemplate
  const values: Record<string, string> = {
    question: fullQuestion(doc),
    answer: pyStrip(pyStr(get(doc, "solution", get(doc, "answer", "")))),
    prediction: extractAnswerContent(pyStrip(output))
  }
  return fillJudgePrompt(template, values)
}

export interface Bucket {
  readonly num: number
  readonly acc: number
}

export const aggregate = (results: ReadonlyArray<SampleResult>) => {
  const groups = {
    by_question_type: new Map<string, { c: number; t: number }>(),
    by_subject: new Map<string, { c: number; t: number }>(),
    by_dataset: new Map<string, { c: number; t: number }>()
  }
  let correct = 0
  let total = 0
  let skipped = 0
  for (const r of results) {
    if (r.skipped) {
      skipped++
      continue
    }
    const hit = r.correct ? 1 : 0
    for (const [name, key] of [
      ["by_question_type", r.question_type],
      ["by_subject", r.subject],
      ["by_dataset", r.dataset]
    ] as const) {
      const m = groups[name]
      const k = key === null ? "null" : String(key)
      const g = m.get(k) ?? { c: 0, t: 0 }
      m.set(k, { c: g.c + hit, t: g.t + 1 })
    }
    correct += hit
    total++
  }
  const summarize = (m: Map<string, { c: number; t: number }>) =>
    Object.fromEntries(
      [...m].map(([k, v]): [string, Bucket] => [k, { num: v.t, acc: pyRound((v.t > 0 ? v.c / v.t : 0) * 100, 2) }])
    )
  return {
    overall_acc: total > 0 ? pyRound((correct / total) * 100, 2) : 0,
    evaluated_examples: total,
    skipped_examples: skipped,
    evaluation_mode: results.some((r) => r.evaluation_mode === "vlm_judge")
      ? ("vlm_judge" as const)
      : ("rule" as const),
    by_question_type: summarize(groups.by_question_type),
    by_subject: summarize(groups.by_subject),
    by_dataset: summarize(groups.by_dataset)
  }
}

/**
 * The opt-in strict metric (`--strict`), ours and not the reference's: a multiple-choice answer counts only
 * when the output has exactly one <answer>...</answer> and its content, stripped, is one capital letter
 * naming an option that exists, equal to the answer's letter; no case folding, no fallbacks.
 */
export interface StrictResult {
  readonly multiple_choice: boolean
  readonly letter: string | null
  readonly correct: boolean
}

export const strictResult = (doc: Doc, output: string): StrictResult => {
  const options = optionsOf(doc)
  if (problemTypeOf(doc, options) !== "multiple-choice") return { multiple_choice: false, letter: null, correct: false }
  const blocks = [...output.matchAll(/<answer>([\s\S]*?)<\/answer>/g)]
  const inner = blocks.length === 1 ? pyStrip(blocks[0]![1]!) : ""
  const offered = new Set(
    options
      .split("\n")
      .map((l) => /^([A-J])[.)]/.exec(pyStrip(l))?.[1])
      .filter((x) => x !== undefined)
  )
  const letter = /^[A-J]$/.test(inner) && offered.has(inner) ? inner : null
  const answer = pyStrip(pyStr(get(doc, "solution", get(doc, "answer", ""))))
  const truth = /^<answer>\s*([A-J])\s*<\/answer>$/.exec(answer)?.[1] ?? (/^[A-J]$/.test(answer) ? answer : null)
  return { multiple_choice: true, letter, correct: letter !== null && letter === truth }
}

/** Strict accuracy (%) over the multiple-choice samples, round(x, 2) as the reference rounds its own. */
export const strictAggregate = (results: ReadonlyArray<StrictResult>) => {
  const mc = results.filter((r) => r.multiple_choice)
  return {
    strict_acc: mc.length === 0 ? 0 : pyRound((mc.filter((r) => r.correct).length / mc.length) * 100, 2),
    multiple_choice_examples: mc.length
  }
}

export const quirks = [
  'A null problem_type is read as the text "none" and scored as open-ended (str(None).lower()).',
  "`option` wins over `options` whenever the key exists, even when its value is null.",
  'Letter matching is case-insensitive: a prediction starting "I think" reads as option I, and "a" in a sentence as option A.',
  "extract_answer_letter's regexes are written with doubled backslashes in raw strings and never match; only normalize_answer_letter's rules find letters.",
  "With a judge, multiple-choice samples are judged too (the rules are not used); without one, open-ended samples are skipped.",
  "Accuracies are round(acc * 100, 2): half to even on the exact double."
]

/** The task as the runner uses it. */
export const task: Task = {
  name: "videokr_eval",
  benchmark: "VideoKR-Eval",
  group: "knowledge",
  source: {
    dataset: "minuzero/VideoKR-Eval",
    split: "test",
    layout: "VideoKR_eval.jsonl at the root; videos at each document's video_path relative to the root"
  },
  documents: (read) =>
    Effect.flatMap(read("VideoKR_eval.jsonl"), (docs) =>
      withFields("videokr_eval", "VideoKR_eval.jsonl", docs, ["video_path", "question"])
    ),
  docId: (doc, index) => String(get(doc, "id", index)),
  media: (doc) => ({ paths: [pyStrip(pyStr(get(doc, "video_path", ""))).replace(/^[./]+/, "")] }),
  docToText: (doc) => docToText(doc),
  docToTarget,
  generation: { ...generationParams, doSample: true },
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResult(doc, output, judgment)
    return {
      metrics: { videokr_eval_acc: r, videokr_eval_strict_acc: strictResult(doc, output) },
      score: r.skipped ? null : r.correct ? 1 : 0,
      parsed: r.pred_answer
    }
  },
  metrics: {
    videokr_eval_acc: {
      aggregate: (payloads) => aggregate(payloads as ReadonlyArray<SampleResult>),
      higherIsBetter: true
    },
    videokr_eval_strict_acc: {
      aggregate: (payloads) => strictAggregate(payloads as ReadonlyArray<StrictResult>),
      higherIsBetter: true,
      optIn: true
    }
  },
  headline: (aggregates) => {
    const a = aggregates["videokr_eval_acc"] as ReturnType<typeof aggregate> | undefined
    return a === undefined || a.evaluated_examples === 0 ? undefined : a.overall_acc
  },
  breakdown: (doc) => {
    const r = processResult(doc, "")
    // discipline and skill when the document carries them (evaluation sets cut from a VideoKR corpus do)
    const optional = (k: string) => (Object.hasOwn(doc, k) && doc[k] !== null ? pyStr(doc[k]) : undefined)
    return {
      question_type: r.question_type,
      subject: String(r.subject),
      dataset: String(r.dataset),
      discipline: optional("discipline"),
      skill: optional("skill")
    }
  },
  quirks
}
