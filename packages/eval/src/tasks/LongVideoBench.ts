import { createHash } from "node:crypto"
import { PythonRandom } from "@videokr/core"
import { pyRound, pyStr, pyStrip } from "@videokr/core/python"
import { Effect } from "effect"
import { fillJudgePrompt, strictMultipleChoiceJudgeTemplate } from "../JudgePrompts.ts"
import { extractAnswerContent, normalizeAnswerLetter } from "../parsing/ChoiceLetters.ts"
import type { Doc, Task } from "../Task.ts"
import { withFields } from "../TaskData.ts"

/**
 * LongVideoBench, video only (longvideobench_val_v), as the VideoKR release's LMMs-Eval task defines it
 * (lmms_eval/tasks/longvideobench: longvideobench_val_v.yaml and utils.py): the question and its options
 * as "A. ..." lines with the YAML's post prompt, the first capital A-E of the raw output as the answer
 * (a random option when there is none), and the accuracy over the duration_group and question_category
 * subsets, reported as a fraction rounded to 5 places (test/vectors/longvideobench.json).
 *
 * The interleaved variant (longvideobench_val_i: 16 frames decoded from the video with subtitle lines
 * placed between them as "<image>" markers in the text) is not offered: Task.media cannot ask the runner
 * for frames at given timestamps placed at markers in the prompt.
 */
/** `d.get(k)`: a missing key is None, like null. */
const get = (doc: Doc, key: string): unknown => (Object.hasOwn(doc, key) ? (doc[key] ?? null) : null)

/** `d[k]`: a missing key is a KeyError. */
const required = (doc: Doc, key: string): unknown => {
  if (!Object.hasOwn(doc, key)) throw new Error(`KeyError: '${key}'`)
  return doc[key] ?? null
}

const letter = (i: number) => String.fromCharCode(65 + i)

export const defaultPostPrompt =
  "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags."

/** generation_kwargs of longvideobench_val_v.yaml: 8196 (sic; the _i YAML has 8192) */
export const generationParams = { maxTokens: 8196, temperature: 0.1, topP: 0.001, doSample: true } as const

/** doc_to_text: every option that is not "N/A" (wherever it is), lettered from A, then the post prompt. */
export const docToText = (doc: Doc, postPrompt: string = defaultPostPrompt): string => {
  const candidates: Array<unknown> = []
  for (let i = 0; i < 5; i++) {
    const c = get(doc, `option${i}`)
    if (c !== "N/A") candidates.push(c)
  }
  const question = required(doc, "question")
  if (typeof question !== "string")
    throw new TypeError(`question must be text, not ${question === null ? "None" : typeof question}`)
  // ". ".join and "\n".join take text only: a null option fails the prompt, as in the reference
  const lines = candidates.map((c, i) => {
    if (typeof c !== "string")
      throw new TypeError(`option ${letter(i)} must be text, not ${c === null ? "None" : typeof c}`)
    return `${letter(i)}. ${c}`
  })
  return [`${question}\n${lines.join("\n")}`, postPrompt].filter((part) => part !== "").join("\n")
}

/** doc_to_target is the field name "correct_choice": the logged target is its integer, not a letter. */
export const docToTarget = (doc: Doc): string => pyStr(get(doc, "correct_choice"))

/** `random.choice(seq)` of CPython 3.11. */
const choice = <T>(rng: PythonRandom, seq: ReadonlyArray<T>): T => {
  if (seq.length === 0) throw new RangeError("IndexError: Cannot choose from an empty sequence")
  return seq[rng.randbelow(seq.length)]!
}

const answerPrefixes = [
  "The correct answer is",
  "The answer is",
  "The answer",
  "The best option is",
  "The correct option is",
  "Best answer:",
  "Best option:"
]

/**
 * parse_multi_choice_response: the stripped output with the prefixes above removed (case-sensitive, in
 * that order), then its first capital A-E anywhere, or a random choice when there is none. (Its first
 * test, more than ten words and no A-E, also ends in one random choice, so it needs no code of its own.)
 */
export const parseMultiChoiceResponse = (
  response: string,
  allChoices: ReadonlyArray<string>,
  rng: PythonRandom
): string => {
  let s = pyStrip(response)
  for (const prefix of answerPrefixes) s = s.replaceAll(prefix, "")
  const m = /[ABCDE]/.exec(s)
  return m === null ? choice(rng, allChoices) : m[0]
}

/** The per-sample payload of lvb_acc, as process_results returns it. */
export interface LvbSample {
  readonly id: unknown
  readonly duration_group: unknown
  readonly question_category: unknown
  readonly question: unknown
  readonly options: ReadonlyArray<unknown>
  readonly answer: string
  readonly parsed_pred: string
  readonly raw_output: string
  /** ours: the judge's 1/0 when one was asked (the reference asks it inside the aggregation) */
  readonly judgment?: number | undefined
}

