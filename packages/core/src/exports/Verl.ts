import { existsSync } from "node:fs"
import { isAbsolute } from "node:path"
import { PythonRandom } from "../PythonRandom.ts"
import { pyFirst, pyLstrip, pyRealpath, pyRstrip, pyStr, pyStrip, pyTruthy } from "../PyCompat.ts"
import { openEndedSpellings } from "../Taxonomy.ts"
import { instruction } from "./Instructions.ts"
import type { VideoKrRecord } from "./VideoKrRecord.ts"

/**
 * verl RL records, as `verl/local_script/prepare_videokr_rl_data.py` of the reference release builds them
 * (parity vectors in test/vectors/exports). The parquet files are written by DuckDB with `verlParquetColumns`.
 */
export interface VerlOptions {
  readonly fps: number
  readonly maxFrames: number
  readonly minFrames: number
  readonly maxPixels: number
  readonly minPixels: number
  /** validation records drawn with `seed` (the reference's --val_size, default 500) */
  readonly valSize: number
  /** -1 keeps every non-validation record */
  readonly trainSize: number
  readonly seed: number
  /**
   * the folder relative video paths start from (the reference's --video_base_dir): each becomes the
   * absolute path of the first of <dir>/<path> and <dir>/Videos/<path> (or <dir>/<path without Videos/>)
   * that exists; without it relative paths stay as given
   */
  readonly videoBaseDir?: string | undefined
}

export const verlDefaults: VerlOptions = {
  fps: 2.0,
  maxFrames: 128,
  minFrames: 4,
  maxPixels: 128 * 28 * 28,
  minPixels: 128 * 28 * 28,
  valSize: 500,
  trainSize: -1,
  seed: 42
}

export interface VerlRecord {
  data_source: "videokr"
  prompt: Array<{ role: "user"; content: string }>
  videos: Array<{
    video: string
    fps: number
    max_frames: number
    min_frames: number
    max_pixels: number
    min_pixels: number
  }>
  ability: "video_qa"
  reward_model: { style: "rule"; ground_truth: string }
  extra_info: {
    problem_id: unknown
    problem_type: string
    answer: string
    solution: unknown
    source_path: string | Array<string>
    split?: "train" | "test"
    index?: number
  }
}

/** DuckDB column types of the parquet files, in the reference's column order. */
export const verlParquetColumns = {
  data_source: "VARCHAR",
  prompt: "STRUCT(role VARCHAR, content VARCHAR)[]",
  videos:
    "STRUCT(video VARCHAR, fps DOUBLE, max_frames BIGINT, min_frames BIGINT, max_pixels BIGINT, min_pixels BIGINT)[]",
  ability: "VARCHAR",
  reward_model: "STRUCT(style VARCHAR, ground_truth VARCHAR)",
  extra_info:
    "STRUCT(problem_id VARCHAR, problem_type VARCHAR, answer VARCHAR, solution VARCHAR, source_path VARCHAR, split VARCHAR, index BIGINT)"
} as const

const answerPattern = /<answer>\s*([\s\S]*?)\s*<\/answer>/i

export const extractAnswer = (text: unknown): string => {
  const raw = pyStrip(pyTruthy(text) ? pyStr(text) : "")
  const m = answerPattern.exec(raw)
  return m ? pyStrip(m[1]!) : raw
}

const ensureAnswerTags = (text: unknown): string => {
  const raw = pyStrip(pyTruthy(text) ? pyStr(text) : "")
  if (!raw) return ""
  return answerPattern.test(raw) ? raw : `<answer>${raw}</answer>`
}

const stripVideoPrefix = (text: unknown): string => {
  const prompt = pyStrip(pyTruthy(text) ? pyStr(text) : "")
  return prompt.toLowerCase().startsWith("<video>") ? pyLstrip(prompt.slice(7)) : prompt
}

const ensureVideoPrefix = (text: string): string => {
  const t = pyStrip(text)
  return t.toLowerCase().startsWith("<video>") ? t : `<video>\n${t}`
}

export const normalizeProblemType = (r: VideoKrRecord): "multiple choice" | "open-ended" => {
  const p = pyStrip(pyStr(pyFirst(r, ["problem_type", "question_type"]) || "")).toLowerCase()
  if (p.includes("multiple") && p.includes("choice")) return "multiple choice"
  if (openEndedSpellings.includes(p)) return "open-ended"
  return pyTruthy(r.options) ? "multiple choice" : "open-ended"
}

// Python's str.splitlines() boundaries, control characters included (the reference splits so)
// biome-ignore lint/suspicious/noControlCharactersInRegex: the boundaries are control characters
const lineBoundaries = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/

