import { createHash } from "node:crypto"
import { Effect } from "effect"
import { CorpusStore, type Queries } from "../CorpusStore.ts"
import type { StoreError } from "../Errors.ts"

/**
 * A pipeline stage: what it has to do (items whose input, including prompt version and model, has no
 * result yet), how it does one item (never failing: a model error or an invalid answer is a verdict),
 * and what it writes for it. The engine commits each batch of results in one transaction, with a verdict
 * per item, so a run killed at any moment resumes where it stopped; model calls are cached, so redoing
 * an uncommitted item pays nothing.
 */
export interface StageItem<I> {
  readonly id: string
  readonly input: I
  /** hash of everything the result depends on: the input, the prompt template, the model */
  readonly inputHash: string
}

export interface Verdict {
  readonly decision: "keep" | "drop" | "error"
  readonly reason: string
  readonly modelId?: string | undefined
  readonly evidence?: unknown
}

export interface Stage<I, O, R> {
  readonly name: string
  readonly pending: Effect.Effect<ReadonlyArray<StageItem<I>>, StoreError, CorpusStore | R>
  readonly process: (item: StageItem<I>) => Effect.Effect<{ readonly verdict: Verdict; readonly output?: O | undefined }, never, R>
  /** writes an item's output (replacing an earlier result of the same item) */
  readonly commit: (tx: Queries, item: StageItem<I>, output: O | undefined) => Effect.Effect<void, StoreError>
}

export const hashOf = (...parts: ReadonlyArray<unknown>): string => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32)

/** Items of `stage` already done with this exact input. */
export const doneKeys = (stage: string) =>
  Effect.flatMap(CorpusStore, (store) =>
    Effect.map(store.query<{ k: string }>("SELECT item_id || ':' || input_hash AS k FROM stage_items WHERE stage = $stage", { stage }), (rows) => new Set(rows.map((r) => r.k))))

export interface StageRun {
  readonly stage: string
  readonly processed: number
  readonly kept: number
  readonly dropped: number
  readonly errors: number
}

export const runStage = <I, O, R>(stage: Stage<I, O, R>, options: { readonly concurrency: number; readonly limit?: number | undefined; readonly batchSize?: number | undefined }) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const all = yield* stage.pending
    const items = options.limit === undefined ? all : all.slice(0, options.limit)
    const counts = { processed: 0, kept: 0, dropped: 0, errors: 0 }
    const size = options.batchSize ?? 32
    for (let at = 0; at < items.length; at += size) {
      const batch = items.slice(at, at + size)
      const results = yield* Effect.forEach(batch, (item) => Effect.map(stage.process(item), (r) => ({ item, ...r })), { concurrency: options.concurrency })
      yield* store.transaction((tx) =>
        Effect.forEach(results, ({ item, verdict, output }) =>
          Effect.gen(function* () {
            yield* stage.commit(tx, item, output)
            yield* tx.run("DELETE FROM verdicts WHERE stage = $stage AND item_id = $id", { stage: stage.name, id: item.id })
            yield* tx.run(
              "INSERT INTO verdicts (item_id, stage, model_id, decision, reason, evidence, input_hash) VALUES ($id, $stage, $model, $decision, $reason, $evidence, $hash)",
              { id: item.id, stage: stage.name, model: verdict.modelId ?? null, decision: verdict.decision, reason: verdict.reason, evidence: verdict.evidence === undefined ? null : JSON.stringify(verdict.evidence), hash: item.inputHash }
            )
            yield* tx.run("DELETE FROM stage_items WHERE stage = $stage AND item_id = $id", { stage: stage.name, id: item.id })
            yield* tx.run("INSERT INTO stage_items (stage, item_id, input_hash, status) VALUES ($stage, $id, $hash, $status)", { stage: stage.name, id: item.id, hash: item.inputHash, status: verdict.decision })
          }), { discard: true })
      )
      for (const r of results) {
        counts.processed++
        if (r.verdict.decision === "keep") counts.kept++
        else if (r.verdict.decision === "drop") counts.dropped++
        else counts.errors++
      }
    }
    return { stage: stage.name, ...counts } satisfies StageRun
  })
