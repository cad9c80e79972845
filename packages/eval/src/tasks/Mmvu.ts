import { pyStr, pyStrip } from "@videokr/core/python"
import { Effect } from "effect"
import { strictOpenEndedJudgeInstructions } from "../JudgePrompts.ts"
import { pyBoundary as b, pyWhitespace as s } from "@videokr/core/python"
import type { Doc, Task } from "../Task.ts"
import { TaskDataError, withFields } from "../TaskData.ts"

/**
 * MMVU as LMMs-Eval's mmvu task defines it (EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/mmvu: mmvu_val.yaml,
 * utils.py). The VideoKR release ships no mmvu task, so this follows upstream: the rules of process_results
 * are those of v0.5 on (Dec 2025, unchanged since), the judge prompt that of v0.7.2 on (Jul 2026). In short:
 * - multiple choice is scored by rules only (a letter, the answer letter anywhere, or the option text);
 * - open-ended by rules first (string containment either way, first numbers within 0.01, words, O(...)),
 *   and only what they reject goes to the judge; without one, those samples are skipped here (score null)
 *   while the `accuracy` payload keeps the reference's 0 for a failed judge call;
 * - accuracy counts the samples whose video folder is one of the 27 subjects, unrounded.
 * Exact against the reference functions on 2,872 outputs (test/vectors/mmvu.json).
 */
/** `d.get(k, default)` */
const get = (doc: Doc, key: string, fallback: unknown): unknown => (Object.hasOwn(doc, key) ? doc[key] : fallback)

/** Every character counted as Python counts them (code points), for len() and slicing. */
const codePoints = (text: string) => [...text]

/** generation_kwargs of mmvu_val.yaml (num_beams: 1). */
export const generationParams = { maxTokens: 1024, temperature: 0.7, topP: 1.0, doSample: false } as const

/** The subject folders of the videos and their disciplines (mmvu_aggregate_results_val's TASK_MAP). */
export const disciplines: Readonly<Record<string, string>> = {
  Biology: "Science",
  Chemistry: "Science",
  Modern_Physics: "Science",
  Astronomy: "Science",
  Geography: "Science",
  Materials_Science: "Science",
  Neurobiology: "Science",
  Electromagnetism: "Science",
  Thermodynamics: "Science",
  Mechanics: "Science",
  Civil_Engineering: "Engineering",
  Electrical_Engineering: "Engineering",
  Mechanical_Engineering: "Engineering",
  Biomedical_Engineering: "Engineering",
  Electronics_and_Communication: "Engineering",
  Computer_Science: "Engineering",
  Clinical_Medicine: "Healthcare",
  Basic_Medicine: "Healthcare",
  Preventive_Medicine: "Healthcare",
  Pharmacy: "Healthcare",
  Dentistry: "Healthcare",
  Art: "Humanities_and_Social_Science",
  Literature: "Humanities_and_Social_Science",
  History: "Humanities_and_Social_Science",
  Law: "Humanities_and_Social_Science",
  Economics: "Humanities_and_Social_Science",
  Management: "Humanities_and_Social_Science"
}

/**
 * The video of a document relative to the dataset root: `video_path` as the task reads it (lmms-lab/MMVU),
 * else the part of the release's `video` URL under the repository (yale-nlp/MMVU: "videos/<Subject>/<n>.mp4").
 */
export const videoPathOf = (doc: Doc): string => {
  if (Object.hasOwn(doc, "video_path")) return pyStr(doc.video_path)
  const url = pyStr(get(doc, "video", ""))
  const at = url.indexOf("/resolve/main/")
  return at === -1 ? url : url.slice(at + "/resolve/main/".length)
}

/** extract_category: the folder the video is in (an IndexError in the reference when there is none). */
export const categoryOf = (doc: Doc): string => {
  const parts = videoPathOf(doc).split("/")
  if (parts.length < 2) throw new RangeError(`mmvu: no folder in the video path of ${pyStr(get(doc, "id", ""))}`)
  return parts[parts.length - 2]!
}

const isMultipleChoice = (doc: Doc) => doc.question_type === "multiple-choice"

/** choices["A"]: a KeyError in the reference when an option is missing. */
const option = (doc: Doc, letter: string): string => {
  const choices = doc.choices as Record<string, unknown> | null | undefined
  if (choices === null || typeof choices !== "object" || !Object.hasOwn(choices, letter))
    throw new RangeError(`mmvu: ${pyStr(get(doc, "id", ""))} has no option ${letter}`)
  return pyStr(choices[letter])
}