export const normalizeOptions = (options: unknown): Array<string> => {
  if (options === undefined || options === null) return []
  if (typeof options === "string")
    return options
      .split(lineBoundaries)
      .map(pyStrip)
      .filter((l) => l)
  if (Array.isArray(options)) return options.map((o) => pyStrip(pyStr(o))).filter((o) => o)
  if (typeof options === "object") {
    return Object.entries(options as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}. ${pyStr(v)}`)
  }
  return []
}

/** The question with its options appended (unless the question already lists them), without the instruction. */
export const verlQuestion = (question: unknown, options: ReadonlyArray<string>, problemType: string): string => {
  const q = stripVideoPrefix(question)
  if (problemType !== "multiple choice" || options.length === 0) return q
  if (q.includes("Options:") || q.includes("\nA.") || q.includes("\nA:")) return q
  return pyRstrip(q) + "\nOptions:\n" + options.join("\n")
}

const collectVideoPaths = (r: VideoKrRecord): Array<string> => {
  if (Array.isArray(r.videos)) {
    const paths = r.videos
      .map((e) =>
        e !== null && typeof e === "object" && !Array.isArray(e)
          ? pyFirst(e as Record<string, unknown>, ["video", "path"])
          : e
      )
      .filter(pyTruthy)
      .map(pyStr)
    if (paths.length > 0) return paths
  }
  for (const key of ["file_name", "video", "video_path", "video_file", "path"]) {
    if (pyTruthy(r[key])) return [pyStr(r[key])]
  }
  return []
}

/**
 * The reference's resolve_video_path: URLs as given, absolute paths resolved (symbolic links followed, as
 * Python's Path.resolve), relative ones under the video base folder when there is one, else as given.
 */
const resolveVideoPath = (raw: string, baseDir: string | undefined): string => {
  const p = pyStrip(raw)
  if (!p || p.includes("://")) return p
  if (isAbsolute(p)) return pyRealpath(p)
  if (baseDir === undefined) return p
  const stripped = p.replace(/^[./]+/, "") // Python's lstrip("./"): every leading "." and "/"
  // joined as pathlib joins, ".." kept: the file system, not the string, says where it leads
  const under = (...parts: ReadonlyArray<string>) => parts.join("/").replace(/\/{2,}/g, "/")
  const candidates = [
    under(baseDir, stripped),
    stripped.startsWith("Videos/")
      ? under(baseDir, stripped.slice("Videos/".length))
      : under(baseDir, "Videos", stripped)
  ] as const
  return pyRealpath(candidates.find((c) => existsSync(c)) ?? candidates[0])
}

const groundTruth = (r: VideoKrRecord): string => {
  for (const key of ["solution", "answer", "correct_answer", "ground_truth"]) {
    const v = r[key]
    if (v !== undefined && v !== null && pyStrip(pyStr(v))) return ensureAnswerTags(v)
  }
  return ""
}

/** One verl record, or undefined for records the reference drops (no video or no ground truth). */
export const toVerl = (r: VideoKrRecord, o: VerlOptions = verlDefaults): VerlRecord | undefined => {
  const problemType = normalizeProblemType(r)
  const options = normalizeOptions(r.options)
  const prompt = ensureVideoPrefix(
    verlQuestion(pyFirst(r, ["question", "prompt"]) || "", options, problemType) +
      instruction(problemType === "multiple choice")
  )
  const rawPaths = collectVideoPaths(r)
  const gt = groundTruth(r)
  if (rawPaths.length === 0 || !gt) return undefined
  return {
    data_source: "videokr",
    prompt: [{ role: "user", content: prompt }],
    videos: rawPaths
      .map((raw) => resolveVideoPath(raw, o.videoBaseDir))
      .map((video) => ({
        video,
        fps: o.fps,
        max_frames: o.maxFrames,
        min_frames: o.minFrames,
        max_pixels: o.maxPixels,
        min_pixels: o.minPixels
      })),
    ability: "video_qa",
    reward_model: { style: "rule", ground_truth: gt },
    extra_info: {
      problem_id: pyFirst(r, ["problem_id", "id", "file_name"]) ?? null,
      problem_type: problemType,
      answer: extractAnswer(gt),
      solution: r.solution ?? "",
      source_path: rawPaths.length === 1 ? rawPaths[0]! : rawPaths
    }
  }
}

/** Which of `count` valid records go to validation: the reference's seeded shuffle (CPython's random). */
export const verlAssignment = (
  count: number,
  o: Pick<VerlOptions, "valSize" | "trainSize" | "seed">
): Array<"train" | "test" | undefined> => {
  const indices = new PythonRandom(o.seed).shuffle(Array.from({ length: count }, (_, i) => i))
  const valSize = Math.min(Math.max(o.valSize, 0), count)
  let train = indices.slice(valSize)
  if (o.trainSize >= 0) train = train.slice(0, Math.min(o.trainSize, train.length))
  const out: Array<"train" | "test" | undefined> = new Array(count).fill(undefined)
  for (const i of indices.slice(0, valSize)) out[i] = "test"
  for (const i of train) out[i] = "train"
  return out
}
