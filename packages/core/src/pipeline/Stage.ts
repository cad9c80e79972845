import { createHash } from "node:crypto"
import { Clock, Effect, Semaphore } from "effect"
import { CorpusStore, type Queries } from "../CorpusStore.ts"
import type { FileError, StoreError } from "../Errors.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { type ItemEvent, ItemCalls } from "./ItemCalls.ts"
import type { PageRequest, PendingPage, StageItem } from "./Paging.ts"
import type { Verdict } from "../Verdict.ts"

/**
 * A pipeline stage: what it has to do (items whose input, including prompt version and model, has no
 * result yet), how it does one item (never failing: a model error or an invalid answer is a verdict),
 * and what it writes for it. The engine commits each batch of results in one transaction, with a verdict
 * per item, so a run killed at any moment resumes where it stopped; model calls are cached, so redoing
 * an uncommitted item pays nothing.
 */
export interface Stage<I, O, R> {
  readonly name: string
  /** a page of its pending items: those among the page's input rows with no result for their exact input (Paging.ts) */
  readonly pending: (page: PageRequest) => Effect.Effect<PendingPage<I>, StoreError | FileError, CorpusStore | R>
  readonly process: (
    item: StageItem<I>
  ) => Effect.Effect<{ readonly verdict: Verdict; readonly output?: O | undefined }, never, R>
  /** writes a batch of items' outputs (replacing earlier results of the same items), in a few statements (BatchSql) */
  readonly commit: (
    tx: Queries,
    results: ReadonlyArray<{ readonly item: StageItem<I>; readonly output: O | undefined }>
  ) => Effect.Effect<void, StoreError>
  /** decides over the whole set (near-duplicates, the release): starts once every earlier stage is done */
  readonly barrier?: boolean | undefined
  /** runs after the stage's last item (the release: split and export); says what it did */
  readonly finish?: Effect.Effect<string, unknown, CorpusStore | R> | undefined
}

export const hashOf = (...parts: ReadonlyArray<unknown>): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32)

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
  /** items whose last attempt failed transiently, waiting to be asked again in this run */
  readonly retrying: number
  /** items that failed transiently in every attempt this run allows: pending for the next run */
  readonly leftPending: number
  /** models of the items left pending (for the per-model summary), with their counts */
  readonly pendingByModel: Readonly<Record<string, number>>
  readonly done: boolean
  readonly note?: string | undefined
}

/** What doing one item came to: its verdict, its output (for the stage's commit), and what its model calls went through. */
export interface ItemOutcome<O = unknown> {
  readonly verdict: Verdict
  readonly output?: O | undefined
  readonly events: ReadonlyArray<ItemEvent>
}

type Result<I, O> = ItemOutcome<O> & { readonly item: StageItem<I> }

/** Does one item of a stage here, with its own record of its model calls' events; `refresh` skips the response cache. */
export const processItem = <I, O, R>(
  stage: Stage<I, O, R>,
  item: StageItem<I>,
  refresh: boolean
): Effect.Effect<ItemOutcome<O>, never, R> =>
  Effect.suspend(() => {
    const events: Array<ItemEvent> = []
    return stage.process(item).pipe(
      Effect.provideService(ItemCalls, { events, refresh }),
      Effect.map((r): ItemOutcome<O> => ({ ...r, events }))
    )
  })

/** Who does an item: this process (processItem) unless a run hands items to workers (videokr run --queue). */
export type ItemExecutor<R> = (
  stage: Stage<any, any, R>,
  item: StageItem<any>,
  refresh: boolean
) => Effect.Effect<ItemOutcome, never, R>

const attemptColumns = { id: "VARCHAR", hash: "VARCHAR", model: "VARCHAR", kind: "VARCHAR", reason: "VARCHAR" } as const

/** The attempts rows of a batch: every transient failure and reroute, so that `videokr why` shows an item's history. */
const attemptRows = (
  results: ReadonlyArray<Result<unknown, unknown>>,
  transient: ReadonlySet<Result<unknown, unknown>>
) =>
  results.flatMap((r) => [
    ...r.events
      .filter((e) => e.kind === "rerouted" || !transient.has(r))
      .map((e) => ({ id: r.item.id, hash: r.item.inputHash, model: e.modelId, kind: e.kind, reason: e.detail })),
    ...(transient.has(r)
      ? [
          {
            id: r.item.id,
            hash: r.item.inputHash,
            model: r.verdict.modelId ?? null,
            kind: "transient",
            reason: r.verdict.reason
          }
        ]
      : [])
  ])