const options = (doc: Doc) => ["A", "B", "C", "D", "E"].map((l) => `${l}: ${option(doc, l)}`).join("\n")

/** mmvu_doc_to_text: the prompt is fixed in utils.py; the YAML's pre/post prompts are not used. */
export const docToText = (doc: Doc): string =>
  isMultipleChoice(doc)
    ? `\nQuestion:${pyStr(doc.question)}\n${options(doc)}\nVisual Information: processed video\nDo not generate any intermediate reasoning process. Answer directly with the option letter from the\ngiven choices.\n`
    : `\nQuestion:${pyStr(doc.question)}\nVisual Information: processed video\nDo not generate any intermediate reasoning process. Directly output the final answer.\n`

/** mmvu_doc_to_text_cot (task mmvu_val_cot, from the file "mmvu_val_cot copy.yaml"). */
export const docToTextCot = (doc: Doc): string =>
  isMultipleChoice(doc)
    ? `\nQuestion:${pyStr(doc.question)}\n${options(doc)}\nVisual Information: processed video\nAnswer the given multiple-choice question step by step. Begin by explaining your reasoning process\nclearly. Conclude by stating the final answer using the following format: "Therefore, the final answer\nis: $LETTER" (without quotes), where $LETTER is one of the options. Think step by step before\nanswering.\n`
    : `\nQuestion:${pyStr(doc.question)}\nVisual Information: processed video\nAnswer the given question step by step. Begin by explaining your reasoning process clearly. Conclude\nby stating the final answer using the following format: "Therefore, the final answer is: "Answer:\n$ANSWER" (without quotes), where $ANSWER is the final answer of the question. Think step by\nstep before answering.\n`

/** doc_to_target: "answer" */
export const docToTarget = (doc: Doc): string => pyStr(doc.answer)

// --- the rules (evaluate_with_rule_based) ---

const asciiPunctuation = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
/** `w.strip(string.punctuation)` */
const stripPunctuation = (w: string) => {
  let i = 0
  let j = w.length
  while (i < j && asciiPunctuation.has(w[i]!)) i++
  while (j > i && asciiPunctuation.has(w[j - 1]!)) j--
  return w.slice(i, j)
}
const runOfSpace = new RegExp(`${s}+`, "u")
/** `str.split()`: on runs of Python whitespace, without empty pieces */
const pySplit = (text: string) => text.split(runOfSpace).filter((w) => w !== "")

const superscripts: ReadonlyArray<readonly [string, string]> = [
  ["²", "^2"],
  ["³", "^3"],
  ["¹", "^1"],
  ["⁰", "^0"],
  ["⁴", "^4"],
  ["⁵", "^5"],
  ["⁶", "^6"],
  ["⁷", "^7"],
  ["⁸", "^8"],
  ["⁹", "^9"]
]
/** normalize_math_notation: n² -> n^2 */
export const normalizeMathNotation = (text: string) =>
  superscripts.reduce((t, [sup, caret]) => t.replaceAll(sup, caret), text)

/** Python's re.escape for a pattern used with the "u" flag (which refuses needless escapes). */
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")

const anyLetter = new RegExp(`${b}([A-Ea-e])${b}`, "u")
const upperLetter = new RegExp(`${b}([A-E])${b}`, "u")
// `\d` of a Python str pattern is any decimal digit (category Nd), and float() reads them all
const firstNumber = /\p{Nd}+\.?\p{Nd}*/u
const bigO = new RegExp(`[Oo]${s}*\\([^)]+\\)`, "u")

const isDigit = (c: string) => /\p{Nd}/u.test(c)
/** The value of a decimal digit: Nd digits come in runs of ten, 0 to 9, so count back to the run's start. */
const digitValue = (cp: number) => {
  let zero = cp
  while (isDigit(String.fromCodePoint(zero - 1))) zero--
  return (cp - zero) % 10
}
/** float() of a string of decimal digits and at most one dot */
const pyFloat = (text: string) =>
  Number(
    codePoints(text)
      .map((c) => (c === "." ? c : String(digitValue(c.codePointAt(0)!))))
      .join("")
  )

