import { pyRound, pyStr, pyStrip, pyTruthy } from "@videokr/core/python"
import { Effect } from "effect"
import { fairOpenEndedBriefJudgeTemplate, fillJudgePrompt, multipleChoiceLetterJudgeTemplate } from "../JudgePrompts.ts"
import { extractAnswerContent, normalizeAnswerLetter, ruleCorrectMultipleChoice } from "../parsing/ChoiceLetters.ts"
import type { Doc, Task } from "../Task.ts"
import { withFields } from "../TaskData.ts"

/**
 * Video-MMMU as the release's LMMs-Eval group `video_mmmu` defines it (lmms_eval/tasks/videommmu:
 * video_mmmu.yaml, adaptation.yaml, comprehension.yaml, perception.yaml, _default_template_yaml, utils.py;
 * the release replaced the MMMU answer parser with judge_utils' letter rules). One task holds the three
 * subtasks' documents in the group's order (Adaptation, Comprehension, Perception), each tagged with its
 * `track`; the aggregation returns each subtask's value and the group's size-weighted mean, as LMMs-Eval
 * reports them. Python's semantics are kept where they show (test/vectors/videommmu.json).
 */
export const tracks = ["Adaptation", "Comprehension", "Perception"] as const
export type Track = (typeof tracks)[number]

/** the subtask (LMMs-Eval task name) of each track */
export const subtasks: Readonly<Record<Track, string>> = {
  Adaptation: "video_mmmu_adaptation",
  Comprehension: "video_mmmu_comprehension",
  Perception: "video_mmmu_perception"
}

/** each subset's released parquet, as `datasets` reads config `dataset_name`, split `test` */
export const dataFile = (track: Track) => `${track}/test-00000-of-00001.parquet`

/** lmms_eval_specific_kwargs.default of _default_template_yaml */
export const defaultPrompts = {
  mcqContext: "The image for this question is at the end of the video.",
  openContext: "The image for this question is at the end of the video.",
  perceptionContext: "Please ignore the quiz question in the last frame of the video.",
  postPromptMc:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags.",
  postPromptOe:
    "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only your final answer within the <answer>...</answer> tags."
}
export type Prompts = typeof defaultPrompts

/** generation_kwargs of the YAML (num_beams: 1) */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001 } as const

/** `d.get(k, default)`: the value when the key exists, even null. */
const get = (doc: Doc, key: string, fallback: unknown): unknown => (Object.hasOwn(doc, key) ? doc[key] : fallback)

/** `d[k]`: a KeyError, as the reference raises, when the key is missing. */
const at = (doc: Doc, key: string): unknown => {
  if (!Object.hasOwn(doc, key)) throw new Error(`KeyError: '${key}' (video_mmmu document ${pyStr(doc["id"])})`)
  return doc[key]
}

const text = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new TypeError(`video_mmmu: ${what} must be a string, got ${pyStr(v)}`)
  return v
}

const trackOf = (doc: Doc): Track => {
  const t = doc["track"]
  if (!tracks.includes(t as Track))
    throw new Error(`video_mmmu: a document must carry its track (${tracks.join(", ")}), got ${pyStr(t)}`)
  return t as Track
}

/**
 * parse_options: the options as given when every one already starts "A.", "B.", ... (an empty list too),
 * else each prefixed "A. ". Options are checked in order and the check stops at the first that is not
 * lettered, so a non-string option is an error only when every one before it was lettered.
 */
export const parseOptions = (options: unknown): string => {
  if (!Array.isArray(options)) throw new TypeError(`video_mmmu: options must be a list, got ${pyStr(options)}`)
  const letter = (i: number) => String.fromCharCode(65 + i)
  let lettered = true
  for (let i = 0; i < options.length; i++) {
    if (!text(options[i], "an option").startsWith(`${letter(i)}.`)) {
      lettered = false
      break
    }
  }
  return lettered ? options.join("\n") : options.map((o, i) => `${letter(i)}. ${pyStr(o)}`).join("\n")
}

/** _format_prompt: the non-empty parts, one per line */
const formatPrompt = (question: string, postPrompt: string, context: string) =>
  [context, question, postPrompt].filter((p) => p !== "").join("\n")