/**
 * Writes one batch of results in one transaction of a few statements: each final result with its verdict
 * and its done mark; each transient one as an attempt only (the item stays pending).
 */
const commitBatch = <I, O, R>(
  stage: Stage<I, O, R>,
  results: ReadonlyArray<Result<I, O>>,
  transient: ReadonlySet<Result<I, O>>
) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.transaction((tx) =>
      Effect.gen(function* () {
        const final = results.filter((r) => !transient.has(r))
        const attempts = attemptRows(
          results as ReadonlyArray<Result<unknown, unknown>>,
          transient as ReadonlySet<Result<unknown, unknown>>
        )
        if (attempts.length > 0) {
          yield* tx.run(
            `INSERT INTO attempts (stage, item_id, input_hash, model_id, kind, reason) SELECT $stage, id, hash, model, kind, reason FROM ${rowsOf(attemptColumns)}`,
            { stage: stage.name, rows: jsonParam(attempts) }
          )
        }
        if (final.length === 0) return
        yield* stage.commit(
          tx,
          final.map(({ item, output }) => ({ item, output }))
        )
        const ids = jsonParam(final.map((r) => r.item.id))
        const rows = jsonParam(
          final.map(({ item, verdict }) => ({
            id: item.id,
            model: verdict.modelId ?? null,
            decision: verdict.decision,
            reason: verdict.reason,
            evidence: verdict.evidence ?? null,
            hash: item.inputHash
          }))
        )
        const columns = {
          id: "VARCHAR",
          model: "VARCHAR",
          decision: "VARCHAR",
          reason: "VARCHAR",
          evidence: "JSON",
          hash: "VARCHAR"
        } as const
        yield* tx.run(`DELETE FROM verdicts WHERE stage = $stage AND item_id IN ${idsOf}`, { stage: stage.name, ids })
        yield* tx.run(
          `INSERT INTO verdicts (item_id, stage, model_id, decision, reason, evidence, input_hash) SELECT id, $stage, model, decision, reason, evidence, hash FROM ${rowsOf(columns)}`,
          { stage: stage.name, rows }
        )
        yield* tx.run(`DELETE FROM stage_items WHERE stage = $stage AND item_id IN ${idsOf}`, {
          stage: stage.name,
          ids
        })
        yield* tx.run(
          `INSERT INTO stage_items (stage, item_id, input_hash, status) SELECT $stage, id, hash, decision FROM ${rowsOf(columns)}`,
          { stage: stage.name, rows }
        )
      })
    )
  )

/** Items a stage's `prepare` holds back: item id -> the model and the reason (a failed or expired batch). */
export type HeldBack = ReadonlyMap<string, { readonly modelId: string; readonly reason: string }>

/** How often, and how long apart, an item that failed transiently is asked again within one run. */
export interface ItemRetryPolicy {
  /** attempts per item in one run, the first included; then it is left pending for the next run */
  readonly attempts: number
  readonly delayMillis: number
  readonly maxDelayMillis: number
}

export const itemRetryDefaults: ItemRetryPolicy = { attempts: 5, delayMillis: 5_000, maxDelayMillis: 120_000 }

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
   * their requests to the provider's batch API first, so that processing finds the answers cached). It
   * may hold items back (id -> why, e.g. their batch failed or expired): they are not processed in this
   * round but stay pending, as after a transient failure.
   */
  readonly prepare?:
    | ((
        stage: Stage<any, any, R>,
        items: ReadonlyArray<StageItem<any>>
        // biome-ignore lint/suspicious/noConfusingVoidType: a prepare step that holds nothing back returns Effect.void
      ) => Effect.Effect<void | HeldBack, unknown, R>)
    | undefined
  /** each committed batch: its stage, items, and milliseconds spent processing and writing it (the benchmark's figures) */
  readonly onBatch?: ((stage: string, items: number, processMillis: number, commitMillis: number) => void) | undefined
  /** items that failed transiently are asked again after a backoff, this many times in this run */
  readonly retry?: ItemRetryPolicy | undefined
  /** items ("<stage>\u0000<item id>") whose model calls skip the response cache (`--retry-errors`) */
  readonly refresh?: ReadonlySet<string> | undefined
  /** input rows a stage reads per page (default 2,000): what it holds in memory at once, with the items in flight */
  readonly pageSize?: number | undefined
  /** who does each item (default: this process) */
  readonly executor?: ItemExecutor<R> | undefined
  /** batches of a stage in flight at once (default 1): a coordinator keeps its workers busy while it commits */
  readonly batchesInFlight?: number | undefined
}

