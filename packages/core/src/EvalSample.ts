import { Schema } from "effect"
import { Options, ProblemType } from "./Taxonomy.ts"

/**
 * One VideoKR-Eval sample (file VideoKR_eval.jsonl, split test). Aliases of the release
 * (`option`, `answer`, `source`) are resolved before decoding; see `RecordKind`.
 */
export const EvalSample = Schema.Struct({
  id: Schema.Union([Schema.NonEmptyString, Schema.Finite]),
  video_path: Schema.String,
  question: Schema.String,
  options: Schema.optionalKey(Options),
  problem_type: ProblemType,
  solution: Schema.String,
  dataset: Schema.optionalKey(Schema.String),
  subject: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "EvalSample" })
export type EvalSample = typeof EvalSample.Type
