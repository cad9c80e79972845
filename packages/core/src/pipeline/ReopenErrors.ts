import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import { idsOf, jsonParam } from "./BatchSql.ts"

/**
 * `videokr run --retry-errors[=stage,...]`: items that hold a final error verdict in these stages are
 * opened again (after a prompt or a provider was fixed). Their error verdicts move into the attempts
 * history (kind "retry-errors"), so `videokr why` still shows them, and their done marks go, so the
 * stages see them pending; the returned keys ("<stage>\u0000<item>") make their calls skip the response
 * cache, whose answers made them errors. One transaction: a run killed here loses nothing.
 */
export const reopenErrors = (stages: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    return yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const ids = jsonParam(stages)
        const inStages = idsOf
        const reopened = yield* tx.query<{ stage: string; item_id: string }>(
          `SELECT stage, item_id FROM stage_items WHERE status = 'error' AND stage IN ${inStages} ORDER BY stage, item_id`,
          { ids }
        )
        if (reopened.length === 0) return new Set<string>()
        yield* tx.run(
          `INSERT INTO attempts (stage, item_id, input_hash, model_id, kind, reason)
           SELECT v.stage, v.item_id, v.input_hash, v.model_id, 'retry-errors', 'final error asked again (--retry-errors): ' || v.reason
           FROM verdicts v JOIN stage_items s ON s.stage = v.stage AND s.item_id = v.item_id
           WHERE s.status = 'error' AND v.decision = 'error' AND v.stage IN ${inStages}`,
          { ids }
        )
        yield* tx.run(
          `DELETE FROM verdicts WHERE decision = 'error' AND stage IN ${inStages} AND (stage, item_id) IN (SELECT stage, item_id FROM stage_items WHERE status = 'error')`,
          { ids }
        )
        yield* tx.run(`DELETE FROM stage_items WHERE status = 'error' AND stage IN ${inStages}`, { ids })
        return new Set(reopened.map((r) => `${r.stage}\u0000${r.item_id}`))
      })
    )
  })
