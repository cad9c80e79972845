import { pyStr, pyStrip } from "@videokr/core/python"
import { Effect } from "effect"
import { fillJudgePrompt, multipleChoiceLetterJudgeTemplate } from "../JudgePrompts.ts"
import {
  extractAnswerContent,
  normalizeAnswerLetter,
  pyLetterClass,
  ruleCorrectMultipleChoice
} from "../parsing/ChoiceLetters.ts"
import { pyBoundary as b, pyWhitespace as s } from "@videokr/core/python"
import type { Doc, Task } from "../Task.ts"
import { withFields } from "../TaskData.ts"

/**
 * Video-MME as the VideoKR release's LMMs-Eval task defines it (lmms_eval/tasks/videomme: videomme.yaml and
 * utils.py, scoring through tasks/_task_utils/judge_utils.py): the prompt, the target, the generation
 * parameters, the per-sample result (rule mode, or with a judge's 1/0) and the aggregation, which is the
 * overall accuracy in percent. Python's semantics are kept where they show (test/vectors/videomme.json):
 * - the release scores with judge_utils' letter rules over A-J, not with the extract_characters_regex left in
 *   utils.py (kept here as `extractCharactersRegex`, for comparison with runs of the original harness);
 * - the aggregation raises KeyError for a document whose duration, domain, sub-category or task type is not
 *   in utils.py's fixed lists, and so do we.
 */

/** The released question file, as `load_dataset("lmms-lab/Video-MME", split="test")` reads it. */
export const dataFile = "videomme/test-00000-of-00001.parquet"

/** The default lmms_eval_specific_kwargs of videomme.yaml */
export const defaultPrompts = {
  prePrompt: "",
  postPrompt:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags."
}

/** generation_kwargs of videomme.yaml (num_beams: 1 is the only beam setting we have) */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true } as const

/** utils.py's fixed lists: the aggregation knows only their combinations */
const videoTypes = ["short", "medium", "long"]
const categories = [
  "Knowledge",
  "Film & Television",
  "Sports Competition",
  "Artistic Performance",
  "Life Record",
  "Multilingual"
]
const subCategories = [
  "Humanity & History",
  "Literature & Art",
  "Biology & Medicine",
  "Finance & Commerce",
  "Astronomy",
  "Geography",
  "Law",
  "Life Tip",
  "Technology",
  "Animation",
  "Movie & TV Show",
  "Documentary",
  "News Report",
  "Esports",
  "Basketball",
  "Football",
  "Athletics",
  "Other Sports",
  "Stage Play",
  "Magic Show",
  "Variety Show",
  "Acrobatics",
  "Handicraft",
  "Food",
  "Fashion",
  "Daily Life",
  "Travel",
  "Pet & Animal",
  "Exercise",
  "Multilingual"
]
const taskCategories = [
  "Temporal Perception",
  "Spatial Perception",
  "Attribute Perception",
  "Action Recognition",
  "Object Recognition",
  "OCR Problems",
  "Counting Problem",
  "Temporal Reasoning",
  "Spatial Reasoning",
  "Action Reasoning",
  "Object Reasoning",
  "Information Synopsis"
]
// the keys are the joined strings, so, as in Python, only the string has to match (any domain with any sub-category)
const knownKeys = new Set(
  videoTypes.flatMap((v) =>
    categories.flatMap((c) => subCategories.flatMap((sc) => taskCategories.map((t) => `${v}_${c}_${sc}_${t}`)))
  )
)

/** `"\n".join(f"{opt}" for opt in doc["options"])`: the options as released ("A. ..."); a string would be split into characters */
const optionText = (options: unknown): string => {
  if (Array.isArray(options)) return options.map(pyStr).join("\n")
  if (typeof options === "string") return [...options].join("\n")
  throw new TypeError(`options must be a list, got ${options === null ? "None" : typeof options}`)
}

/** The question and its options, as both the prompt and the judge's question have them. */
const fullQuestion = (doc: Doc) => `${pyStr(doc["question"])}\n${optionText(doc["options"])}`

