import { pyRound, pyStr, pyStrip } from "@videokr/core/python"
import { Effect } from "effect"
import { fillJudgePrompt, multipleChoiceLetterJudgeTemplate } from "../JudgePrompts.ts"
import {
  extractAnswerContent,
  normalizeAnswerLetter as normalizeLetter,
  ruleCorrectMultipleChoice as ruleCorrect
} from "../parsing/ChoiceLetters.ts"
import { pyWhitespace as s } from "@videokr/core/python"
import type { Doc, Task } from "../Task.ts"
import { withFields } from "../TaskData.ts"

/**
 * SciVideoBench as the release's LMMs-Eval task defines it (lmms_eval/tasks/scivideobench: the YAML and
 * utils.py): the prompt of a document (its "MM:SS" timestamps rewritten as "frame N"), its target, the
 * generation parameters, the per-sample result (rule mode, or a judge's 1/0) and the aggregation by
 * question type and "category". Python's semantics are kept where they show (test/vectors/scivideobench.json):
 * - `\d` is Python's Unicode digit class (of Python 3.11's Unicode 14, not of this Node's ICU) and `\s`
 *   its whitespace, so "٠٢:٢٢" and "０２:３３" are timestamps too, and "02:22\x1c-\x1c02:33" is a range;
 * - a timestamp in a document whose video_duration is under one second divides by zero: the reference
 *   stops there (ZeroDivisionError) and so does docToText;
 * - options given as an object are listed in code-point order of their keys as "K. text", unstripped;
 * - accuracies are round(acc * 100, 2), half to even on the exact double.
 */
/** `d.get(k, default)`: the value when the key exists, even null. */
const get = (doc: Doc, key: string, fallback: unknown): unknown => (Object.hasOwn(doc, key) ? doc[key] : fallback)

/** Where the reference raises, we throw: the message starts with the Python exception's name. */
const pyError = (name: string, message: string) => Object.assign(new Error(`${name}: ${message}`), { name })

/** `d[k]`: a missing key is the reference's KeyError. */
const field = (doc: Doc, key: string): unknown => {
  if (!Object.hasOwn(doc, key)) throw pyError("KeyError", `'${key}'`)
  return doc[key]
}

const typeName = (value: unknown) =>
  value === null ? "NoneType" : Array.isArray(value) ? "list" : typeof value === "object" ? "dict" : typeof value

/** Python's str methods want a str: anything else is the reference's TypeError. */
const str = (value: unknown, what: string): string => {
  if (typeof value !== "string") throw pyError("TypeError", `${what} must be a str, not ${typeName(value)}`)
  return value
}

// Python 3.11's decimal digits (Unicode 14 category Nd; its `\d` and int() agree on them), as runs that each
// start at a digit zero. Written out because this Node's \p{Nd} is of a later Unicode with 110 more digits.
const digitRuns: ReadonlyArray<readonly [number, number]> = (
  "30-39 660-669 6F0-6F9 7C0-7C9 966-96F 9E6-9EF A66-A6F AE6-AEF B66-B6F BE6-BEF C66-C6F CE6-CEF D66-D6F DE6-DEF " +
  "E50-E59 ED0-ED9 F20-F29 1040-1049 1090-1099 17E0-17E9 1810-1819 1946-194F 19D0-19D9 1A80-1A89 1A90-1A99 1B50-1B59 " +
  "1BB0-1BB9 1C40-1C49 1C50-1C59 A620-A629 A8D0-A8D9 A900-A909 A9D0-A9D9 A9F0-A9F9 AA50-AA59 ABF0-ABF9 FF10-FF19 " +
  "104A0-104A9 10D30-10D39 11066-1106F 110F0-110F9 11136-1113F 111D0-111D9 112F0-112F9 11450-11459 114D0-114D9 " +
  "11650-11659 116C0-116C9 11730-11739 118E0-118E9 11950-11959 11C50-11C59 11D50-11D59 11DA0-11DA9 16A60-16A69 " +
  "16AC0-16AC9 16B50-16B59 1D7CE-1D7FF 1E140-1E149 1E2F0-1E2F9 1E950-1E959 1FBF0-1FBF9"
)
  .split(" ")
  .map((r) => r.split("-").map((h) => parseInt(h, 16)) as [number, number])

