import { Console, Effect } from "effect"
import { CorpusStore, idsOf, jsonParam, UsageError } from "@videokr/core"
import { table } from "./Output.ts"

/**
 * Review of knowledge points proposed by stage 0 (expand): they stay out of the pipeline until accepted.
 * `review` lists them; `accept` marks them reviewed (they then get scenarios on the next run); `reject`
 * removes them.
 */
export const reviewKnowledgePoints = Effect.gen(function* () {
  const store = yield* CorpusStore.CorpusStore
  const rows = yield* store.query<{ id: string; discipline: string; subject: string; course: string; lecture: string; knowledge_point: string }>(
    "SELECT id, discipline, subject, course, lecture, knowledge_point FROM knowledge_points WHERE NOT reviewed ORDER BY seq")
  if (rows.length === 0) return yield* Console.log("No knowledge point waits for review.")
  yield* Console.log(table(["id", "subject", "course", "lecture", "knowledge point"], rows.map((r) => [r.id, r.subject, r.course, r.lecture, r.knowledge_point])))
  yield* Console.log(`\n${rows.length} to review: videokr kb accept <id>... (or --all), videokr kb reject <id>...`)
})

const unreviewedAmong = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const found = new Set((yield* store.query<{ id: string }>(`SELECT id FROM knowledge_points WHERE NOT reviewed AND id IN ${idsOf}`, { ids: jsonParam(ids) })).map((r) => r.id))
    const unknown = ids.filter((id) => !found.has(id))
    if (unknown.length > 0) return yield* new UsageError({ reason: `not an unreviewed knowledge point: ${unknown.join(", ")} (videokr kb review lists them)` })
    return ids
  })

export const acceptKnowledgePoints = (ids: ReadonlyArray<string>, all: boolean) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    if (!all && ids.length === 0) return yield* new UsageError({ reason: "name the knowledge points to accept, or pass --all" })
    const chosen = all ? (yield* store.query<{ id: string }>("SELECT id FROM knowledge_points WHERE NOT reviewed")).map((r) => r.id) : yield* unreviewedAmong(ids)
    yield* store.run(`UPDATE knowledge_points SET reviewed = true WHERE id IN ${idsOf}`, { ids: jsonParam(chosen) })
    yield* Console.log(`${chosen.length} knowledge point(s) accepted; the next videokr run writes their scenarios`)
  })

export const rejectKnowledgePoints = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    if (ids.length === 0) return yield* new UsageError({ reason: "name the knowledge points to reject" })
    const chosen = yield* unreviewedAmong(ids)
    yield* store.run(`DELETE FROM knowledge_points WHERE id IN ${idsOf}`, { ids: jsonParam(chosen) })
    yield* Console.log(`${chosen.length} knowledge point(s) rejected and removed`)
  })