/** `chr(ord("A") + correct_choice)`; a bool is an int to Python. */
const answerLetter = (choiceIndex: unknown): string => {
  const n = typeof choiceIndex === "boolean" ? Number(choiceIndex) : choiceIndex
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new TypeError(`correct_choice must be an integer, not ${pyStr(choiceIndex)}`)
  if (65 + n < 0 || 65 + n > 0x10ffff) throw new RangeError("ValueError: chr() arg not in range(0x110000)")
  return String.fromCodePoint(65 + n)
}

/** The options scored: up to the first "N/A" (doc_to_text skips every "N/A" instead). */
const scoredOptions = (doc: Doc) => {
  const options: Array<unknown> = []
  for (let i = 0; i < 5; i++) {
    const option = get(doc, `option${i}`)
    if (option === "N/A") break
    options.push(option)
  }
  return options
}

/**
 * process_results with the random source given: the reference draws from Python's global `random`
 * (seeded 0 by LMMs-Eval), in document order; the tests replay that with one PythonRandom(0).
 */
export const processResults = (doc: Doc, output: string, rng: PythonRandom) => {
  const options = scoredOptions(doc)
  const parsed = parseMultiChoiceResponse(
    output,
    options.map((_, i) => letter(i)),
    rng
  )
  const id = required(doc, "id")
  const lvb_acc: LvbSample = {
    id,
    duration_group: required(doc, "duration_group"),
    question_category: required(doc, "question_category"),
    question: Object.hasOwn(doc, "question") ? get(doc, "question") : "",
    options,
    answer: answerLetter(required(doc, "correct_choice")),
    parsed_pred: parsed,
    raw_output: output
  }
  return { lvb_acc, submission: { [pyStr(id)]: output } }
}

/**
 * The random source of one document in videokr: `random.Random(str(doc["id"]))`, fresh for each sample,
 * so a fallback letter does not depend on the order or concurrency in which samples are scored. (CPython
 * seeds from a str with the int of its UTF-8 bytes followed by their SHA-512.)
 */
export const documentRandom = (doc: Doc): PythonRandom => {
  const bytes = Buffer.from(pyStr(get(doc, "id")), "utf8")
  const all = Buffer.concat([bytes, createHash("sha512").update(bytes).digest()])
  return new PythonRandom(BigInt(`0x${all.toString("hex")}`))
}

/** evaluate_longvideobench's judge prompt for a sample: the scored options, the answer letter and the <answer> content. */
export const judgePromptOf = (sample: LvbSample): string => {
  const optionsText = sample.options.map((o, i) => `${letter(i)}. ${pyStr(o)}`).join("\n")
  const values: Record<string, string> = {
    question: optionsText !== "" ? `${pyStr(sample.question)}\n${optionsText}` : pyStr(sample.question),
    answer: sample.answer,
    prediction: extractAnswerContent(sample.raw_output)
  }
  return fillJudgePrompt(strictMultipleChoiceJudgeTemplate, values)
}

export const judgePrompt = (doc: Doc, output: string): string =>
  judgePromptOf({
    id: null,
    duration_group: null,
    question_category: null,
    question: Object.hasOwn(doc, "question") ? get(doc, "question") : "",
    options: scoredOptions(doc),
    answer: answerLetter(get(doc, "correct_choice")),
    parsed_pred: "",
    raw_output: output
  })

/** A sample is correct by the judge's 1 when it was judged, else by its letter equal to the answer. */
const isCorrect = (s: LvbSample) => (s.judgment !== undefined ? s.judgment === 1 : s.answer === s.parsed_pred)

export interface Bucket {
  readonly num: number
  readonly acc: number
}

/**
 * longvideobench_aggregate_results' logged table: each duration_group and question_category value (a
 * subset; keys compared as Python does, 600 and "600" apart, then written as text), its accuracy rounded
 * to 5 places, and "Overall": the mean of the subsets' accuracies weighted by their sizes, so each sample
 * counts twice and its num is twice the samples.
 */
export const aggregateDetails = (samples: ReadonlyArray<LvbSample>) => {
  const subsets = new Map<unknown, Array<LvbSample>>()
  const add = (key: unknown, s: LvbSample) => subsets.set(key, [...(subsets.get(key) ?? []), s])
  for (const s of samples) {
    add(s.duration_group, s)
    add(s.question_category, s)
  }
  const table: Record<string, Bucket | string> = {}
  let weighted = 0
  let num = 0
  for (const [key, subset] of subsets) {
    const acc = subset.length === 0 ? 0 : subset.filter(isCorrect).length / subset.length
    table[pyStr(key)] = { num: subset.length, acc: pyRound(acc, 5) }
    weighted += acc * subset.length
    num += subset.length
  }
  const overall: Bucket = { num, acc: pyRound(num === 0 ? 0 : weighted / num, 5) }
  table["Overall"] = overall
  table["Evaluation mode"] = samples.some((s) => s.judgment !== undefined) ? "vlm_judge" : "rule"
  return { table, overall }
}

