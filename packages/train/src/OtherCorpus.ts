import { readFile } from "node:fs/promises"
import { Effect } from "effect"
import { FileError, InputError, type InputProblem, inputProblems, reasonOf, sha256File } from "@videokr/core"

/**
 * Another corpus to train on in place of this one (the paper's comparison of training corpora): Video-R1's
 * layout, as the difficulty report reads it — a JSON array (or JSONL) of records with `problem`, `options`,
 * `problem_type`, `process` (the rationale, in <think> tags), `solution` ("<answer>X</answer>"), `path`
 * (the video) and `data_type` ("video"; image records are left out, as the method trains on videos). Each
 * becomes a VideoKR record, so that every export converts it as it converts the corpus's own.
 */
export interface OtherCorpus {
  readonly file: string
  readonly sha256: string
  readonly records: ReadonlyArray<Record<string, unknown>>
  /** image records left out */
  readonly images: number
}

const text = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v))

export const readOtherCorpus = (file: string) =>
  Effect.gen(function* () {
    const raw = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: (e) => new FileError({ path: file, operation: "read", reason: reasonOf(e) })
    })
    const problems: Array<InputProblem> = []
    // (record, its line: a JSONL line, or 0 for an element of a JSON array)
    const items: Array<readonly [unknown, number]> = []
    if (raw.trimStart().startsWith("[")) {
      try {
        for (const item of JSON.parse(raw) as Array<unknown>) items.push([item, 0])
      } catch (e) {
        problems.push({ line: 0, message: `not a JSON array: ${(e as Error).message}` })
      }
    } else
      raw.split("\n").forEach((line, i) => {
        if (line.trim() === "") return
        try {
          items.push([JSON.parse(line), i + 1])
        } catch (e) {
          problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` })
        }
      })
    const records: Array<Record<string, unknown>> = []
    let images = 0
    items.forEach(([item, line], index) => {
      const where = line > 0 ? "" : `record ${index + 1}: `
      if (item === null || typeof item !== "object" || Array.isArray(item))
        return void problems.push({ line, message: `${where}not an object` })
      const r = item as Record<string, unknown>
      if (text(r["data_type"]).toLowerCase() === "image") return void images++
      const question = r["problem"] ?? r["question"]
      const video = r["path"] ?? r["video_path"]
      for (const [field, value] of [
        ["problem", question],
        ["solution", r["solution"]],
        ["path", video]
      ] as const)
        if (text(value).trim() === "") problems.push({ line, field, message: `${where}missing` })
      records.push({
        problem_id: text(r["problem_id"] ?? r["id"] ?? index),
        question,
        options: r["options"] ?? [],
        problem_type: text(r["problem_type"]),
        ...(text(r["process"]).trim() === "" ? {} : { think: r["process"] }),
        solution: r["solution"],
        video_path: video,
        ...(r["data_source"] === undefined ? {} : { data_source: r["data_source"] })
      })
    })
    if (problems.length > 0) return yield* inputProblems(file, problems, "no run folder is written")
    if (records.length === 0)
      return yield* new InputError({
        file,
        problems: [{ line: 0, message: `no video records (${images} image record(s) left out)` }],
        omitted: 0,
        outcome: "no run folder is written"
      })
    return { file, sha256: yield* Effect.orDie(sha256File(file)), records, images } satisfies OtherCorpus
  })