export const docToText = (
  doc: Doc,
  prompts: { readonly prePrompt: string; readonly postPrompt: string } = defaultPrompts
): string => `${prompts.prePrompt}${fullQuestion(doc)}\n${prompts.postPrompt}`

/** doc_to_target: "answer" */
export const docToTarget = (doc: Doc): string => pyStr(doc["answer"])

export interface SampleResult {
  readonly question_id: unknown
  readonly duration: unknown
  readonly category: unknown
  readonly sub_category: unknown
  readonly task_category: unknown
  /** the letter found, or the prediction (its <answer> content) when none is; with a judge, the answer or "WRONG" */
  readonly pred_answer: unknown
  readonly answer: unknown
  readonly correct: 0 | 1
  readonly evaluation_mode: "rule" | "vlm_judge"
}

const choices = "ABCDEFGHIJ"

/**
 * videomme_process_results: without a judge, the letter rules of judge_utils over A-J; with the judge's
 * verdict (`judgment`, 1 for correct), the verdict alone. A judge call that fails counts as wrong in the
 * reference: pass 0.
 */
export const processResult = (doc: Doc, output: string, judgment?: number): SampleResult => {
  const judged = extractAnswerContent(output)
  const answer = doc["answer"]
  let predAnswer: unknown
  let correct: boolean
  if (judgment !== undefined) {
    correct = judgment === 1
    predAnswer = correct ? answer : "WRONG"
  } else {
    predAnswer = normalizeAnswerLetter(judged, choices) || judged
    correct = ruleCorrectMultipleChoice(judged, pyStr(answer), choices)
  }
  return {
    question_id: doc["question_id"],
    duration: doc["duration"],
    category: doc["domain"],
    sub_category: doc["sub_category"],
    task_category: doc["task_type"],
    pred_answer: predAnswer,
    answer,
    correct: correct ? 1 : 0,
    evaluation_mode: judgment !== undefined ? "vlm_judge" : "rule"
  }
}

/** The judge's prompt: the reference's custom_prompt, filled as str.format fills it (values are not re-read). */
export const judgePrompt = (doc: Doc, output: string): string => {
  const values: Record<string, string> = {
    question: fullQuestion(doc),
    answer: pyStr(doc["answer"]),
    prediction: extractAnswerContent(output)
  }
  return fillJudgePrompt(multipleChoiceLetterJudgeTemplate, values)
}

/** Python's `==` on the JSON values a payload holds (only used when a payload has no `correct`). */
const pyEqual = (a: unknown, b: unknown): boolean =>
  a === b ||
  (typeof a === "object" &&
    typeof b === "object" &&
    a !== null &&
    b !== null &&
    JSON.stringify(a) === JSON.stringify(b))

/**
 * videomme_aggregate_results: 100 * correct / answered over all samples (0 when there are none), unrounded.
 * Each sample must fall into one of the fixed duration_domain_sub-category_task-type keys: a KeyError otherwise.
 */
export const aggregate = (results: ReadonlyArray<Partial<SampleResult>>): number => {
  let correct = 0
  let answered = 0
  for (const r of results) {
    const key = `${pyStr(r.duration)}_${pyStr(r.category)}_${pyStr(r.sub_category)}_${pyStr(r.task_category)}`
    if (!knownKeys.has(key))
      throw new Error(
        `KeyError: '${key}' (videomme_aggregate_results knows only the fixed duration/domain/sub_category/task_type lists)`
      )
    answered++
    correct += Math.trunc(Number(r.correct !== undefined ? r.correct : pyEqual(r.pred_answer, r.answer)))
  }
  return answered > 0 ? (100 * correct) / answered : 0
}

/**
 * utils.py's extract_characters_regex, which the release no longer calls (process_results uses the letter
 * rules above): a case-sensitive `<answer>X</answer>` with X in A-D first, then the first standalone A-J
 * (any case) in all <answer ...> blocks once "The answer is" and the like are removed, else "".
 */