/** The reported lvb_acc: Overall's accuracy, a fraction rounded to 5 places. */
export const aggregate = (samples: ReadonlyArray<LvbSample>): number => aggregateDetails(samples).overall.acc

/** Ours, opt-in: the option letter of the <answer> content (or the whole output) by the harness's letter rules, no random fallback. */
export const answerLetterResult = (doc: Doc, output: string) => {
  const choices = scoredOptions(doc)
    .map((_, i) => letter(i))
    .join("")
  const parsed = normalizeAnswerLetter(output, choices)
  return { parsed, correct: parsed !== "" && parsed === answerLetter(get(doc, "correct_choice")) }
}

export const quirks = [
  'The answer is the first capital A-E anywhere in the raw output once "The answer is"-style prefixes are removed (case-sensitive): the <think> text is not skipped, so "Alright", "Based", "Clearly", "During" or "Each" there gives the letter; lowercase letters are never read; E counts even with four options.',
  "An output with no capital A-E gets random.choice of the options. The reference draws from Python's global random, seeded 0 by LMMs-Eval and shared with every earlier draw of the process (other tasks, ranks), so its letter cannot be recovered; videokr draws from random.Random(str(id)) per document.",
  'doc_to_text skips every "N/A" option wherever it is, process_results stops at the first: with an "N/A" before a real option, the prompt\'s letters and the scored ones differ.',
  "An option that is null or not text fails the prompt (TypeError), as in the reference.",
  "lvb_acc is a fraction rounded to 5 places (not a percent): the size-weighted mean over the duration_group and question_category subsets, each sample counted twice (Overall num is twice the samples).",
  "With a judge every sample is judged on its <answer> content and the parsed letter is unused; the reference asks the judge once per subset (twice per sample, temperature 1), videokr once for both.",
  "longvideobench_val_v.yaml asks for max_new_tokens 8196 (the _i YAML: 8192); the logged target is correct_choice as an integer."
]

/** The task as the runner uses it. */
export const task: Task = {
  name: "longvideobench_val_v",
  benchmark: "LongVideoBench",
  group: "general",
  source: {
    dataset: "longvideobench/LongVideoBench",
    split: "validation",
    layout:
      "validation-00000-of-00001.parquet at the root (as in the Hugging Face repository); videos.tar.part.* joined and extracted, giving videos/<video_path>"
  },
  documents: (read) =>
    Effect.flatMap(read("validation-00000-of-00001.parquet"), (docs) =>
      withFields("longvideobench_val_v", "validation-00000-of-00001.parquet", docs, [
        "id",
        "question",
        "option0",
        "option1",
        "option2",
        "option3",
        "option4",
        "correct_choice",
        "duration_group",
        "question_category",
        "video_path"
      ])
    ),
  docId: (doc, index) => (Object.hasOwn(doc, "id") ? pyStr(doc["id"]) : String(index)),
  // doc_to_visual_v: <HF_HOME>/longvideobench/videos/<video_path>
  media: (doc) => ({ paths: [`videos/${pyStr(get(doc, "video_path"))}`] }),
  docToText: (doc) => docToText(doc),
  docToTarget,
  generation: generationParams,
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResults(doc, output, documentRandom(doc))
    const sample: LvbSample = judgment === undefined ? r.lvb_acc : { ...r.lvb_acc, judgment }
    return {
      metrics: { lvb_acc: sample, submission: r.submission, lvb_acc_answer_letter: answerLetterResult(doc, output) },
      score: isCorrect(sample) ? 1 : 0,
      parsed: sample.parsed_pred
    }
  },
  metrics: {
    lvb_acc: { aggregate: (payloads) => aggregate(payloads as ReadonlyArray<LvbSample>), higherIsBetter: true },
    lvb_acc_answer_letter: {
      aggregate: (payloads) => {
        const ps = payloads as ReadonlyArray<{ readonly correct: boolean }>
        return ps.length === 0 ? 0 : pyRound(ps.filter((p) => p.correct).length / ps.length, 5)
      },
      higherIsBetter: true,
      optIn: true
    }
  },
  // lvb_acc is a fraction; the main table's number is its percent
  headline: (aggregates) =>
    typeof aggregates["lvb_acc"] === "number" ? pyRound(aggregates["lvb_acc"] * 100, 3) : undefined,
  breakdown: (doc) => {
    const key = (k: string) => (Object.hasOwn(doc, k) ? pyStr(doc[k]) : undefined)
    return {
      duration_group: key("duration_group"),
      question_category: key("question_category"),
      topic_category: key("topic_category")
    }
  },
  quirks
}
