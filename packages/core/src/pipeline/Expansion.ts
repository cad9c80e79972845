import { Effect, Schema } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { ModelRegistry } from "../ModelRegistry.ts"
import type { Discipline } from "../Taxonomy.ts"
import { askStructured, errorVerdict } from "./Ask.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { promptTemplate, render } from "./Prompt.ts"
import { onePage } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 0, knowledge bank expansion (optional): for each configured subject, a model proposes courses,
 * lectures and knowledge points that a video can show. Proposals new to the bank (case- and
 * space-insensitive) are added unreviewed: no stage uses them until someone accepts them
 * (`videokr kb accept`). Items are subjects ("<discipline>/<subject>").
 */
export const expansionPrompt = promptTemplate("expand.v1")

export interface SubjectToExpand {
  readonly discipline: Discipline
  readonly subject: string
  readonly courses?: ReadonlyArray<string> | undefined
}

const Answer = Schema.Struct({
  knowledge_points: Schema.Array(
    Schema.Struct({
      course: Schema.String,
      lecture: Schema.String,
      knowledge_point: Schema.String,
      description: Schema.optionalKey(Schema.String)
    })
  )
})

interface Proposal {
  readonly id: string
  readonly course: string
  readonly lecture: string
  readonly knowledge_point: string
  readonly description: string | null
}

const key = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase()

export const expansionStage = (
  subjects: ReadonlyArray<SubjectToExpand>,
  model: string,
  count: number
): Stage<SubjectToExpand & { readonly existing: ReadonlyArray<string> }, ReadonlyArray<Proposal>, ModelRegistry> => ({
  name: "expand",
  pending: onePage(
    "expand",
    Effect.gen(function* () {
      const store = yield* CorpusStore
      // what the bank holds apart from this stage's own proposals (those are redone with the item)
      const bank = yield* store.query<{ subject: string; knowledge_point: string }>(
        "SELECT subject, knowledge_point FROM knowledge_points WHERE source_file IS DISTINCT FROM 'expand' ORDER BY seq"
      )
      return subjects.map((s) => {
        const input = { ...s, existing: bank.filter((k) => k.subject === s.subject).map((k) => k.knowledge_point) }
        return {
          id: `${s.discipline}/${s.subject}`,
          input,
          inputHash: hashOf(expansionPrompt.text, model, count, input)
        }
      })
    })
  ),
  process: (item) =>
    Effect.gen(function* () {
      const s = item.input
      const prompt = render(expansionPrompt.text, {
        discipline: s.discipline,
        subject: s.subject,
        courses: s.courses === undefined || s.courses.length === 0 ? "" : `Courses: ${s.courses.join("; ")}`,
        count: String(count),
        existing: s.existing.length === 0 ? "(none yet)" : s.existing.join("; ")
      })
      const answer = yield* askStructured(model, "expand", prompt, [], Answer, { temperature: 0.7, maxTokens: 2000 })
      const seen = new Set(s.existing.map(key))
      const proposals: Array<Proposal> = []
      for (const p of answer.knowledge_points) {
        const k = key(p.knowledge_point)
        if (k === "" || p.course.trim() === "" || p.lecture.trim() === "" || seen.has(k)) continue
        seen.add(k)
        proposals.push({
          id: `kp-x-${hashOf(s.discipline, s.subject, k).slice(0, 12)}`,
          course: p.course.trim(),
          lecture: p.lecture.trim(),
          knowledge_point: p.knowledge_point.trim().replace(/\s+/g, " "),
          description: p.description?.trim() || null
        })
        if (proposals.length >= count) break
      }
      const repeated = answer.knowledge_points.length - proposals.length
      if (proposals.length === 0)
        return {
          verdict: {
            decision: "drop" as const,
            reason: `no new knowledge point (${answer.knowledge_points.length} proposed, all empty or already in the bank)`,
            modelId: model
          }
        }
      return {
        verdict: {
          decision: "keep" as const,
          reason: `${proposals.length} new knowledge point(s), unreviewed${repeated > 0 ? `; ${repeated} repeated or incomplete left out` : ""}`,
          modelId: model,
          evidence: { added: proposals.map((p) => p.knowledge_point) }
        },
        output: proposals
      }
    }).pipe(Effect.catch((e) => Effect.succeed({ verdict: errorVerdict(model)(e), output: undefined }))),
  commit: (tx, results) =>
    Effect.gen(function* () {
      // this stage's earlier proposals for these subjects that nobody accepted are replaced
      const subjectsDone = results.map((r) => r.item.input.subject)
      yield* tx.run(
        `DELETE FROM knowledge_points WHERE source_file = 'expand' AND NOT reviewed AND subject IN ${idsOf}`,
        {
          ids: jsonParam(subjectsDone)
        }
      )
      const rows = results.flatMap(({ item, output }) =>
        (output ?? []).map((p) => ({ ...p, discipline: item.input.discipline, subject: item.input.subject }))
      )
      if (rows.length === 0) return
      yield* tx.run(
        `INSERT INTO knowledge_points (seq, id, discipline, subject, course, lecture, knowledge_point, description, reviewed, extra, source_file, source_line)
         SELECT (SELECT coalesce(max(seq), 0) FROM knowledge_points) + row_number() OVER (), id, discipline, subject, course, lecture, knowledge_point, description, false, NULL, 'expand', NULL
         FROM ${rowsOf({ id: "VARCHAR", discipline: "VARCHAR", subject: "VARCHAR", course: "VARCHAR", lecture: "VARCHAR", knowledge_point: "VARCHAR", description: "VARCHAR" })}
         WHERE id NOT IN (SELECT id FROM knowledge_points)`,
        { rows: jsonParam(rows) }
      )
    })
})