/**
 * Runs stages in pipeline order, overlapping: every stage works on what the stages before it have
 * committed so far (a video can be generating while others download), and finishes once they have
 * finished and nothing is pending. Commits are serialised (one writer); model calls are concurrent up to
 * each stage's concurrency. An item whose result is a transient error is not committed as done: it waits
 * (backoff per item) and is asked again, up to the retry policy's attempts in this run; after that it is
 * left pending for the next run (StageProgress.leftPending), never turned into a verdict.
 */
/** A stage's progress before it has done anything. */
export const stageStarting = (stage: string): StageProgress => ({
  stage,
  pending: 0,
  retrying: 0,
  leftPending: 0,
  pendingByModel: {},
  processed: 0,
  kept: 0,
  dropped: 0,
  errors: 0,
  done: false
})

export const runStages = <R>(plans: ReadonlyArray<StagePlan<R>>, options: RunOptions<R> = {}) =>
  Effect.gen(function* () {
    const writer = yield* Semaphore.make(1)
    const size = options.batchSize ?? 32
    const policy = options.retry ?? itemRetryDefaults
    const progress = plans.map((p) => stageStarting(p.stage.name))
    const report = () => options.onProgress?.(progress)
    const update = (i: number, change: Partial<StageProgress>) => {
      progress[i] = { ...progress[i]!, ...change }
      report()
    }
    const execute = options.executor ?? processItem
    const processOne = <I>(stage: Stage<I, unknown, R>, item: StageItem<I>) =>
      Effect.map(
        execute(stage, item, options.refresh?.has(`${stage.name}\u0000${item.id}`) ?? false),
        (r): Result<I, unknown> => ({ item, ...r })
      )
    const isTransientResult = (r: Result<unknown, unknown>) =>
      r.verdict.decision === "error" && (r.verdict.transient === true || r.events.some((e) => e.kind === "transient"))

    const runOne = (plan: StagePlan<R>, i: number) =>
      Effect.gen(function* () {
        const { stage } = plan
        const pageSize = options.pageSize ?? 2_000
        let left = plan.limit ?? Number.POSITIVE_INFINITY
        let lastPass = { at: 0, millis: 0, found: 0 }
        // items that failed transiently in this run: attempts so far, when they may be asked again, their model
        const deferred = new Map<string, { attempts: number; until: number; model: string }>()
        while (true) {
          // read before looking for work: if upstream was done then, what it committed is visible now
          const upstreamDone = progress.slice(0, i).every((p) => p.done)
          if (stage.barrier && !upstreamDone) {
            yield* Effect.sleep(options.pollMillis ?? 200)
            continue
          }
          // a pass reads the stage's whole input, a page at a time: while upstream is still at work, pass less
          // often as the input grows, so that reading takes at most a tenth of the stage's time however small
          // the rounds upstream hands over. Once upstream is done, every pass goes at once (the wait is slept
          // in short steps to see that): what it finds is the rest of the work, or nothing, and the stage is
          // done; waiting ten passes' reading (minutes, on a large corpus) would put off the end of the run
          // once per stage of the chain.
          const wait = upstreamDone ? 0 : lastPass.at + 10 * lastPass.millis - performance.now()
          if (wait > 0) {
            yield* Effect.sleep(Math.min(wait, options.pollMillis ?? 200))
            continue
          }
          const passStarted = performance.now()
          let reading = 0
          let found = 0
          let handled = 0
          let retrying = 0
          let nextRetry = Number.POSITIVE_INFINITY
          let after: string | undefined
          do {
            const read = performance.now()
            const page = left <= 0 ? { items: [], next: undefined } : yield* stage.pending({ after, size: pageSize })
            reading += performance.now() - read
            after = page.next
            const now = yield* Clock.currentTimeMillis
            const ready: Array<StageItem<unknown>> = []
            for (const item of page.items) {
              const d = deferred.get(item.id)
              if (d === undefined || (d.attempts < policy.attempts && d.until <= now)) ready.push(item)
              else if (d.attempts < policy.attempts) {
                retrying++
                nextRetry = Math.min(nextRetry, d.until)
              }
            }
            const items = ready.slice(0, Math.min(left, ready.length))
            found += items.length
            // what this run gives up on, from its own record (not from the pages, which a --limit empties)
            const exhausted: Record<string, number> = {}
            for (const d of deferred.values())
              if (d.attempts >= policy.attempts) exhausted[d.model] = (exhausted[d.model] ?? 0) + 1
            const leftPending = Object.values(exhausted).reduce((a, n) => a + n, 0)
            // pending: what this pass has found and not yet done, or what the last pass found, whichever is more
            const pendingNow = () => Math.max(0, Math.max(found, lastPass.found) - handled)
            update(i, { pending: pendingNow(), leftPending, pendingByModel: exhausted })
            if (items.length === 0) continue
            const held = options.prepare === undefined ? undefined : (yield* options.prepare(stage, items)) || undefined
            const batches = Array.from({ length: Math.ceil(items.length / size) }, (_, b) =>
              items.slice(b * size, (b + 1) * size)
            )
            yield* Effect.forEach(
              batches,
              (batch) =>
                Effect.gen(function* () {
                  const started = performance.now()
                  const results = yield* Effect.forEach(
                    batch,
                    (item) => {
                      const h = held?.get(item.id)
                      return h === undefined
                        ? processOne(stage, item)
                        : Effect.succeed<Result<unknown, unknown>>({
                            item,
                            verdict: { decision: "error", reason: h.reason, modelId: h.modelId, transient: true },
                            events: []
                          })
                    },
                    { concurrency: plan.concurrency }
                  )
                  const processed = performance.now()
                  const transient = new Set(results.filter(isTransientResult))
                  yield* Semaphore.withPermit(
                    writer,
                    Effect.suspend(() => {
                      const writing = performance.now()
                      return Effect.tap(commitBatch(stage, results, transient), () =>
                        Effect.sync(() =>
                          options.onBatch?.(
                            stage.name,
                            results.length,
                            processed - started,
                            performance.now() - writing
                          )
                        )
                      )
                    })
                  )
                  const failedAt = yield* Clock.currentTimeMillis
                  for (const r of results) {
                    if (!transient.has(r)) {
                      deferred.delete(r.item.id)
                      continue
                    }
                    const attempts = (deferred.get(r.item.id)?.attempts ?? 0) + 1
                    const delay = Math.min(policy.maxDelayMillis, policy.delayMillis * 2 ** (attempts - 1))
                    deferred.set(r.item.id, {
                      attempts,
                      until: failedAt + delay,
                      model: r.verdict.modelId ?? "(unknown model)"
                    })
                  }
                  const final = results.filter((r) => !transient.has(r))
                  handled += batch.length
                  const p = progress[i]!
                  update(i, {
                    pending: pendingNow(),
                    retrying: p.retrying + transient.size,
                    processed: p.processed + final.length,
                    kept: p.kept + final.filter((r) => r.verdict.decision === "keep").length,
                    dropped: p.dropped + final.filter((r) => r.verdict.decision === "drop").length,
                    errors: p.errors + final.filter((r) => r.verdict.decision === "error").length
                  })
                  left -= final.length
                }),
              { concurrency: options.batchesInFlight ?? 1, discard: true }
            )
          } while (after !== undefined && left > 0)
          lastPass = { at: passStarted, millis: reading, found }
          update(i, { pending: 0, retrying })
          if (found === 0) {
            if ((upstreamDone || left <= 0) && retrying === 0) break
            // waiting for upstream, or for the next item due to be asked again
            const now = yield* Clock.currentTimeMillis
            yield* Effect.sleep(
              upstreamDone
                ? Math.max(1, nextRetry - now)
                : Math.min(options.pollMillis ?? 200, Math.max(1, nextRetry - now))
            )
          }
        }
        // whatever still waits to be asked again (a --limit reached first) is left for the next run too
        const unfinished: Record<string, number> = {}
        for (const d of deferred.values()) unfinished[d.model] = (unfinished[d.model] ?? 0) + 1
        update(i, { retrying: 0, leftPending: deferred.size, pendingByModel: unfinished })
        const note = stage.finish === undefined ? undefined : yield* Semaphore.withPermit(writer, stage.finish)
        update(i, { done: true, note })
      })
    yield* Effect.forEach(plans, runOne, { concurrency: "unbounded", discard: true })
    return progress as ReadonlyArray<StageProgress>
  })

/** One stage on its own (tests, plugins): every pending item, then its finish. */
export const runStage = <I, O, R>(
  stage: Stage<I, O, R>,
  options: {
    readonly concurrency: number
    readonly limit?: number | undefined
    readonly batchSize?: number | undefined
  }
) =>
  Effect.map(
    runStages([{ stage, concurrency: options.concurrency, limit: options.limit }], { batchSize: options.batchSize }),
    (runs): StageRun => {
      const { stage: name, processed, kept, dropped, errors } = runs[0]!
      return { stage: name, processed, kept, dropped, errors }
    }
  )