export const extractCharactersRegex = (prediction: string): string => {
  const t = pyStrip(prediction)
  const direct = new RegExp(`<answer>${s}*([ABCD])${s}*</answer>`, "u").exec(t)
  if (direct !== null) return direct[1]!
  const blocks = [...t.matchAll(/<answer[^>]*>([\s\S]*?)<\/answer>/giu)].map((m) => m[1]!)
  if (blocks.length > 0) {
    let inner = blocks.join(" ")
    for (const prefix of ["The answer is", "The correct answer is", "Answer:", "Option:", "the final answer is"])
      inner = inner.replaceAll(prefix, "")
    const m = new RegExp(`${b}(${pyLetterClass("ABCDEFGHIJ")})${b}`, "u").exec(inner)
    if (m !== null) return m[1]!.toUpperCase()
  }
  return ""
}

export const quirks = [
  'Scoring uses judge_utils\' letter rules over A-J (normalize_answer_letter, rule_correct_multiple_choice), not the extract_characters_regex left in utils.py: answers outside <answer> tags count, letters E-J count although Video-MME has four options, a prediction starting "I think" reads as option I and "a" in a sentence as option A.',
  'Letters are matched with Python\'s IGNORECASE, which equates "i" with "ı" and "İ": "ı think B" reads as option I, and "İ think B" as the non-letter "İ" (wrong).',
  "pred_answer is the letter found, or the whole prediction (its <answer> content when the tags hold text) when no letter is.",
  'The answer is matched through the same rules: an answer "b", "B." or "(B)" reads as B.',
  'With a judge, pred_answer becomes the ground-truth answer or "WRONG", and a judge call that fails counts as wrong; the judge sees only the <answer> content.',
  "The aggregation raises KeyError when a sample's duration, domain, sub_category or task_type is outside utils.py's fixed lists (any domain with any sub-category passes); the result is 100 * correct / answered, unrounded (the log prints it with one decimal), and 0 with no samples.",
  'Options are joined as released (they carry their "A. " prefixes); an options string would be split into characters.',
  'doc_to_visual tries only data/<videoID>.mp4, then .MP4 and .mkv (by replacing every "mp4" in the full path), and exits when none exists.'
]

/** The task as the runner uses it. */
export const task: Task = {
  name: "videomme",
  benchmark: "Video-MME",
  group: "general",
  source: {
    dataset: "lmms-lab/Video-MME",
    split: "test",
    layout: `${dataFile} (the questions); videos at data/<videoID>.mp4 and subtitles at subtitle/<videoID>.srt, as the release's zip files unpack under the root (LMMs-Eval's $HF_HOME/videomme)`
  },
  documents: (read) =>
    Effect.flatMap(read(dataFile), (docs) =>
      withFields("videomme", dataFile, docs, [
        "videoID",
        "question_id",
        "question",
        "options",
        "answer",
        "duration",
        "domain",
        "sub_category",
        "task_type"
      ])
    ),
  docId: (doc, index) =>
    doc["question_id"] === undefined || doc["question_id"] === null ? String(index) : pyStr(doc["question_id"]),
  media: (doc) => ({ paths: [`data/${pyStr(doc["videoID"])}`] }),
  docToText: (doc) => docToText(doc),
  docToTarget,
  generation: generationParams,
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResult(doc, output, judgment)
    return { metrics: { videomme_perception_score: r }, score: r.correct, parsed: pyStr(r.pred_answer) }
  },
  metrics: {
    videomme_perception_score: {
      aggregate: (payloads) => aggregate(payloads as ReadonlyArray<SampleResult>),
      higherIsBetter: true
    }
  },
  breakdown: (doc) => ({
    duration: pyStr(doc["duration"]),
    domain: pyStr(doc["domain"]),
    sub_category: pyStr(doc["sub_category"]),
    task_type: pyStr(doc["task_type"])
  }),
  quirks
}
