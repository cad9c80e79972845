import { pyStr } from "@videokr/core/python"
import { Effect } from "effect"
import { fillJudgePrompt, multipleChoiceLetterJudgeTemplateTrailingSpaces } from "../JudgePrompts.ts"
import {
  extractAnswerContent,
  normalizeAnswerLetter as normalizeLetter,
  ruleCorrectMultipleChoice
} from "../parsing/ChoiceLetters.ts"
import type { Doc, ReadFile, Task } from "../Task.ts"
import { TaskDataError, withFields } from "../TaskData.ts"

/**
 * MVBench as the release's LMMs-Eval group defines it (lmms_eval/tasks/mvbench: mvbench.yaml, the 20
 * mvbench_<subtask>.yaml, _default_template_yaml and utils.py): one task here whose documents are the 20
 * subtasks' documents in the group's order, each tagged with its subtask (`_subtask`) and its index in the
 * subtask (`_index`, LMMs-Eval's doc_id). Python's semantics are kept where they show (test/vectors/mvbench.json):
 * - the ground-truth letter is that of the first candidate equal (Python ==) to `answer`, None when none is;
 * - the rules know only the letters A-E, whatever the number of candidates;
 * - a subtask's accuracy leaves out samples whose pred_answer is "" (only an empty output gives that);
 * - the group's value is the subtasks' accuracies weighted by their numbers of documents (weight_by_size).
 */
export const taskName = "mvbench"

/** The group's subtasks, in mvbench.yaml's order (the order LMMs-Eval runs and aggregates them). */
export const subtasks = [
  "action_sequence",
  "moving_count",
  "action_prediction",
  "episodic_reasoning",
  "action_antonym",
  "action_count",
  "scene_transition",
  "object_shuffle",
  "object_existence",
  "fine_grained_pose",
  "unexpected_action",
  "moving_direction",
  "state_change",
  "object_interaction",
  "character_order",
  "action_localization",
  "counterfactual_inference",
  "fine_grained_action",
  "moving_attribute",
  "egocentric_navigation"
] as const
export type Subtask = (typeof subtasks)[number]

/** utils.py's DATA_LIST: the folder of each subtask's videos (pre-cut segments in the dataset's `video` revision). */
export const dataList: Readonly<Record<Subtask, string>> = {
  object_interaction: "star/Charades_segment",
  action_sequence: "star/Charades_segment",
  action_prediction: "star/Charades_segment",
  action_localization: "sta/sta_video_segment",
  moving_count: "clevrer/video_validation",
  fine_grained_pose: "nturgbd_convert",
  character_order: "perception/videos",
  object_shuffle: "perception/videos",
  egocentric_navigation: "vlnqa",
  moving_direction: "clevrer/video_validation",
  episodic_reasoning: "tvqa/video_fps3_hq_segment",
  fine_grained_action: "Moments_in_Time_Raw/videos",
  scene_transition: "scene_qa/video",
  state_change: "perception/videos",
  moving_attribute: "clevrer/video_validation",
  action_antonym: "ssv2_video_mp4",
  unexpected_action: "FunQA_test/test",
  counterfactual_inference: "clevrer/video_validation",
  object_existence: "clevrer/video_validation",
  action_count: "perception/videos"
}

/** utils.py's MVBENCH_PROMPT, appended after the options (the YAMLs give no other prompt kwargs) */
export const postPrompt =
  "Please answer this question based on the visual content.\nProvide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags.\nPlease provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags."

/** generation_kwargs of _default_template_yaml (and of the group yaml); num_beams: 1 is the default anyway */
export const generationParams = { maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true } as const

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
/** the letters the rules accept (process_results passes choices="ABCDE") */
const ruleChoices = "ABCDE"

export const subtaskOf = (doc: Doc): Subtask => {
  const s = doc._subtask
  if (typeof s !== "string" || !(subtasks as ReadonlyArray<string>).includes(s))
    throw new TypeError(`not an MVBench document (no known _subtask): ${JSON.stringify(s)}`)
  return s as Subtask
}

/**
 * A value as an f-string shows it: Python's str. JSON integers are Python ints; other numbers are floats,
 * written as float.__repr__ does (exponent below 1e-4 and from 1e16, two exponent digits at least). An
 * integral float ("3.0" in the file) reads as 3 after JSON.parse and shows as "3", not Python's "3.0"; lists
 * and dicts show as JSON, not as Python's repr. MVBench's candidates and answers are strings.
 */