const multipleChoiceCorrect = (doc: Doc, prediction: string): boolean => {
  const predStr = pyStrip(prediction)
  const answerStr = pyStrip(pyStr(doc.answer))
  // 1: the first standalone letter A-E, in either case
  const letter = anyLetter.exec(predStr)
  if (letter !== null && letter[1]!.toUpperCase() === answerStr.toUpperCase()) return true
  // 2: the answer letter standing alone anywhere
  if (
    predStr.toUpperCase().includes(answerStr.toUpperCase()) &&
    new RegExp(`${b}${escapeRegExp(answerStr)}${b}`, "iu").test(predStr)
  )
    return true
  // 3: the answer option's text, or the letter anywhere with one of the option's longer words
  const choices = get(doc, "choices", {})
  if (choices !== null && typeof choices === "object" && !Array.isArray(choices) && Object.hasOwn(choices, answerStr)) {
    const text = (choices as Record<string, unknown>)[answerStr]
    if (typeof text !== "string")
      throw new TypeError(`mmvu: option ${answerStr} of ${pyStr(get(doc, "id", ""))} is not text`)
    const choiceText = pyStrip(text).toLowerCase()
    const predLower = predStr.toLowerCase()
    if (predLower.includes(choiceText)) return true
    if (predStr.toUpperCase().includes(answerStr.toUpperCase())) {
      const words = pySplit(choiceText)
        .map(stripPunctuation)
        .filter((w) => codePoints(w).length > 2)
      if (words.length > 0 && words.some((w) => predLower.includes(w))) return true
    }
  }
  return false
}

const openEndedCorrect = (doc: Doc, prediction: string): boolean => {
  const predNormalized = normalizeMathNotation(pyStrip(prediction).toLowerCase())
  const answerNormalized = normalizeMathNotation(pyStrip(pyStr(doc.answer)).toLowerCase())
  const predClean = pySplit(predNormalized).join(" ")
  const answerClean = pySplit(answerNormalized).join(" ")
  // 1-3: equal, or either contains the other (an empty output is in every answer)
  if (predClean === answerClean || predClean.includes(answerClean) || answerClean.includes(predClean)) return true
  // 4: the first numbers of each within 0.01
  const predNumber = firstNumber.exec(predNormalized)
  const answerNumber = firstNumber.exec(answerNormalized)
  if (
    predNumber !== null &&
    answerNumber !== null &&
    Math.abs(pyFloat(answerNumber[0]) - pyFloat(predNumber[0])) < 0.01
  )
    return true
  // 5: answers of 2 to 5 words: each word longer than 2 characters is a word of the output
  const answerWords = pySplit(answerClean)
    .map(stripPunctuation)
    .filter((w) => w !== "")
  const predWords = pySplit(predClean)
    .map(stripPunctuation)
    .filter((w) => w !== "")
  if (
    answerWords.length >= 2 &&
    answerWords.length <= 5 &&
    answerWords.filter((w) => codePoints(w).length > 2).every((w) => predWords.includes(w))
  )
    return true
  // 6: the first O(...) of each, equal
  const predO = bigO.exec(predClean)
  const answerO = bigO.exec(answerClean)
  return (
    predO !== null &&
    answerO !== null &&
    normalizeMathNotation(predO[0].toLowerCase()) === normalizeMathNotation(answerO[0].toLowerCase())
  )
}

/** evaluate_with_rule_based */
export const ruleCorrect = (doc: Doc, prediction: string): boolean =>
  isMultipleChoice(doc) ? multipleChoiceCorrect(doc, prediction) : openEndedCorrect(doc, prediction)

// --- the judge (open-ended samples the rules reject) ---

/**
 * verifiers/base.py parse_binary_response: "INCORRECT" or "NOT_ATTEMPTED" anywhere (upper-cased) is false,
 * then "CORRECT" is true, then "correct", "yes", "true", "1" or "[1]" anywhere (lower-cased) is true.
 */
export const parseBinaryResponse = (reply: string): boolean => {
  const upper = pyStrip(reply).toUpperCase()
  if (upper.includes("INCORRECT") || upper.includes("NOT_ATTEMPTED")) return false
  if (upper.includes("CORRECT")) return true
  const lower = pyStrip(reply).toLowerCase()
  return ["correct", "yes", "true", "1", "[1]"].some((sig) => lower.includes(sig))
}