/**
 * doc_to_text: videommmu_doc_to_text_adaptation for Adaptation (options only when question_type is exactly
 * "multiple-choice"; the question's image is the video's last frame), and
 * videommmu_doc_to_text_perception_comprehension for the others (options always, even an empty list, which
 * leaves the question ending in a blank line).
 */
export const docToText = (doc: Doc, prompts: Prompts = defaultPrompts): string => {
  let question = text(at(doc, "question"), "question")
  if (trackOf(doc) === "Adaptation") {
    if (at(doc, "question_type") === "multiple-choice") {
      question += "\n" + parseOptions(at(doc, "options"))
      return formatPrompt(question, prompts.postPromptMc, prompts.mcqContext)
    }
    return formatPrompt(question, prompts.postPromptOe, prompts.openContext)
  }
  question += "\n" + parseOptions(at(doc, "options"))
  return formatPrompt(question, prompts.postPromptMc, prompts.perceptionContext)
}

export const docToTarget = (doc: Doc): string => pyStr(at(doc, "answer"))

/** get_cache_dir: the folder of a subject's videos */
const videoFolders: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["Art", ["Art", "Art_Theory", "Design", "Music"]],
  ["Science", ["Biology", "Chemistry", "Geography", "Math", "Physics"]],
  ["Humanities", ["History", "Literature", "Sociology", "Psychology"]],
  [
    "Engineering",
    [
      "Agriculture",
      "Architecture_and_Engineering",
      "Computer_Science",
      "Electronics",
      "Energy_and_Power",
      "Materials",
      "Mechanical_Engineering"
    ]
  ],
  [
    "Medicine",
    ["Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine", "Pharmacy", "Public_Health"]
  ],
  ["Business", ["Accounting", "Economics", "Finance", "Manage", "Marketing"]]
]

/** DOMAIN_CAT2SUB_CAT: the disciplines of the printed breakdown, in its order */
export const disciplines: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["Art and Design", ["Art", "Art_Theory", "Design", "Music"]],
  ["Business", ["Accounting", "Economics", "Finance", "Manage", "Marketing"]],
  ["Science", ["Biology", "Chemistry", "Geography", "Math", "Physics"]],
  [
    "Health and Medicine",
    ["Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine", "Pharmacy", "Public_Health"]
  ],
  ["Humanities and Social Science", ["History", "Literature", "Sociology", "Psychology"]],
  [
    "Tech and Engineering",
    [
      "Agriculture",
      "Architecture_and_Engineering",
      "Computer_Science",
      "Electronics",
      "Energy_and_Power",
      "Materials",
      "Mechanical_Engineering"
    ]
  ]
]

/**
 * videommmu_doc_to_visual, relative to $HF_HOME/video_mmmu (where LMMs-Eval extracts the dataset's zips):
 * `<folder>/<id>.mp4`, the folder from the subject between the id's first and last "_". An unknown subject
 * is an error, as in the reference.
 */
export const videoPath = (doc: Doc): string => {
  const id = text(at(doc, "id"), "id")
  const subject = id.split("_").slice(1, -1).join("_")
  const folder = videoFolders.find(([, subjects]) => subjects.includes(subject))?.[0]
  if (folder === undefined)
    throw new Error(`ValueError: Subject ${subject} not recognized. (video_mmmu document ${id})`)
  return `${folder}/${id}.mp4`
}

const escapeRegExp = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")

/**
 * extract_subset_name: the subject in "<split>_<subject>_<number>" (`^{split}_(.+?)_\d+$` with Python's
 * \d, `.` and `$`: Unicode digits, anything but "\n", and the end or just before a final "\n").
 */
export const extractSubsetName = (id: string): string => {
  const split = id.split("_")[0]!
  const m = new RegExp(`^${escapeRegExp(split)}_([^\\n]+?)_\\p{Nd}+(?=\\n?$)`, "u").exec(id)
  if (m === null) throw new Error(`ValueError: No match found in "${id}"`)
  return m[1]!
}

/** extract_answer_content and judge_utils' letter rules, from parsing/ChoiceLetters.ts */
export { extractAnswerContent }

