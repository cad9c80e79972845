import { Effect, Schema } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { PipelineServices } from "../Filter.ts"
import type { SamplingSpec } from "../Media.ts"
import { ModelRegistry } from "../ModelRegistry.ts"
import { type ProblemType, type Skill, skills as allSkills } from "../Taxonomy.ts"
import { askStructured, errorVerdict } from "./Ask.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import type { Candidate } from "../Candidate.ts"
import { type CandidateFilter, readCandidates } from "./Candidates.ts"
import { keyedPageOf, type StageItem } from "./Paging.ts"
import { videoInput } from "./Frames.ts"
import { knowledgePointValues, renderVisual, visualPrompt } from "./Prompt.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 7, generation: for each kept (video, knowledge point), `perSkill` examples per skill, each by a
 * model drawn from the pool for that slot, prompted with the knowledge point, the video's frames and
 * expert seed examples of the same skill and discipline. An answer that is not a usable example (wrong
 * skill, no answer, an answer letter with no option, too few options) is dropped with the reason.
 * Item ids: "<video id>@<knowledge point id>#<skill>-<slot>".
 */
export const generationPrompt = visualPrompt("generation", "v1")

export const skillDescriptions: Record<Skill, string> = {
  VIDR: "basic video reasoning: only what is observable in the video, no outside knowledge",
  KNOWVID: "knowledge-enhanced perception: naming what is seen with the domain's concepts",
  KNOWVIDR: "knowledge-intensive reasoning: several steps combining what is seen with domain knowledge"
}

export interface GenerationOptions {
  /** a model id or "pool:<name>" */
  readonly model: string
  readonly perSkill: number
  readonly skills: ReadonlyArray<Skill>
  /** problem type of slot n: problemTypes[(n - 1) % length] */
  readonly problemTypes: ReadonlyArray<ProblemType>
  readonly frames: SamplingSpec
  /** seed examples shown per prompt */
  readonly shots: number
}

export const generationDefaults = {
  perSkill: 2,
  skills: allSkills,
  problemTypes: ["multiple choice", "open-ended"],
  shots: 3
} as const

interface Seed {
  readonly id: string
  readonly skill: string
  readonly discipline: string
  readonly question: string
  readonly options: string | null
  readonly problem_type: string
  readonly answer: string
  readonly rationale: string
}

export interface GenerationInput {
  readonly candidate: Candidate
  readonly skill: Skill
  readonly slot: number
  readonly problemType: ProblemType
  readonly seeds: ReadonlyArray<Seed>
}

const Answer = Schema.Struct({
  skill: Schema.String,
  problem_type: Schema.String,
  question: Schema.String,
  options: Schema.optionalKey(Schema.Array(Schema.String)),
  answer: Schema.String,
  rationale: Schema.String
})
type Answer = typeof Answer.Type

export const letters = "ABCDEFGHIJ"

/** Why a generated answer is not a usable example, or undefined when it is. */
export const exampleProblem = (
  a: Answer,
  want: { readonly skill: string; readonly problemType: ProblemType }
): string | undefined => {
  if (a.skill !== want.skill) return `wrong skill: asked for ${want.skill}, got ${a.skill || "none"}`
  if (a.problem_type !== want.problemType)
    return `wrong problem type: asked for ${want.problemType}, got ${a.problem_type || "none"}`
  if (a.question.trim() === "") return "no question"
  if (a.answer.trim() === "") return "missing answer"
  if (a.rationale.trim() === "") return "missing rationale"
  const options = (a.options ?? []).map((o) => o.trim())
  if (want.problemType === "multiple choice") {
    if (options.length < 4 || options.length > letters.length)
      return `multiple choice needs 4 to ${letters.length} options, got ${options.length}`
    if (options.some((o) => o === "") || new Set(options.map((o) => o.toLowerCase())).size !== options.length)
      return "empty or repeated options"
    const answer = a.answer.trim().replace(/^\(?([A-J])\)?[.:]?$/, "$1")
    if (!/^[A-J]$/.test(answer) || letters.indexOf(answer) >= options.length)
      return `answer "${a.answer}" is not the letter of an option`
  } else if (options.length > 0) {
    return "open-ended examples have no options"
  }
  return undefined
}

/** A seed's options (stored as released: a list of "A. text" lines or a letter map) as prompt lines. */
const optionLines = (json: string | null): string => {
  const parsed = json === null ? [] : (JSON.parse(json) as ReadonlyArray<string> | Readonly<Record<string, string>>)
  const lines = Array.isArray(parsed) ? parsed : Object.entries(parsed).map(([letter, text]) => `${letter}. ${text}`)
  return lines.length === 0 ? "" : `\nOptions:\n${lines.join("\n")}`
}

const seedBlock = (seeds: ReadonlyArray<Seed>) =>
  seeds.length === 0
    ? "(none for this skill and discipline)"
    : seeds
        .map((s, i) => {
          const options = optionLines(s.options)
          return `Example ${i + 1} (${s.problem_type}):\nQuestion: ${s.question}${options}\nAnswer: ${s.answer}\nRationale: ${s.rationale}`
        })
        .join("\n\n")

export interface GeneratedRow {
  readonly skill: Skill
  readonly problemType: ProblemType
  readonly question: string
  readonly options: Record<string, string> | undefined
  readonly answer: string
  readonly rationale: string
  readonly model: string
}

