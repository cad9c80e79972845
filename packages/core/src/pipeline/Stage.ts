import { createHash } from "node:crypto"
import { Effect, Semaphore } from "effect"
import { CorpusStore, type Queries } from "../CorpusStore.ts"
import type { FileError, StoreError } from "../Errors.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"

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
  readonly pending: Effect.Effect<ReadonlyArray<StageItem<I>>, StoreError | FileError, CorpusStore | R>
  readonly process: (item: StageItem<I>) => Effect.Effect<{ readonly verdict: Verdict; readonly output?: O | undefined }, never, R>
  /** writes a batch of items' outputs (replacing earlier results of the same items), in a few statements (BatchSql) */
  readonly commit: (tx: Queries, results: ReadonlyArray<{ readonly item: StageItem<I>; readonly output: O | undefined }>) => Effect.Effect<void, StoreError>
  /** decides over the whole set (near-duplicates, the release): starts once every earlier stage is done */
  readonly barrier?: boolean | undefined
  /** runs after the stage's last item (the release: split and export); says what it did */
  readonly finish?: Effect.Effect<string, unknown, CorpusStore | R> | undefined
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

/** Where a stage is in a run: items seen pending, results so far, and whether it has finished. */
export interface StageProgress extends StageRun {
  readonly pending: number
  readonly done: boolean
  readonly note?: string | undefined
}

/** Writes one batch of results, each with its verdict and its done mark, in one transaction of a few statements. */
const commitBatch = <I, O, R>(stage: Stage<I, O, R>, results: ReadonlyArray<{ readonly item: StageItem<I>; readonly verdict: Verdict; readonly output?: O | undefined }>) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.transaction((tx) =>
      Effect.gen(function* () {
        yield* stage.commit(tx, results.map(({ item, output }) => ({ item, output })))
        const ids = jsonParam(results.map((r) => r.item.id))
        const rows = jsonParam(results.map(({ item, verdict }) => ({
          id: item.id, model: verdict.modelId ?? null, decision: verdict.decision, reason: verdict.reason, evidence: verdict.evidence ?? null, hash: item.inputHash
        })))
        const columns = { id: "VARCHAR", model: "VARCHAR", decision: "VARCHAR", reason: "VARCHAR", evidence: "JSON", hash: "VARCHAR" } as const
        yield* tx.run(`DELETE FROM verdicts WHERE stage = $stage AND item_id IN ${idsOf}`, { stage: stage.name, ids })
        yield* tx.run(`INSERT INTO verdicts (item_id, stage, model_id, decision, reason, evidence, input_hash) SELECT id, $stage, model, decision, reason, evidence, hash FROM ${rowsOf(columns)}`, { stage: stage.name, rows })
        yield* tx.run(`DELETE FROM stage_items WHERE stage = $stage AND item_id IN ${idsOf}`, { stage: stage.name, ids })
        yield* tx.run(`INSERT INTO stage_items (stage, item_id, input_hash, status) SELECT $stage, id, hash, decision FROM ${rowsOf(columns)}`, { stage: stage.name, rows })
      })
    ))

export interface StagePlan<R> {
  // any stage: the engine does not look into items or outputs
  readonly stage: Stage<any, any, R>
  readonly concurrency: number
  /** at most this many items in this run */
  readonly limit?: number | undefined
}

export interface RunOptions<R = never> {
  readonly batchSize?: number | undefined
  /** how often a stage waiting for upstream work looks again */
  readonly pollMillis?: number | undefined
  readonly onProgress?: ((progress: ReadonlyArray<StageProgress>) => void) | undefined
  /**
   * called with a round of items before they are processed, for stages in batch mode (the CLI sends
   * their requests to the provider's batch API first, so that processing finds the answers cached)
   */
  readonly prepare?: ((stage: Stage<any, any, R>, items: ReadonlyArray<StageItem<any>>) => Effect.Effect<void, unknown, R>) | undefined
  /** each committed batch: its stage, items, and milliseconds spent processing and writing it (the benchmark's figures) */
  readonly onBatch?: ((stage: string, items: number, processMillis: number, commitMillis: number) => void) | undefined
}