/**
 * The reference's letter regex for no choices (a multiple-choice document without options) has an empty
 * character class and does not compile: an error whenever there is text to look at.
 */
const checkChoices = (textValue: string, choices: string) => {
  if (choices === "" && pyStrip(extractAnswerContent(textValue)) !== "")
    throw new Error("re.error: missing ), unterminated subpattern (a multiple-choice document without options)")
}

/** normalize_answer_letter for the document's choices (the first len(options) letters) */
const letterOf = (textValue: string, choices: string): string => {
  checkChoices(textValue, choices)
  return normalizeAnswerLetter(textValue, choices)
}

/** rule_correct_multiple_choice, which reads the prediction, then the answer */
const ruleCorrect = (prediction: string, answer: string, choices: string): boolean => {
  checkChoices(prediction, choices)
  checkChoices(answer, choices)
  return ruleCorrectMultipleChoice(prediction, answer, choices)
}

/** process_results' `mmmu_acc` dict, plus the subtask it belongs to (for the aggregation by subtask) */
export interface SampleResult {
  readonly id: unknown
  readonly subdomain: string
  readonly question_type: unknown
  readonly answer: unknown
  readonly parsed_pred: unknown
  readonly correct: 0 | 1
  readonly skipped: boolean
  readonly evaluation_mode: "rule" | "vlm_judge"
  /** ours: the LMMs-Eval subtask of the document (video_mmmu_adaptation, ...), for the aggregation by subtask */
  readonly _subtask: string
}

const optionsOf = (doc: Doc): Array<unknown> => {
  const o = get(doc, "options", [])
  if (!pyTruthy(o)) return []
  if (!Array.isArray(o)) throw new TypeError(`video_mmmu: options must be a list, got ${pyStr(o)}`)
  return o
}

/** the question with its options, as the judge sees it */
const fullQuestion = (doc: Doc) => {
  const question = at(doc, "question")
  const options = optionsOf(doc)
  const parsed = options.length > 0 ? parseOptions(options) : ""
  return parsed !== "" ? `${pyStr(question)}\n${parsed}` : pyStr(question)
}

/**
 * process_results: without a judge (rule mode), multiple choice by the letter rules over the first 26 option
 * letters and anything else skipped; with a judge's 1/0 (`judgment`), every sample is judged, multiple choice
 * included, as the reference does.
 */
export const processResult = (doc: Doc, output: string, judgment?: number): SampleResult => {
  const judgePred = extractAnswerContent(output)
  fullQuestion(doc) // built (and failing) in rule mode too, as in the reference
  const questionType = get(doc, "question_type", "multiple-choice")
  const options = optionsOf(doc)
  const gtAnswer = at(doc, "answer")
  const withJudge = judgment !== undefined
  const skipped = questionType !== "multiple-choice" && !withJudge
  let correct = false
  let parsedPred: unknown
  if (skipped) parsedPred = "SKIPPED_NO_JUDGE"
  else if (withJudge) {
    correct = judgment === 1
    parsedPred = correct ? gtAnswer : "WRONG"
  } else {
    const choices = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".slice(0, options.length)
    parsedPred = letterOf(judgePred, choices) || "API Error"
    correct = ruleCorrect(judgePred, pyStr(gtAnswer), choices)
  }
  const id = at(doc, "id")
  return {
    id,
    subdomain: extractSubsetName(text(id, "id")),
    question_type: questionType,
    answer: gtAnswer,
    parsed_pred: parsedPred,
    correct: correct ? 1 : 0,
    skipped,
    evaluation_mode: withJudge ? "vlm_judge" : "rule",
    _subtask: subtasks[trackOf(doc)]
  }
}

/** The judge's prompt (the reference's custom_prompt, filled as str.format fills it); the judge's reply counts as 1 when it contains "1". */
export const judgePrompt = (doc: Doc, output: string): string => {
  const template =
    get(doc, "question_type", "multiple-choice") === "multiple-choice"
      ? multipleChoiceLetterJudgeTemplate
      : fairOpenEndedBriefJudgeTemplate
  const values: Record<string, string> = {
    question: fullQuestion(doc),
    answer: pyStr(at(doc, "answer")),
    prediction: extractAnswerContent(output)
  }
  return fillJudgePrompt(template, values)
}

