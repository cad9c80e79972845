import { basename, extname } from "node:path"
import { PythonRandom } from "@videokr/core"
import { pyStr, pyStrip } from "@videokr/core/python"
import { Effect } from "effect"
import { accuracyReward, extractAnswer } from "@videokr/core"
import type { Doc, Task } from "../Task.ts"
import { TaskDataError } from "../TaskData.ts"
import { defaultPrompts, formatOptions } from "./VideoKrEval.ts"

/**
 * A training corpus as a task, for the difficulty report (the paper's Table 5: a base model's accuracy on
 * N seeded samples of each corpus; lower is harder). Two layouts are read:
 * - VideoKR JSONL: `question`, `options`, `problem_type`, `solution` ("<answer>X</answer>"), `video_path`
 *   (or `path` / `file_name`), `problem_id` (or `id`);
 * - Video-R1-style JSON (an array; also Video-R1's .jsonl): `problem`, `options`, `problem_type`,
 *   `solution`, `path`, `data_type` ("video" or "image": image records are left out), `problem_id`.
 * The sample: the records' indices shuffled by Python's random.Random(seed).shuffle, the first N kept
 * (so `python -c` reproduces the same draw). Every corpus gets the same prompt (VideoKR-Eval's: question,
 * options, the multiple-choice or open-ended post-prompt) and the same score, the GRPO reward's accuracy
 * ("multiple choice": the <answer> equal to the truth's; anything else: mean ROUGE-1/2/L F as open-ended),
 * so the corpora are compared on equal terms.
 */
const questionOf = (doc: Doc) => pyStr(doc["question"] ?? doc["problem"] ?? "")
const optionsOf = (doc: Doc) => formatOptions(doc["options"] ?? doc["option"] ?? [])
const isMultipleChoice = (doc: Doc) =>
  pyStrip(pyStr(doc["problem_type"] ?? ""))
    .toLowerCase()
    .replace(/[-_]/g, " ") === "multiple choice"
const truthOf = (doc: Doc) => {
  const s = pyStrip(pyStr(doc["solution"] ?? doc["answer"] ?? ""))
  return /<answer>/i.test(s) ? s : `<answer>${s}</answer>`
}

export const corpusDocToText = (doc: Doc) => {
  const options = optionsOf(doc)
  const post = isMultipleChoice(doc) ? defaultPrompts.postPromptMc : defaultPrompts.postPromptOe
  return options !== "" ? `${questionOf(doc)}\n${options}\n${post}` : `${questionOf(doc)}\n${post}`
}

/** The indices of a seeded sample of `n` of `size` records: Python's Random(seed).shuffle(list(range(size)))[:n]. */
export const sampleIndices = (size: number, n: number, seed: number): Array<number> =>
  new PythonRandom(seed).shuffle(Array.from({ length: size }, (_, i) => i)).slice(0, n)

export interface CorpusTaskOptions {
  /** the corpus's name in the report */
  readonly name: string
  /** its file, relative to the task's root (the folder videos are found under) */
  readonly file: string
  readonly samples: number
  readonly seed: number
}

export const corpusTask = (options: CorpusTaskOptions): Task => ({
  // a name that is also a file name part (the samples file), as LMMs-Eval task names are
  name: `difficulty_${options.name.replace(/[^A-Za-z0-9._-]+/g, "_")}`,
  benchmark: options.name,
  group: "corpus",
  source: {
    dataset: options.file,
    split: "train",
    layout: "VideoKR JSONL or Video-R1-style JSON; videos at video_path / path relative to the root"
  },
  documents: (read) =>
    Effect.gen(function* () {
      const docs = yield* read(options.file)
      const videos = docs.filter((d) => d["data_type"] === undefined || d["data_type"] === "video")
      const noQuestion = videos.findIndex((d) => questionOf(d) === "")
      if (noQuestion >= 0)
        return yield* new TaskDataError({
          task: options.name,
          file: options.file,
          line: docs.indexOf(videos[noQuestion]!) + 1,
          field: "question",
          reason: "a record needs `question` (VideoKR) or `problem` (Video-R1)"
        })
      return sampleIndices(videos.length, options.samples, options.seed).map((i) => videos[i]!)
    }),
  docId: (doc, index) => String(doc["problem_id"] ?? doc["id"] ?? index),
  media: (doc) => ({ paths: [pyStr(doc["video_path"] ?? doc["path"] ?? doc["file_name"] ?? "").replace(/^\.\//, "")] }),
  docToText: corpusDocToText,
  docToTarget: (doc) => extractAnswer(truthOf(doc)),
  generation: { maxTokens: 8192, temperature: 0.1, topP: 0.001, doSample: true },
  score: (doc, output) => {
    const score = accuracyReward(output, truthOf(doc), isMultipleChoice(doc) ? "multiple choice" : "open-ended")
    return { metrics: { accuracy: score }, score, parsed: extractAnswer(output) }
  },
  metrics: {
    accuracy: {
      aggregate: (xs) => (xs.length === 0 ? 0 : (xs as ReadonlyArray<number>).reduce((a, b) => a + b, 0) / xs.length),
      higherIsBetter: true
    }
  },
  headline: (a) => (typeof a["accuracy"] === "number" ? a["accuracy"] * 100 : undefined),
  breakdown: (doc) => ({
    question_type: isMultipleChoice(doc) ? "multiple choice" : "open-ended",
    source: doc["data_source"] === undefined ? undefined : pyStr(doc["data_source"])
  }),
  quirks: []
})

/** A corpus's name from its file name: "Video-R1-260k.json" -> "Video-R1-260k". */
export const corpusNameOf = (file: string) => basename(file, extname(file))
