import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import { UsageError } from "./Errors.ts"
import type { KnowledgePoint } from "./KnowledgeBank.ts"
import { idsOf, jsonParam } from "./pipeline/BatchSql.ts"

/**
 * Knowledge points proposed by stage 0 (expand) wait for review: they stay out of the pipeline until
 * accepted (they then get scenarios on the next run); a rejected one is removed.
 */
export type ProposedKnowledgePoint = Pick<
  KnowledgePoint,
  "id" | "discipline" | "subject" | "course" | "lecture" | "knowledge_point"
>

/** Those waiting for review, in the order they were proposed. */
export const proposedKnowledgePoints = Effect.flatMap(CorpusStore, (store) =>
  store.query<ProposedKnowledgePoint>(
    "SELECT id, discipline, subject, course, lecture, knowledge_point FROM knowledge_points WHERE NOT reviewed ORDER BY seq"
  )
)

/** `ids`, when every one is waiting for review; else a usage error naming those that are not. */
const proposedAmong = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const found = new Set(
      (yield* store.query<{ id: string }>(`SELECT id FROM knowledge_points WHERE NOT reviewed AND id IN ${idsOf}`, {
        ids: jsonParam(ids)
      })).map((r) => r.id)
    )
    const unknown = ids.filter((id) => !found.has(id))
    if (unknown.length > 0)
      return yield* new UsageError({
        reason: `not an unreviewed knowledge point: ${unknown.join(", ")} (videokr kb review lists them)`
      })
    return ids
  })

/** Accepts the named ones (or all): returns how many. */
export const acceptProposed = (ids: ReadonlyArray<string> | "all") =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    if (ids !== "all" && ids.length === 0)
      return yield* new UsageError({ reason: "name the knowledge points to accept, or pass --all" })
    const chosen =
      ids === "all"
        ? (yield* store.query<{ id: string }>("SELECT id FROM knowledge_points WHERE NOT reviewed")).map((r) => r.id)
        : yield* proposedAmong(ids)
    yield* store.run(`UPDATE knowledge_points SET reviewed = true WHERE id IN ${idsOf}`, { ids: jsonParam(chosen) })
    return chosen.length
  })

/** Removes the named ones: returns how many. */
export const rejectProposed = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    if (ids.length === 0) return yield* new UsageError({ reason: "name the knowledge points to reject" })
    const chosen = yield* proposedAmong(ids)
    yield* store.run(`DELETE FROM knowledge_points WHERE id IN ${idsOf}`, { ids: jsonParam(chosen) })
    return chosen.length
  })