export interface Bucket {
  readonly num: number
  readonly acc: number
}

/** calculate_ins_level_acc: the accuracies weighted by their sizes, summed in the given order */
const insLevelAcc = (buckets: ReadonlyArray<Bucket>) => {
  let acc = 0
  let num = 0
  for (const b of buckets) {
    acc += b.acc * b.num
    num += b.num
  }
  return num === 0 ? 0 : acc / num
}

/**
 * videommmu_aggregate_results of one subtask: "API Error" (no letter found) and skipped samples are left
 * out; accuracy per subject in the order subjects first appear, per discipline, and overall (round(x, 5)).
 * Returns the value the subtask reports and the dict it prints.
 */
export const aggregateSubtask = (results: ReadonlyArray<SampleResult>) => {
  const skipped = results.filter((r) => r.skipped).length
  const bySubject = new Map<string, { c: number; t: number }>()
  for (const r of results) {
    if (r.parsed_pred === "API Error" || r.skipped) continue
    const g = bySubject.get(r.subdomain) ?? { c: 0, t: 0 }
    bySubject.set(r.subdomain, { c: g.c + (r.correct ? 1 : 0), t: g.t + 1 })
  }
  const evaluation = new Map([...bySubject].map(([k, v]): [string, Bucket] => [k, { num: v.t, acc: v.c / v.t }]))
  const printed: Record<string, unknown> = {}
  for (const [discipline, subjects] of disciplines) {
    const inDomain = subjects.flatMap((s): Array<[string, Bucket]> => {
      const b = evaluation.get(s)
      return b === undefined ? [] : [[s, b]]
    })
    printed[`Overall-${discipline}`] = {
      num: inDomain.reduce((n, [, b]) => n + b.num, 0),
      acc: pyRound(insLevelAcc(inDomain.map(([, b]) => b)), 5)
    }
    for (const [s, b] of inDomain) printed[s] = { num: b.num, acc: pyRound(b.acc, 5) }
  }
  const overall = pyRound(insLevelAcc([...evaluation.values()]), 5)
  printed["Overall"] = { num: [...evaluation.values()].reduce((n, b) => n + b.num, 0), acc: overall }
  printed["Evaluation mode"] = results.some((r) => r.evaluation_mode === "vlm_judge") ? "vlm_judge" : "rule"
  if (skipped > 0) printed["Skipped open-ended examples without VLM judge"] = skipped
  return { value: overall, printed }
}

/**
 * The group's results as LMMs-Eval reports them: each subtask's value (over its own samples), and
 * `video_mmmu`, their mean weighted by each subtask's number of samples (aggregate_metric_list with
 * weight_by_size), summed in the group's task order; `printed` holds each subtask's printed breakdown.
 */
export const aggregate = (results: ReadonlyArray<SampleResult>) => {
  const values: Record<string, number> = {}
  const printed: Record<string, unknown> = {}
  let weighted = 0
  let size = 0
  for (const track of tracks) {
    const mine = results.filter((r) => r._subtask === subtasks[track])
    if (mine.length === 0) continue
    const { value, printed: p } = aggregateSubtask(mine)
    values[subtasks[track]] = value
    printed[subtasks[track]] = p
    weighted += value * mine.length
    size += mine.length
  }
  return { ...(size > 0 ? { video_mmmu: weighted / size } : {}), ...values, printed }
}

const disciplineOf = (subject: string) => disciplines.find(([, subjects]) => subjects.includes(subject))?.[0]