const pyFormat = (v: unknown): string => {
  if (typeof v !== "number" || !Number.isFinite(v)) return pyStr(v)
  if (Number.isInteger(v)) return BigInt(v).toString()
  const [mantissa, e] = v.toExponential().split("e") as [string, string]
  const exp = Number(e)
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`
  return String(v)
}

/** Python's == on JSON values: True == 1, 1 == 1.0, lists and dicts compared element by element. */
const pyEquals = (a: unknown, b: unknown): boolean => {
  const numeric = (x: unknown) => typeof x === "number" || typeof x === "boolean"
  if (numeric(a) && numeric(b)) return Number(a) === Number(b)
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]))
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a)
    const o = b as Record<string, unknown>
    return (
      ka.length === Object.keys(o).length &&
      ka.every((k) => Object.hasOwn(o, k) && pyEquals((a as Record<string, unknown>)[k], o[k]))
    )
  }
  return a === b
}

const candidatesOf = (doc: Doc): ReadonlyArray<unknown> => doc.candidates as ReadonlyArray<unknown>

/** normalize_answer_letter(text, choices="ABCDE"): the option letter the text names, or "". */
export const normalizeAnswerLetter = (text: string): string => normalizeLetter(text, ruleChoices)

/** mvbench_doc_to_text: "Question:{q}\nOption:\n(A) ...\n" and the prompt. */
export const docToText = (doc: Doc): string => {
  const options = candidatesOf(doc)
    .map((c, i) => `(${letters[i]}) ${pyFormat(c)}\n`)
    .join("")
  return `Question:${pyFormat(doc.question)}\nOption:\n${options}${postPrompt}`
}

/** doc_to_target: "answer", the answer's text */
export const docToTarget = (doc: Doc): string => pyFormat(doc.answer)

/** The letter of the first candidate equal to the answer, or null (Python's None) when none is. */
export const groundTruthLetter = (doc: Doc): string | null => {
  const i = candidatesOf(doc).findIndex((c) => pyEquals(c, doc.answer))
  return i < 0 ? null : letters[i]!
}

/** the dict process_results returns under "mvbench_accuracy" */
export interface SampleResult {
  readonly pred_answer: string
  readonly gt_answer: string | null
  readonly score: 0 | 1
  readonly evaluation_mode: "rule" | "vlm_judge"
}

/**
 * mvbench_process_results: the rules (letters A-E) without a judge; with a judge's verdict (`judgment`, 1 for
 * correct; anything else, a failed call included, is wrong) the output's answer content is kept as it is.
 */
export const processResult = (doc: Doc, output: string, judgment?: number): SampleResult => {
  const pred = extractAnswerContent(output)
  const gt = groundTruthLetter(doc)
  if (judgment !== undefined)
    return { pred_answer: pred, gt_answer: gt, score: judgment === 1 ? 1 : 0, evaluation_mode: "vlm_judge" }
  return {
    pred_answer: normalizeAnswerLetter(pred) || pred,
    gt_answer: gt,
    // a None ground truth is read as the text "None", which names no letter: never correct
    score: ruleCorrectMultipleChoice(pred, pyStr(gt), ruleChoices) ? 1 : 0,
    evaluation_mode: "rule"
  }
}

/** The judge's prompt, filled as JudgePromptBuilder.build_binary_prompt fills the custom prompt (str.format). */
export const judgePrompt = (doc: Doc, output: string): string => {
  const options = candidatesOf(doc)
    .map((c, i) => `${letters[i]}. ${pyFormat(c)}\n`)
    .join("")
  const values: Record<string, string> = {
    question: `${pyFormat(doc.question)}\n${options}`,
    answer: pyStr(groundTruthLetter(doc)),
    prediction: extractAnswerContent(output)
  }
  return fillJudgePrompt(multipleChoiceLetterJudgeTemplateTrailingSpaces, values)
}

/** mvbench_aggregate_results: 100 * correct / answered over the samples with a non-empty pred_answer, 0 when none. */
export const subtaskAccuracy = (results: ReadonlyArray<SampleResult>): number => {
  let answered = 0
  let correct = 0
  for (const r of results) {
    if (r.pred_answer === "") continue
    answered++
    correct += r.score
  }
  return answered > 0 ? (100 * correct) / answered : 0
}

/** the payload our `score` logs: process_results' dict and the subtask, which the group's weighting needs */
export interface Payload extends SampleResult {
  readonly _subtask: Subtask
}

/** Each subtask's accuracy, in the group's order (subtasks without samples are left out, as LMMs-Eval leaves them). */
export const subtaskAccuracies = (
  payloads: ReadonlyArray<Payload>
): ReadonlyArray<{ readonly subtask: Subtask; readonly accuracy: number; readonly size: number }> => {
  const bySubtask = new Map<Subtask, Array<Payload>>()
  for (const p of payloads) {
    const list = bySubtask.get(p._subtask)
    if (list === undefined) bySubtask.set(p._subtask, [p])
    else list.push(p)
  }
  return subtasks.flatMap((s) => {
    const results = bySubtask.get(s)
    return results === undefined ? [] : [{ subtask: s, accuracy: subtaskAccuracy(results), size: results.length }]
  })
}

/**
 * The group's mvbench_accuracy as consolidate_group_results computes it with weight_by_size: True
 * (aggregate_subtask_metrics): sum(accuracy * size) / sum(size), in the group's order, size being the
 * subtask's number of samples (empty outputs included). Undefined when there are no samples (LMMs-Eval then
 * reports no value for the group).
 */
export const aggregate = (payloads: ReadonlyArray<Payload>): number | undefined => {
  const rows = subtaskAccuracies(payloads)
  const size = rows.reduce((n, r) => n + r.size, 0)
  return size === 0 ? undefined : rows.reduce((sum, r) => sum + r.accuracy * r.size, 0) / size
}

/**
 * The documents of the given subtasks, in that order, each read from json/<subtask>.json. A missing or broken
 * file is a TaskDataError naming it: a subtask left out would change the group's value, so nothing is skipped.
 */
export const documentsOf = (read: ReadFile, which: ReadonlyArray<Subtask>) =>
  Effect.map(
    Effect.forEach(which, (subtask) => {
      const file = `json/${subtask}.json`
      return read(file).pipe(
        Effect.flatMap((docs) => withFields(taskName, file, docs, ["video", "question", "candidates", "answer"])),
        Effect.flatMap((docs) => {
          const bad = docs.findIndex((d) => !Array.isArray(d.candidates))
          return bad < 0
            ? Effect.succeed(docs.map((d, i): Doc => ({ ...d, _subtask: subtask, _index: i })))
            : Effect.fail(
                new TaskDataError({ task: taskName, file, field: `[${bad}].candidates`, reason: "must be a list" })
              )
        })
      )
    }),
    (lists) => lists.flat()
  )

export const quirks = [
  "The ground-truth letter is that of the first candidate equal to `answer` (Python ==, so True equals 1); when no candidate is, it is None and the sample always scores 0.",
  'The rules know only the letters A-E (choices="ABCDE"): a sixth candidate\'s letter F is never scored correct, and a prediction naming F reads as no letter.',
  'Letter matching is case-insensitive: "a" in a sentence ("It is a dog") reads as option A, and "e" as option E.',
  'Words are matched with Python\'s IGNORECASE, which equates "i" with "ı" and "İ" and "s" with "ſ": "the optİon is B" names B, and <anſwer>...</ANſWER> is an answer tag.',
  "pred_answer is the letter found, or else the whole answer content; only an empty output leaves it empty, and only those samples are left out of a subtask's accuracy (a blank output counts as answered and wrong).",
  "With a judge, the judge's verdict alone decides (a failed judge call scores 0) and pred_answer is the answer content unparsed.",
  "The group's value weights each subtask's accuracy by its number of samples, empty outputs included, although the accuracy's denominator leaves them out; with no empty outputs it equals the accuracy over all samples.",
  'doc_to_visual\'s fallback to data0613/<folder>/ tests os.path.basename(folder) against "clevrer" and "star", which no folder\'s basename is (e.g. "video_validation"), so it never applies: the video is always <folder>/<video>.',
  "Videos are read whole: the `video` revision holds pre-cut segments (star/Charades_segment, sta/sta_video_segment, tvqa/video_fps3_hq_segment), so `start`/`end` are not applied again, and no subtask reads a folder of frames (mvbench_frames_doc_to_visual is defined but no YAML uses it)."
]

/** The task as the runner uses it. */
export const task: Task = {
  name: taskName,
  benchmark: "MVBench",
  group: "general",
  source: {
    dataset: "OpenGVLab/MVBench (revision video)",
    split: "train",
    layout:
      "json/<subtask>.json for the 20 subtasks at the root; each document's video at <folder>/<video>, the folder per subtask from utils.py's DATA_LIST (e.g. star/Charades_segment, clevrer/video_validation)"
  },
  documents: (read) => documentsOf(read, subtasks),
  docId: (doc, index) =>
    typeof doc._subtask === "string" && typeof doc._index === "number"
      ? `${doc._subtask}/${doc._index}`
      : String(index),
  // os.path.join(cache_dir, DATA_LIST[sub_task], doc["video"]), relative to the root
  media: (doc) => ({ paths: [`${dataList[subtaskOf(doc)]}/${pyFormat(doc.video)}`] }),
  docToText,
  docToTarget,
  generation: generationParams,
  judgePrompt,
  score: (doc, output, judgment) => {
    const r = processResult(doc, output, judgment)
    const payload: Payload = { ...r, _subtask: subtaskOf(doc) }
    // null: left out of the subtask's accuracy, as mvbench_aggregate_results leaves it out
    return {
      metrics: { mvbench_accuracy: payload },
      score: r.pred_answer === "" ? null : r.score,
      parsed: r.pred_answer
    }
  },
  metrics: {
    mvbench_accuracy: { aggregate: (payloads) => aggregate(payloads as ReadonlyArray<Payload>), higherIsBetter: true }
  },
  // the group's value, as LMMs-Eval reports mvbench (not the pooled accuracy over the scored samples)
  headline: (aggregates) => {
    const a = aggregates["mvbench_accuracy"]
    return typeof a === "number" ? a : undefined
  },
  breakdown: (doc) => ({ task_type: subtaskOf(doc) }),
  quirks
}