export const generationStage = (
  options: GenerationOptions,
  after: CandidateFilter
): Stage<GenerationInput, GeneratedRow, PipelineServices> => ({
  name: "generation",
  // a page of candidates, each with its items: skills times slots
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const candidates = yield* readCandidates(after, page)
      const seeds = yield* store.query<Seed>(
        "SELECT id, skill, discipline, question, options::VARCHAR AS options, problem_type, answer, rationale FROM seed_examples ORDER BY seq"
      )
      const itemsOf = (candidate: Candidate) => {
        const items: Array<StageItem<GenerationInput>> = []
        if (candidate.localPath === undefined) return items
        for (const skill of options.skills) {
          // a seeded choice of seeds per candidate and skill, so prompts vary across videos but never across runs
          const chosen = seeds
            .filter((s) => s.skill === skill && s.discipline === candidate.knowledgePoint.discipline)
            .map((s) => ({ s, k: hashOf(candidate.id, skill, s.id) }))
            .sort((a, b) => (a.k < b.k ? -1 : 1))
            .slice(0, options.shots)
            .map(({ s }) => s)
          for (let slot = 1; slot <= options.perSkill; slot++) {
            const problemType = options.problemTypes[(slot - 1) % options.problemTypes.length]!
            const input: GenerationInput = { candidate, skill, slot, problemType, seeds: chosen }
            items.push({
              id: `${candidate.id}#${skill}-${slot}`,
              input,
              inputHash: hashOf(
                generationPrompt.frames.text,
                generationPrompt.video.text,
                options.model,
                options.frames,
                input
              )
            })
          }
        }
        return items
      }
      return yield* keyedPageOf("generation", candidates, itemsOf)
    }),
  process: (item) =>
    Effect.gen(function* () {
      const { candidate, skill, slot, problemType, seeds } = item.input
      const registry = yield* ModelRegistry
      const modelId = yield* registry.pick(options.model, {
        step: "generation",
        item: `${candidate.id}#${skill}`,
        draw: slot - 1
      })
      return yield* Effect.gen(function* () {
        const input = yield* videoInput(modelId, candidate.localPath!, options.frames)
        const prompt = renderVisual(generationPrompt, input, {
          ...knowledgePointValues(candidate.knowledgePoint),
          title: candidate.video.title,
          skill,
          skill_description: skillDescriptions[skill],
          problem_type: problemType,
          examples: seedBlock(seeds)
        })
        const answer = yield* askStructured(modelId, "generation", prompt, input.parts, Answer, {
          temperature: 0.7,
          maxTokens: 1200
        })
        const problem = exampleProblem(answer, { skill, problemType })
        if (problem !== undefined)
          return {
            verdict: { decision: "drop" as const, reason: `unusable example: ${problem}`, modelId, evidence: answer }
          }
        const opts = (answer.options ?? []).map((o) => o.trim())
        const row: GeneratedRow = {
          skill,
          problemType,
          question: answer.question.trim(),
          options:
            problemType === "multiple choice" ? Object.fromEntries(opts.map((o, i) => [letters[i]!, o])) : undefined,
          answer:
            problemType === "multiple choice"
              ? answer.answer.trim().replace(/^\(?([A-J])\)?[.:]?$/, "$1")
              : answer.answer.trim(),
          rationale: answer.rationale.trim(),
          model: modelId
        }
        return {
          verdict: {
            decision: "keep" as const,
            reason: `${skill} ${problemType} example`,
            modelId,
            evidence: { question: row.question }
          },
          output: row
        }
      }).pipe(Effect.catch((e) => Effect.succeed({ verdict: errorVerdict(modelId)(e), output: undefined })))
    }).pipe(Effect.catch((e) => Effect.succeed({ verdict: errorVerdict(options.model)(e), output: undefined }))),
  commit: (tx, results) =>
    Effect.gen(function* () {
      yield* tx.run(`DELETE FROM generated_examples WHERE id IN ${idsOf}`, {
        ids: jsonParam(results.map((r) => r.item.id))
      })
      const rows = results.flatMap(({ item, output }) => {
        if (output === undefined) return []
        const { candidate } = item.input
        return [
          {
            id: item.id,
            video: candidate.video.id,
            kp: candidate.knowledgePoint.id,
            skill: output.skill,
            discipline: candidate.knowledgePoint.discipline,
            subject: candidate.knowledgePoint.subject,
            type: output.problemType,
            question: output.question,
            options: output.options ?? null,
            answer: output.answer,
            rationale: output.rationale,
            path: candidate.localPath!,
            model: output.model,
            hash: item.inputHash
          }
        ]
      })
      if (rows.length === 0) return
      yield* tx.run(
        `INSERT INTO generated_examples SELECT id, video, kp, skill, discipline, subject, type, question, options, answer, rationale, path, model, $prompt, hash
         FROM ${rowsOf({ id: "VARCHAR", video: "VARCHAR", kp: "VARCHAR", skill: "VARCHAR", discipline: "VARCHAR", subject: "VARCHAR", type: "VARCHAR", question: "VARCHAR", options: "JSON", answer: "VARCHAR", rationale: "VARCHAR", path: "VARCHAR", model: "VARCHAR", hash: "VARCHAR" })}`,
        { rows: jsonParam(rows), prompt: generationPrompt.frames.name }
      )
    })
})