/** strip_reasoning_tags with the StripReasoningExtractor's default tags, before the judge sees the output. */
export const stripReasoning = (text: string): string => {
  let result = text
  for (const [start, end] of [
    ["<think>", "</think>"],
    ["<thinking>", "</thinking>"]
  ] as const) {
    while (result.includes(start) && result.includes(end)) {
      const from = result.indexOf(start)
      const to = result.indexOf(end, from)
      if (to === -1) break
      result = result.slice(0, from) + result.slice(to + end.length)
    }
    // a lone closing tag (the opening one prefilled by the chat template): keep what follows the last
    if (result.includes(end) && !result.includes(start)) result = result.slice(result.lastIndexOf(end) + end.length)
  }
  return pyStrip(result)
}

/**
 * The judge prompt of lmms-eval v0.5.0 to v0.7.1 (Dec 2025 - Jul 2026): the same instructions with no
 * placeholders, so the judge was never shown the question, the answer or the output. Kept for comparison.
 */
export const contentFreeJudgePrompt = strictOpenEndedJudgeInstructions

/** construct_question_prompt for the samples that reach the judge (never multiple choice). */
const questionPrompt = (doc: Doc) => `Question: ${pyStr(doc.question)}`

/** The judge's prompt when the rules reject an open-ended output; undefined when the rules decide. */
export const judgePrompt = (doc: Doc, output: string): string | undefined =>
  isMultipleChoice(doc) || ruleCorrect(doc, output)
    ? undefined
    : `${strictOpenEndedJudgeInstructions}\n\nQuestion: ${questionPrompt(doc)}\nCorrect Answer: ${pyStr(doc.answer)}\nModel Prediction: ${stripReasoning(output)}`

// --- process_results and the aggregation ---

export interface SampleResult {
  readonly question_id: unknown
  readonly category: string
  readonly pred_answer: string
  readonly answer: unknown
  readonly correct: 0 | 1
  readonly eval_method: "rule-based" | "gpt-based"
}

/**
 * mmvu_process_results. `judgment` is the judge's 1/0 for an open-ended output the rules reject; without
 * it the sample is skipped (`skipped`), its payload being the reference's for a failed judge call (0).
 */
export const processResult = (
  doc: Doc,
  output: string,
  judgment?: number
): SampleResult & { readonly skipped: boolean } => {
  const category = categoryOf(doc)
  const rule = ruleCorrect(doc, output)
  const judged = !rule && !isMultipleChoice(doc)
  const correct = rule || (judged && judgment === 1)
  const points = codePoints(output)
  const predAnswer = isMultipleChoice(doc)
    ? (upperLetter.exec(output)?.[1] ?? "N/A")
    : points.length > 100
      ? points.slice(0, 100).join("") + "..."
      : output
  return {
    question_id: doc.id,
    category,
    pred_answer: predAnswer,
    answer: doc.answer,
    correct: correct ? 1 : 0,
    eval_method: judged ? "gpt-based" : "rule-based",
    skipped: judged && judgment === undefined
  }
}

/** mmvu_aggregate_results_val: 100 * correct / answered over the samples of the 27 subject folders. */
export const aggregate = (results: ReadonlyArray<Pick<SampleResult, "category" | "correct">>): number => {
  let correct = 0
  let answered = 0
  for (const r of results) {
    if (!Object.hasOwn(disciplines, r.category)) continue
    answered++
    correct += r.correct
  }
  return answered > 0 ? (100 * correct) / answered : 0
}