const d = `[${digitRuns.map(([a, b]) => `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`).join("")}]`

/** int() of a run of Python digits */
const digitsValue = (digits: string): number =>
  [...digits].reduce((n, ch) => {
    const cp = ch.codePointAt(0)!
    const run = digitRuns.find(([a, b]) => cp >= a && cp <= b)!
    return n * 10 + ((cp - run[0]) % 10)
  }, 0)

/** parse_time: "MM:SS" to seconds, via timedelta(minutes=mm, seconds=ss) */
const parseTime = (t: string): number => {
  const [mm, ss] = t.split(":")
  return digitsValue(mm!) * 60 + digitsValue(ss!)
}

const rangePattern = new RegExp(`(${d}{1,2}:${d}{2})${s}*[-–]${s}*(${d}{1,2}:${d}{2})`, "gu")
const singlePattern = new RegExp(`(?<!frame )(${d}{1,2}:${d}{2})(?!${s}*[-–])`, "gu")

/** Python's int() of a video_duration: floats truncated toward zero; NaN and infinities raise. */
const pyInt = (value: unknown): number => {
  if (typeof value === "boolean") return value ? 1 : 0
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw pyError(Number.isNaN(value) ? "ValueError" : "OverflowError", `cannot convert float ${value} to integer`)
    return Math.trunc(value) + 0
  }
  if (typeof value === "string") {
    const t = pyStrip(value)
    const m = new RegExp(`^([+-]?)(${d}+(?:_${d}+)*)$`, "u").exec(t)
    if (m !== null) return (m[1] === "-" ? -1 : 1) * digitsValue(m[2]!.replaceAll("_", ""))
    throw pyError("ValueError", `invalid literal for int() with base 10: '${value}'`)
  }
  throw pyError("TypeError", `int() argument must be a string or a real number, not '${typeName(value)}'`)
}

/**
 * convert_time_to_frames_in_question: ranges "a-b" / "a–b" become "frame x to frame y", then lone
 * timestamps "frame x", with x = round(seconds / int(duration) * int(duration)). The "total" goes through
 * an "MM:SS" string and back, which gives int(duration) again, so a frame number is the timestamp's second.
 */
export const convertTimeToFramesInQuestion = (
  question: string,
  totalDurationSec: unknown,
  totalFrames: number
): string => {
  const totalSec = pyInt(totalDurationSec)
  const frameOf = (t: string) => {
    if (totalSec === 0) throw pyError("ZeroDivisionError", "float division by zero")
    return String(pyRound((parseTime(t) / totalSec) * totalFrames, 0))
  }
  return question
    .replace(rangePattern, (_, a: string, b: string) => `frame ${frameOf(a)} to frame ${frameOf(b)}`)
    .replace(singlePattern, (_, a: string) => `frame ${frameOf(a)}`)
}

