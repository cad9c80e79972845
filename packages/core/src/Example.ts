import { Schema } from "effect"
import { Discipline, Options, ProblemType, Skill } from "./Taxonomy.ts"

/**
 * A training example in the VideoKR JSONL format (FORMATS.md) plus our provenance fields.
 * Field aliases of the release (`id`, `path`, `file_name`) are resolved before decoding; see `RecordKind`.
 */
export const Example = Schema.Struct({
  problem_id: Schema.NonEmptyString,
  question: Schema.String,
  options: Schema.optionalKey(Options),
  problem_type: ProblemType,
  solution: Schema.String,
  think: Schema.optionalKey(Schema.String),
  video_path: Schema.String,
  skill: Schema.optionalKey(Skill),
  discipline: Schema.optionalKey(Discipline),
  subject: Schema.optionalKey(Schema.String),
  knowledge_point_id: Schema.optionalKey(Schema.String),
  video_id: Schema.optionalKey(Schema.String),
  generator_model: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Example" })
export type Example = typeof Example.Type

/** Which split an example belongs to: supervised fine-tuning (with rationale) or reinforcement learning. */
export const Split = Schema.Literals(["sft", "rl"])
export type Split = typeof Split.Type