export const quirks = [
  "The release scores multiple choice with judge_utils' letter rules (normalize_answer_letter / rule_correct_multiple_choice), not MMMU's parse_multi_choice_response; MMMU's parser and its random fallback are left in utils.py unused, so nothing is random.",
  'An output in which no option letter is found is logged as "API Error" and left out of the accuracy (numerator and denominator), not counted wrong.',
  'Without a judge, every sample whose question_type is not exactly "multiple-choice" (Adaptation\'s open questions, "perception", null) is skipped; a missing question_type counts as multiple choice, except in Adaptation\'s prompt, where it is a KeyError.',
  'Letter matching is case-insensitive: an output starting "I think" reads as option I, and "a" in a sentence as option A; choices are the first len(options) letters, at most 26.',
  'Letters and words are matched with Python\'s IGNORECASE: "ı" and "İ" read as i, "ſ" as s ("optİon B", "<anſwer>B</anſwer>"); a lone "İ" is parsed as "İ" (its upper case), which matches no answer.',
  "A multiple-choice document without options makes the letter regex's character class empty: the reference fails with re.error; so do we.",
  'Perception and Comprehension prompts always list the options, so an empty options list leaves the question followed by an empty line; options already starting "A.", "B.", ... are shown as given.',
  "Both Perception and Comprehension are told to ignore the quiz question in the video's last frame (perception_context); Adaptation's question image is that last frame.",
  'With a judge, multiple-choice samples are judged too (the rules are not used); parsed_pred is then the answer or "WRONG".',
  'Each subtask reports round(acc, 5) as a fraction; the group value video_mmmu is their mean weighted by each subtask\'s sample count, including the skipped and "API Error" samples the subtask values leave out.',
  "extract_subset_name builds its regex from the id's prefix unescaped; we escape it (the same for every id whose prefix has no regex characters, as dev/test/validation)."
]

const read = (readFile: Parameters<Task["documents"]>[0], track: Track) =>
  Effect.flatMap(readFile(dataFile(track)), (docs) =>
    Effect.map(
      withFields(
        "video_mmmu",
        dataFile(track),
        docs,
        track === "Adaptation"
          ? ["id", "question", "options", "answer", "question_type"]
          : ["id", "question", "options", "answer"]
      ),
      (ok) => ok.map((d) => ({ ...d, track }))
    )
  )

/** The task as the runner uses it. */
export const task: Task = {
  name: "video_mmmu",
  benchmark: "Video-MMMU",
  group: "knowledge",
  source: {
    dataset: "lmms-lab/VideoMMMU",
    split: "test",
    layout:
      "Adaptation/, Comprehension/ and Perception/ each with test-00000-of-00001.parquet; videos at <Art|Science|Humanities|Engineering|Medicine|Business>/<id>.mp4 (the dataset's zips extracted in place, as LMMs-Eval extracts them into $HF_HOME/video_mmmu)"
  },
  documents: (readFile) => Effect.map(Effect.all(tracks.map((t) => read(readFile, t))), (parts) => parts.flat()),
  docId: (doc, index) => `${pyStr(get(doc, "track", "?"))}/${pyStr(get(doc, "id", index))}`,
  media: (doc) => ({ paths: [videoPath(doc)] }),
  docToText: (doc) => docToText(doc),
  docToTarget,
  generation: { ...generationParams, doSample: true },
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResult(doc, output, judgment)
    return {
      metrics: { mmmu_acc: r },
      score: r.skipped || r.parsed_pred === "API Error" ? null : r.correct,
      parsed: pyStr(r.parsed_pred)
    }
  },
  metrics: {
    mmmu_acc: { aggregate: (payloads) => aggregate(payloads as ReadonlyArray<SampleResult>), higherIsBetter: true }
  },
  // the group's value in percent, as LMMs-Eval reports video_mmmu (not the pooled accuracy over the scored samples)
  headline: (aggregates) => {
    const a = aggregates["mmmu_acc"] as ReturnType<typeof aggregate> | number | undefined
    // an LMMs-Eval results file holds the group's value alone, as a number
    if (typeof a === "number") return a * 100
    return a?.video_mmmu === undefined ? undefined : a.video_mmmu * 100
  },
  breakdown: (doc) => {
    let subject: string | undefined
    try {
      subject = extractSubsetName(pyStr(get(doc, "id", "")))
    } catch {
      subject = undefined
    }
    return {
      track: typeof doc["track"] === "string" ? doc["track"] : undefined,
      question_type: pyStr(get(doc, "question_type", "multiple-choice")),
      subject,
      discipline: subject === undefined ? undefined : disciplineOf(subject)
    }
  },
  quirks
}
