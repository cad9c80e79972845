import { Effect, Schema } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { KnowledgePoint } from "../KnowledgeBank.ts"
import { ModelRegistry } from "../ModelRegistry.ts"
import { structured } from "../Structured.ts"
import { errorVerdict } from "./Ask.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { promptTemplate, render } from "./Prompt.ts"
import { keyAfter, pageOf } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 1, scenarios: for each knowledge point, 1 to 3 realistic, filmable scenarios (search queries),
 * written by a model from the versioned prompt template prompts/scenarios.v1.md, de-duplicated.
 */
export const scenariosPrompt = promptTemplate("scenarios.v1")

const Answer = Schema.Struct({ scenarios: Schema.Array(Schema.String) })

/** Case- and space-insensitive de-duplication, keeping order; empty and over-long entries dropped. */
export const cleanScenarios = (raw: ReadonlyArray<string>): Array<string> => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const s of raw) {
    const text = s.trim().replace(/\s+/g, " ")
    const key = text.toLowerCase()
    if (text === "" || text.split(" ").length > 20 || seen.has(key)) continue
    seen.add(key)
    out.push(text)
  }
  return out.slice(0, 3)
}

export const scenariosStage = (modelId: string): Stage<KnowledgePoint, ReadonlyArray<string>, ModelRegistry> => ({
  name: "scenarios",
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const after = keyAfter(["seq"], page)
      const kps = yield* store.query<KnowledgePoint & { description: string | null; seq: number }>(
        `SELECT seq, id, discipline, subject, course, lecture, knowledge_point, description FROM knowledge_points WHERE reviewed AND ${after.sql} ORDER BY seq LIMIT ${page.size}`,
        after.params
      )
      return yield* pageOf(
        "scenarios",
        page,
        kps,
        (kp) => [kp.seq],
        ({ seq: _, ...kp }) => {
          const input = { ...kp, ...(kp.description === null ? { description: undefined } : {}) } as KnowledgePoint
          return [{ id: kp.id, input, inputHash: hashOf(scenariosPrompt.text, modelId, input) }]
        }
      )
    }),
  process: (item) =>
    Effect.gen(function* () {
      const registry = yield* ModelRegistry
      const model = yield* registry.resolve(modelId, { stage: "scenarios" })
      const kp = item.input
      const prompt = render(scenariosPrompt.text, { ...kp, description: kp.description ?? "" })
      const answer = yield* structured(
        { id: model.id, chat: (r) => model.chat(r) },
        { model: modelId, messages: [{ role: "user", content: prompt }], params: { temperature: 0.7, maxTokens: 300 } },
        Answer,
        "scenarios"
      )
      const scenarios = cleanScenarios(answer.scenarios)
      if (scenarios.length === 0)
        return {
          verdict: { decision: "drop" as const, reason: "the model gave no usable scenario", modelId, evidence: answer }
        }
      return {
        verdict: {
          decision: "keep" as const,
          reason: `${scenarios.length} scenario(s)`,
          modelId,
          evidence: { scenarios }
        },
        output: scenarios
      }
    }).pipe(
      Effect.catch((e: { _tag: string; message: string }) =>
        Effect.succeed({ verdict: errorVerdict(modelId)(e), output: undefined })
      )
    ),
  commit: (tx, results) =>
    Effect.gen(function* () {
      yield* tx.run(`DELETE FROM scenarios WHERE knowledge_point_id IN ${idsOf}`, {
        ids: jsonParam(results.map((r) => r.item.id))
      })
      const rows = results.flatMap(({ item, output }) =>
        (output ?? []).map((text, i) => ({
          id: `${item.id}#s${i + 1}`,
          kp: item.id,
          position: i + 1,
          text,
          hash: item.inputHash
        }))
      )
      if (rows.length === 0) return
      yield* tx.run(
        `INSERT INTO scenarios (id, knowledge_point_id, position, text, model_id, prompt, input_hash)
         SELECT id, kp, position, text, $model, $prompt, hash FROM ${rowsOf({ id: "VARCHAR", kp: "VARCHAR", position: "INTEGER", text: "VARCHAR", hash: "VARCHAR" })}`,
        { rows: jsonParam(rows), model: modelId, prompt: scenariosPrompt.name }
      )
    })
})
