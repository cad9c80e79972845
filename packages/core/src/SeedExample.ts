import { Schema } from "effect"
import { Discipline, Options, ProblemType, Skill } from "./Taxonomy.ts"

/** An expert-written example used as few-shot guidance for generation of the same skill and discipline. */
export const SeedExample = Schema.Struct({
  id: Schema.NonEmptyString,
  skill: Skill,
  discipline: Discipline,
  subject: Schema.optionalKey(Schema.String),
  knowledge_point_id: Schema.optionalKey(Schema.String),
  video_description: Schema.optionalKey(Schema.String),
  question: Schema.NonEmptyString,
  options: Schema.optionalKey(Options),
  problem_type: ProblemType,
  answer: Schema.NonEmptyString,
  rationale: Schema.NonEmptyString
}).annotate({ identifier: "SeedExample" })
export type SeedExample = typeof SeedExample.Type
