import { Schema } from "effect"
import { pyStrip } from "./PyCompat.ts"

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

/**
 * The problem type a spelling means, for the spellings that the release's conversion scripts accept
 * (FORMATS.md): prepare_videokr_sft_data.py takes "multiple choice", "multiple-choice" and "mcq";
 * prepare_videokr_rl_data.py any value holding "multiple" and "choice", and "open-ended", "open_ended",
 * "free-form", "free form", "numerical"; both after stripping spaces and lowercasing. Undefined for the rest.
 */
/** What prepare_videokr_rl_data.py reads as open-ended (lowercased, stripped). */
export const openEndedSpellings: ReadonlyArray<string> = [
  "open-ended",
  "open_ended",
  "free-form",
  "free form",
  "numerical"
]

export const problemTypeOfSpelling = (value: string): ProblemType | undefined => {
  const p = pyStrip(value).toLowerCase()
  if (p === "mcq" || (p.includes("multiple") && p.includes("choice"))) return "multiple choice"
  if (openEndedSpellings.includes(p)) return "open-ended"
  return undefined
}

/** Options as released: a list of lines ("A. text") or an object keyed by letter ({ "A": "text" }). */
export const Options = Schema.Union([Schema.Array(Schema.String), Schema.Record(Schema.String, Schema.String)])
export type Options = typeof Options.Type