/**
 * Runs stages in pipeline order, overlapping: every stage works on what the stages before it have
 * committed so far (a video can be generating while others download), and finishes once they have
 * finished and nothing is pending. Commits are serialised (one writer); model calls are concurrent up to
 * each stage's concurrency.
 */
export const runStages = <R>(plans: ReadonlyArray<StagePlan<R>>, options: RunOptions<R> = {}) =>
  Effect.gen(function* () {
    const writer = yield* Semaphore.make(1)
    const size = options.batchSize ?? 32
    const progress = plans.map((p): StageProgress => ({ stage: p.stage.name, pending: 0, processed: 0, kept: 0, dropped: 0, errors: 0, done: false }))
    const report = () => options.onProgress?.(progress)
    const update = (i: number, change: Partial<StageProgress>) => {
      progress[i] = { ...progress[i]!, ...change }
      report()
    }
    const runOne = (plan: StagePlan<R>, i: number) =>
      Effect.gen(function* () {
        const { stage } = plan
        let left = plan.limit ?? Number.POSITIVE_INFINITY
        let lastLook = { at: 0, millis: 0 }
        while (true) {
          // read before looking for work: if upstream was done then, what it committed is visible now
          const upstreamDone = progress.slice(0, i).every((p) => p.done)
          if (stage.barrier && !upstreamDone) {
            yield* Effect.sleep(options.pollMillis ?? 200)
            continue
          }
          // looking for work reads the stage's whole input: as it grows, look less often, so that looking
          // takes at most a tenth of the stage's time however small the rounds upstream hands over
          const wait = lastLook.at + 10 * lastLook.millis - performance.now()
          if (wait > 0) yield* Effect.sleep(wait)
          const looked = performance.now()
          const pending = left <= 0 ? [] : yield* stage.pending
          lastLook = { at: looked, millis: performance.now() - looked }
          const items = pending.slice(0, Math.min(left, pending.length))
          update(i, { pending: items.length })
          if (items.length === 0) {
            if (upstreamDone || left <= 0) break
            yield* Effect.sleep(options.pollMillis ?? 200)
            continue
          }
          if (options.prepare !== undefined) yield* options.prepare(stage, items)
          for (let at = 0; at < items.length; at += size) {
            const batch = items.slice(at, at + size)
            const started = performance.now()
            const results = yield* Effect.forEach(batch, (item) => Effect.map(stage.process(item), (r) => ({ item, ...r })), { concurrency: plan.concurrency })
            const processed = performance.now()
            yield* Semaphore.withPermit(writer, Effect.suspend(() => {
              const writing = performance.now()
              return Effect.tap(commitBatch(stage, results), () => Effect.sync(() => options.onBatch?.(stage.name, results.length, processed - started, performance.now() - writing)))
            }))
            const p = progress[i]!
            update(i, {
              pending: Math.max(0, p.pending - batch.length),
              processed: p.processed + results.length,
              kept: p.kept + results.filter((r) => r.verdict.decision === "keep").length,
              dropped: p.dropped + results.filter((r) => r.verdict.decision === "drop").length,
              errors: p.errors + results.filter((r) => r.verdict.decision === "error").length
            })
          }
          left -= items.length
        }
        const note = stage.finish === undefined ? undefined : yield* Semaphore.withPermit(writer, stage.finish)
        update(i, { done: true, note })
      })
    yield* Effect.forEach(plans, runOne, { concurrency: "unbounded", discard: true })
    return progress as ReadonlyArray<StageProgress>
  })

/** One stage on its own (tests, plugins): every pending item, then its finish. */
export const runStage = <I, O, R>(stage: Stage<I, O, R>, options: { readonly concurrency: number; readonly limit?: number | undefined; readonly batchSize?: number | undefined }) =>
  Effect.map(runStages([{ stage, concurrency: options.concurrency, limit: options.limit }], { batchSize: options.batchSize }), (runs): StageRun => {
    const { stage: name, processed, kept, dropped, errors } = runs[0]!
    return { stage: name, processed, kept, dropped, errors }
  })
