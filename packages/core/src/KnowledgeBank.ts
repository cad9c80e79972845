import { Schema } from "effect"
import { Discipline } from "./Taxonomy.ts"

/** One knowledge point with its full path: Discipline > Subject > Course > Lecture > Knowledge Point. */
export const KnowledgePoint = Schema.Struct({
  id: Schema.NonEmptyString,
  discipline: Discipline,
  subject: Schema.NonEmptyString,
  course: Schema.NonEmptyString,
  lecture: Schema.NonEmptyString,
  knowledge_point: Schema.NonEmptyString,
  description: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "KnowledgePoint" })
export type KnowledgePoint = typeof KnowledgePoint.Type