export const quirks = [
  'Prompts are fixed in utils.py (the YAML\'s pre/post prompts are unused): they start with a newline, read "Question:<question>" without a space and always list options A-E.',
  'Only question_type exactly "multiple-choice" is multiple choice; any other value is prompted and scored as open-ended.',
  'Multiple choice: the first standalone letter A-E in either case decides, so the article "a" reads as A and "e.g." as E.',
  'Multiple choice: the answer letter standing alone anywhere also counts, so an output listing "A B C D E" is right on every question.',
  "Multiple choice: the answer option's text anywhere counts, and so does the answer letter anywhere (even inside a word, as B in \"about\") together with any word of more than 2 characters of that option's text (as a substring).",
  "Open-ended: an output contained in the answer is right, so an empty output or a single letter of the answer scores 1.",
  "Open-ended: the first number of the output within 0.01 of the first number of the answer is right, whatever the units or the other numbers; any Unicode decimal digits count.",
  'Open-ended: for answers of 2-5 words, the output is right when it has every answer word longer than 2 characters, so answers made only of short words (e.g. "V = IR") accept any output.',
  'Open-ended: the first "o(...)" of each (also inside words, as "also (...)") is compared after lowercasing.',
  'The judge sees only open-ended outputs the rules reject, with the question prefixed twice ("Question: Question: ...") and the output\'s <think>/<thinking> blocks removed; multiple choice is never judged.',
  'Without a judge, the reference counts those open-ended outputs wrong (its failed judge call gives 0, eval_method "gpt-based"); here they are skipped in the breakdowns (score null) while the accuracy payload keeps the reference\'s 0.',
  "The accuracy counts only samples whose video folder is one of the 27 subjects; the folder, not metadata.subject, decides (they differ for some documents); it is 100 * correct / answered, unrounded.",
  'pred_answer (logged only) of multiple choice is the first standalone capital A-E or "N/A", which may differ from the letter the rules used; open-ended outputs over 100 characters are cut with "...".',
  "temperature 0.7 with do_sample false: greedy on the Hugging Face models, but paths that drop do_sample (vLLM, APIs) sample at 0.7."
]

const readDocs = (file: string) => (read: Parameters<Task["documents"]>[0]) =>
  Effect.flatMap(read(file), (docs) =>
    Effect.flatMap(
      withFields("mmvu_val", file, docs, ["id", "question", "question_type", "choices", "answer"]),
      (docs) => {
        const i = docs.findIndex((d) => !Object.hasOwn(d, "video_path") && !Object.hasOwn(d, "video"))
        return i === -1
          ? Effect.succeed(docs)
          : Effect.fail(
              new TaskDataError({
                task: "mmvu_val",
                file,
                field: `[${i}].video`,
                reason: "missing (and no video_path)"
              })
            )
      }
    )
  )

const breakdown = (doc: Doc) => {
  const parts = videoPathOf(doc).split("/")
  const category = parts.length < 2 ? undefined : parts[parts.length - 2]!
  const metadata = get(doc, "metadata", undefined)
  const subject =
    metadata !== null && typeof metadata === "object" && Object.hasOwn(metadata, "subject")
      ? pyStr((metadata as Record<string, unknown>).subject)
      : category
  return {
    question_type: pyStr(doc.question_type),
    subject,
    category,
    discipline: category === undefined ? undefined : disciplines[category]
  }
}

const base = {
  benchmark: "MMVU",
  group: "knowledge",
  source: {
    dataset: "yale-nlp/MMVU (lmms-eval reads the lmms-lab/MMVU copy)",
    split: "validation",
    layout:
      "validation.json at the root; videos at videos/<Subject>/<n>.mp4, the part of each document's `video` URL after /resolve/main/ (or its video_path)"
  },
  documents: readDocs("validation.json"),
  docId: (doc, index) => (Object.hasOwn(doc, "id") ? pyStr(doc.id) : String(index)),
  media: (doc) => ({ paths: [videoPathOf(doc)] }),
  docToTarget,
  generation: generationParams,
  judgePrompt,
  parseJudge: (reply) => (parseBinaryResponse(reply) ? 1 : 0),
  // OpenAIVerifier's defaults: temperature 0.0, max_tokens 1024
  judgeParams: { temperature: 0, maxTokens: 1024 },
  score: (doc, output, judgment) => {
    const { skipped, ...payload } = processResult(doc, output, judgment)
    return { metrics: { accuracy: payload }, score: skipped ? null : payload.correct, parsed: payload.pred_answer }
  },
  metrics: {
    accuracy: { aggregate: (payloads) => aggregate(payloads as ReadonlyArray<SampleResult>), higherIsBetter: true }
  },
  // the reference's number: outputs left for a judge count as wrong when there is none
  headline: (aggregates) => (typeof aggregates["accuracy"] === "number" ? aggregates["accuracy"] : undefined),
  breakdown,
  quirks
} satisfies Omit<Task, "name" | "docToText">

/** mmvu_val: the direct-answer prompt, the task the LMMs-Eval tables report. */
export const task: Task = { ...base, name: "mmvu_val", docToText }

/** mmvu_val_cot: the step-by-step prompt, scored by the same rules. */
export const taskCot: Task = { ...base, name: "mmvu_val_cot", docToText: docToTextCot }
