import { pyFirst, pyStr, pyStrip, pyTruthy } from "../PyCompat.ts"
import { instruction } from "./Instructions.ts"
import type { VideoKrRecord } from "./VideoKrRecord.ts"

/**
 * LLaMA-Factory ShareGPT SFT records, as `llamafactory/local_script/prepare_videokr_sft_data.py` of the
 * reference release writes them (parity vectors in test/vectors/exports).
 */
export interface LlamaFactoryItem {
  readonly messages: ReadonlyArray<{ readonly role: "user" | "assistant"; readonly content: string }>
  readonly videos: ReadonlyArray<string>
}

export interface LlamaFactoryOptions {
  /** prefix added to every video path unless it already starts with it (the script's --video-prefix) */
  readonly videoPrefix?: string | undefined
  /** the answer alone as the target, without the rationale (the paper's direct-answer ablation) */
  readonly direct?: boolean | undefined
}

/** The dataset_info.json entry that registers the file with LLaMA-Factory. */
export const datasetInfo = (fileName: string, name = "videokr_train") => ({
  [name]: {
    file_name: fileName,
    formatting: "sharegpt",
    columns: { messages: "messages", videos: "videos" },
    tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" }
  }
})

export const normalizeVideoPath = (path: string, prefix = ""): string => {
  let p = pyStrip(path)
  while (p.startsWith("./")) p = p.slice(2)
  p = p.replace(/^\/+/, "")
  if (prefix) {
    const pre = pyStrip(prefix).replace(/^\/+|\/+$/g, "")
    if (pre && !p.startsWith(pre + "/")) p = `${pre}/${p}`
  }
  return p
}

const isMultipleChoice = (r: VideoKrRecord): boolean =>
  ["multiple choice", "multiple-choice", "mcq"].includes(pyStrip(pyStr(r.problem_type ?? "")).toLowerCase()) ||
  pyTruthy(r.options)

/** "\n\nOptions:\n" + one line per option: object options keep their order, list options are stripped. */
const formatOptions = (options: unknown): string => {
  if (!pyTruthy(options)) return ""
  const lines = (
    Array.isArray(options)
      ? options.map((o) => pyStrip(pyStr(o)))
      : typeof options === "object"
        ? Object.entries(options as Record<string, unknown>).map(([k, v]) => `${k}. ${pyStr(v)}`)
        : [pyStrip(pyStr(options))]
  ).filter((l) => pyStrip(l) !== "")
  return lines.length === 0 ? "" : "\n\nOptions:\n" + lines.join("\n")
}

/** The question, options and instruction; the open-ended instruction keeps the reference's trailing newline. */
export const userInstruction = (r: VideoKrRecord): string => {
  const mc = isMultipleChoice(r)
  return `${pyStrip(pyStr(r.question ?? ""))}${formatOptions(r.options)}${instruction(mc)}${mc ? "" : "\n"}`
}

const stripTag = (text: string, tag: string): string => {
  let t = pyStrip(text)
  const open = `<${tag}>`
  const close = `</${tag}>`
  if (t.startsWith(open) && t.includes(close)) {
    t = t.replace(open, "")
    t = t.slice(0, t.lastIndexOf(close))
  }
  return pyStrip(t)
}

/**
 * "<think>…</think>\n<answer>…</answer>", or "" when the rationale or the answer is empty; `direct`:
 * "<answer>…</answer>" alone, "" when the answer is empty (the prompt is the same either way).
 */
export const response = (r: VideoKrRecord, direct = false): string => {
  const answer = stripTag(pyStrip(pyStr(r.solution ?? "")), "answer")
  if (direct) return answer ? `<answer>${answer}</answer>` : ""
  const think = stripTag(pyStrip(pyStr(r.think ?? "")), "think")
  return think && answer ? `<think>${think}</think>\n<answer>${answer}</answer>` : ""
}

/** The record's video path as the SFT script takes and normalizes it ("" when it has none). */
export const sftVideoPath = (r: VideoKrRecord, prefix?: string): string => {
  const raw = pyFirst(r, ["video_path", "path", "file_name"])
  return normalizeVideoPath(pyTruthy(raw) ? pyStr(raw) : "", prefix)
}

/** One SFT item, or undefined for records the reference skips (no rationale, no answer or no video path). */
export const toLlamaFactory = (r: VideoKrRecord, options: LlamaFactoryOptions = {}): LlamaFactoryItem | undefined => {
  const user = userInstruction(r)
  const answer = response(r, options.direct)
  const video = sftVideoPath(r, options.videoPrefix)
  if (!user || !answer || !video) return undefined
  return {
    messages: [
      { role: "user", content: `<video>${user}` },
      { role: "assistant", content: answer }
    ],
    videos: [video]
  }
}

/** One element of the output array as Python's json.dump(indent=2) lays it out at depth 1. */
export const arrayElement = (item: unknown): string => "  " + JSON.stringify(item, null, 2).replaceAll("\n", "\n  ")
