import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Prediction, SubmissionMeta } from "../Submission.ts"

/**
 * Test fixtures of the board: a valid submission's metadata and a submission folder written from it, for
 * the tests of the site, the judge and the board's workflow.
 */
export const submissionMeta = (overrides: Partial<SubmissionMeta> = {}): SubmissionMeta => ({
  model: "M",
  revision: "v1",
  organisation: "Lab",
  contact: "lab@example.org",
  date: "2026-11-20",
  frames: { fps: 2, maxFrames: 128 },
  generation: { temperature: 0.1, maxTokens: 8192 },
  prompt: "default",
  ...overrides
})

/**
 * A submission folder (submission.json and predictions.jsonl) at `dir`: the metadata over a valid one's
 * (any fields, to make a broken one), each prediction a line (a string is written as it is).
 */
export const writeSubmission = (
  dir: string,
  meta: Partial<SubmissionMeta> | Readonly<Record<string, unknown>>,
  predictions: ReadonlyArray<Prediction | string>
) => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "submission.json"), JSON.stringify(submissionMeta(meta as Partial<SubmissionMeta>)) + "\n")
  writeFileSync(
    join(dir, "predictions.jsonl"),
    predictions.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("\n") + "\n"
  )
}