const byCodePoint = (a: string, b: string) => {
  const x = [...a].map((c) => c.codePointAt(0)!)
  const y = [...b].map((c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/** format_options: an object as "K. v" in sorted key order, a list lettered A..Z; anything else is a TypeError. */
export const formatOptions = (opts: unknown): string => {
  if (Array.isArray(opts)) {
    const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if (opts.length > letters.length) throw pyError("IndexError", "string index out of range")
    return opts.map((o, i) => `${letters[i]}. ${pyStr(o)}`).join("\n")
  }
  if (opts !== null && typeof opts === "object") {
    const o = opts as Record<string, unknown>
    return Object.keys(o)
      .sort(byCodePoint)
      .map((k) => `${k}. ${pyStr(o[k])}`)
      .join("\n")
  }
  throw pyError("TypeError", `Unsupported options type: <class '${typeName(opts)}'>`)
}

/*
 * judge_utils' letter parsing (extract_answer_content, normalize_answer_letter, rule_correct_multiple_choice)
 * with choices "ABCDEFGHIJ", from parsing/ChoiceLetters.ts: "<anſwer>B</anſwer>" is tagged, "optıon B" names
 * B, and a prediction starting "İ " names the letter "İ" (its upper case is itself), which matches no answer.
 */
const choices = "ABCDEFGHIJ"

export { extractAnswerContent }

/** normalize_answer_letter(text, "ABCDEFGHIJ"): the option letter a text names, upper-cased as Python does, or "". */
export const normalizeAnswerLetter = (text: string): string => normalizeLetter(text, choices)

/** rule_correct_multiple_choice(prediction, answer, "ABCDEFGHIJ") */
export const ruleCorrectMultipleChoice = (prediction: string, answer: string): boolean =>
  ruleCorrect(prediction, answer, choices)

/** lmms_eval_specific_kwargs.default of the task's YAML */
export const defaultPrompts = {
  prePrompt: "",
  postPrompt:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags."
}

/** generation_kwargs of the task's YAML (num_beams: 1) */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true } as const

export const docToText = (
  doc: Doc,
  prompts: { readonly prePrompt: string; readonly postPrompt: string } = defaultPrompts
): string => {
  const duration = field(doc, "video_duration")
  const question = convertTimeToFramesInQuestion(str(field(doc, "question"), "question"), duration, pyInt(duration))
  return `${prompts.prePrompt}${question}\n${formatOptions(field(doc, "options"))}\n${prompts.postPrompt}`
}

/** doc_to_target: "answer", the field as it is (the scoring strips it). */
export const docToTarget = (doc: Doc): string => pyStr(field(doc, "answer"))

export interface SampleResult {
  readonly id: unknown
  readonly question_type: unknown
  readonly category: unknown
  readonly pred_answer: string
  readonly answer: string
  readonly correct: boolean
  readonly evaluation_mode: "rule" | "vlm_judge"
  readonly raw_output: string
}

/**
 * process_results: in rule mode the letter rules of judge_utils (A-J); with a judge's 1/0 (`judgment`), the
 * judge decides and the reported answer is the <answer> contents. `category` is read from a field the
 * release does not have, so it is "UNKNOWN" for the published documents.
 */
export const processResult = (doc: Doc, output: string, judgment?: number): SampleResult => {
  const judged = extractAnswerContent(pyStrip(output))
  str(field(doc, "question"), "question")
  formatOptions(field(doc, "options")) // the reference builds the judge's question even in rule mode: bad options raise here too
  const answer = pyStrip(str(field(doc, "answer"), "answer"))
  const withJudge = judgment !== undefined
  return {
    id: field(doc, "video_id"),
    question_type: field(doc, "question_type"),
    category: get(doc, "category", "UNKNOWN"),
    pred_answer: withJudge ? judged : normalizeAnswerLetter(judged) || judged,
    answer,
    correct: withJudge ? judgment === 1 : ruleCorrectMultipleChoice(judged, answer),
    evaluation_mode: withJudge ? "vlm_judge" : "rule",
    raw_output: output
  }
}

/** The judge's prompt (the reference's custom_prompt, filled as str.format fills it): the question as written, timestamps unconverted. */
export const judgePrompt = (doc: Doc, output: string): string => {
  const values: Record<string, string> = {
    question: `${str(field(doc, "question"), "question")}\n${formatOptions(field(doc, "options"))}`,
    answer: pyStrip(str(field(doc, "answer"), "answer")),
    prediction: extractAnswerContent(pyStrip(output))
  }
  return fillJudgePrompt(multipleChoiceLetterJudgeTemplate, values)
}

export interface Bucket {
  readonly num: number
  readonly acc: number
}

/** A dict key as json.dumps writes it. */
const jsonKey = (key: unknown): string => (key === null ? "null" : String(key))

/**
 * scivideobench_aggregate_results. The reference reads its evaluation_mode from the environment at
 * aggregation time; here it is "vlm_judge" when any sample was judged.
 */
export const aggregate = (results: ReadonlyArray<SampleResult>) => {
  const byType = new Map<unknown, { c: number; t: number }>()
  const byCategory = new Map<unknown, { c: number; t: number }>()
  let correct = 0
  for (const r of results) {
    const hit = r.correct ? 1 : 0
    for (const [m, key] of [
      [byType, r.question_type],
      [byCategory, r.category]
    ] as const) {
      const g = m.get(key) ?? { c: 0, t: 0 }
      m.set(key, { c: g.c + hit, t: g.t + 1 })
    }
    correct += hit
  }
  // keys equal in JSON (None and "null") collapse here as they do when the reference's JSON is read back
  const summarize = (m: Map<unknown, { c: number; t: number }>) =>
    Object.fromEntries(
      [...m].map(([k, v]): [string, Bucket] => [
        jsonKey(k),
        { num: v.t, acc: pyRound((v.t > 0 ? v.c / v.t : 0) * 100, 2) }
      ])
    )
  return {
    overall_acc: results.length > 0 ? pyRound((correct / results.length) * 100, 2) : 0,
    evaluation_mode: results.some((r) => r.evaluation_mode === "vlm_judge")
      ? ("vlm_judge" as const)
      : ("rule" as const),
    by_question_type: summarize(byType),
    by_category: summarize(byCategory)
  }
}

export const quirks = [
  'by_category reads a `category` field the released documents do not have (they have `discipline`), so every sample lands in "UNKNOWN": the reference\'s "Statistics by Discipline" is one bucket. Our breakdown also gives discipline and subject.',
  'Timestamps in the question become "frame N" with N = round(t / int(duration) * int(duration)): the timestamp\'s second, whatever frames the model is shown; ranges "a-b" or "a–b" become "frame x to frame y".',
  'The lone-timestamp rule only looks at the 6 characters before where a match starts: "frame 00:00" becomes "frame 0frame 0", "123:45" becomes "1frame 1425", "1:02:33" becomes "frame 62:33".',
  'Timestamps may be written in any Unicode decimal digits ("٠٢:٢٢", "０２:３３") and the dash of a range may be surrounded by any Python whitespace (U+001C-U+001F, U+0085, no-break space); an em dash does not make a range.',
  "A timestamp in a document whose video_duration is under one second divides by zero: the reference's run stops (ZeroDivisionError), and docToText throws.",
  "Options given as an object are listed in code-point order of their keys, values unstripped; a list is lettered A..Z.",
  'The target is the raw `answer` field; scoring strips it, and the rule-mode letter matching is case-insensitive: a prediction starting "I think" reads as option I, and "a" in a sentence as option A. There is no random fallback (upstream lmms-eval\'s copy draws a random letter).',
  'Letters and words are matched with Python\'s IGNORECASE: "ı" and "İ" read as i, "ſ" as s ("optıon B", "<anſwer>B</anſwer>"); a prediction starting "İ " names the letter "İ", which matches no answer.',
  "With a judge every sample is judged, the reported answer is the <answer> contents, and the judge is shown the question with its timestamps unconverted.",
  "Accuracies are round(acc * 100, 2): half to even on the exact double."
]

/** The task as the runner uses it. */
export const task: Task = {
  name: "scivideobench",
  benchmark: "SciVideoBench",
  group: "knowledge",
  source: {
    dataset: "groundmore/scivideobench",
    split: "test",
    layout:
      "scivideobench_1k.jsonl at the root; videos jove_<video_id>.mp4 at the root (the reference looks for them directly in its cache folder $HF_HOME/scivideobench/)"
  },
  documents: (read) =>
    Effect.flatMap(read("scivideobench_1k.jsonl"), (docs) =>
      withFields("scivideobench", "scivideobench_1k.jsonl", docs, [
        "video_id",
        "question",
        "options",
        "answer",
        "question_type",
        "video_duration"
      ])
    ),
  // a video has several questions: video_id alone is not unique
  docId: (doc, index) =>
    Object.hasOwn(doc, "question_id")
      ? `${pyStr(doc["video_id"])}_${pyStr(doc["question_id"])}`
      : `${pyStr(doc["video_id"])}_#${index}`,
  media: (doc) => ({ paths: [`jove_${pyStr(get(doc, "video_id", ""))}.mp4`] }),
  docToText: (doc) => docToText(doc),
  docToTarget,
  generation: generationParams,
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResult(doc, output, judgment)
    return { metrics: { scivideobench_acc: r }, score: r.correct ? 1 : 0, parsed: r.pred_answer }
  },
  metrics: {
    scivideobench_acc: {
      aggregate: (payloads) => aggregate(payloads as ReadonlyArray<SampleResult>),
      higherIsBetter: true
    }
  },
  breakdown: (doc) => ({
    question_type: pyStr(get(doc, "question_type", "UNKNOWN")),
    discipline: pyStr(get(doc, "discipline", "UNKNOWN")),
    subject: pyStr(get(doc, "subject", "UNKNOWN")),
    category: pyStr(get(doc, "category", "UNKNOWN"))
  }),
  quirks
}
