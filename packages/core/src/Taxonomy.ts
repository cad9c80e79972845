import { Schema } from "effect"

/** The four disciplines of the knowledge bank (METHOD.md). */
export const disciplines = ["Natural Sciences", "Engineering", "Healthcare", "Humanities & Social Sciences"] as const
export const Discipline = Schema.Literals(disciplines)
export type Discipline = typeof Discipline.Type

/** The skill an example targets: observation only, knowledge-enhanced perception, or knowledge-intensive reasoning. */
export const skills = ["VIDR", "KNOWVID", "KNOWVIDR"] as const
export const Skill = Schema.Literals(skills)
export type Skill = typeof Skill.Type

export const problemTypes = ["multiple choice", "open-ended"] as const
export const ProblemType = Schema.Literals(problemTypes)
export type ProblemType = typeof ProblemType.Type

/** Options as released: a list of lines ("A. text") or an object keyed by letter ({ "A": "text" }). */
export const Options = Schema.Union([Schema.Array(Schema.String), Schema.Record(Schema.String, Schema.String)])
export type Options = typeof Options.Type
