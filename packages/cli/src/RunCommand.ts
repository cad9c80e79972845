import { join } from "node:path"
import { Console, Deferred, Effect } from "effect"
import {
  type Barred,
  type CallRow,
  configFingerprint,
  CorpusStore,
  reconcileCallJournals,
  storageOf,
  didYouMeanHint,
  forEachPendingPage,
  localStageNames,
  reopenErrors,
  IncompleteRun,
  type ModelsConfig,
  type StageProgress,
  stageStarting,
  isPoolSpec,
  itemRetryDefaults,
  loadPlugins,
  type Media,
  type ModelRegistry,
  pipelinePlan,
  type Project,
  reopenBarred,
  reviewBars,
  runStages,
  type StagePlan,
  UsageError
} from "@videokr/core"
import { builtinChecks } from "@videokr/filters"
import { middlewareLayerFor, type ModelHealthShape } from "@videokr/providers"
import { sendAsBatch } from "./BatchMode.ts"
import { table } from "./Output.ts"
import { planPipeline } from "./Pipeline.ts"
import { modelsOfSpec, preflight } from "./Preflight.ts"
import { makeProgress } from "./Progress.ts"
import { modelSession } from "./ModelSession.ts"
import { modelStatuses, pendingByStage } from "./RunSummary.ts"
import { formatDuration, type QueueStatus, renderModels, type RunStatus } from "./RunStatus.ts"
import { serveLiveRun } from "./LiveRun.ts"

export interface RunOptions {
  /** count what would be done and estimate its cost from the price table; call nothing */
  readonly dryRun?: boolean | undefined
  readonly only: ReadonlyArray<string>
  /** run the stages up to and including this one */
  readonly until?: string | undefined
  readonly limit: number | undefined
  readonly model: string | undefined
  readonly concurrency: number
  readonly cache: "use" | "refresh" | "off"
  /** live progress on stderr (default: on) */
  readonly progress?: boolean | undefined
  /** ask again the items of these stages (all selected: "all") that hold a final error verdict */
  readonly retryErrors?: ReadonlyArray<string> | "all" | undefined
  /** print the summary as JSON (stages and models) instead of tables */
  readonly json?: boolean | undefined
  /** also serve the review app while the run goes (the run holds the corpus) */
  readonly review?: { readonly host: string; readonly port: number; readonly token: string | undefined } | undefined
  /** hand the items to workers through this Redis (redis://host:port/db): this run coordinates and writes the store */
  readonly queue?: string | undefined
}

/** Runs the pipeline's stages on the project's corpus, overlapping; every result is committed as it is made. */
export const runPipeline = (project: Project, options: RunOptions) =>
  Effect.gen(function* () {
    const plugins = yield* loadPlugins(project)
    const plan = yield* planPipeline(project, [builtinChecks, ...plugins], options.model)
    const names = plan.stages.map((s) => s.name)
    const unknown = [...options.only, ...(options.until === undefined ? [] : [options.until])].filter(
      (s) => !names.includes(s)
    )
    if (unknown.length > 0)
      return yield* new UsageError({
        reason: `unknown stage(s): ${unknown.map((s) => `${s}${didYouMeanHint(s, names)}`).join(", ")}; stages: ${names.join(", ")}`
      })
    const last = options.until === undefined ? names.length - 1 : names.indexOf(options.until)
    const selected = plan.stages.filter(
      (s, i) => i <= last && (options.only.length === 0 || options.only.includes(s.name))
    )
    const problems = selected.filter((s) => s.skipped !== undefined)
    // nothing to feed the pipeline (every stage that needs a model or a source lacks it), or a stage asked for by name that cannot run
    const configurable = selected.filter((s) => s.configurable)
    if (
      problems.length === selected.length ||
      (configurable.length > 0 && configurable.every((s) => s.skipped !== undefined)) ||
      (options.only.length > 0 && problems.length > 0)
    ) {
      return yield* new UsageError({ reason: problems.map((s) => s.skipped).join("; ") })
    }
    for (const s of problems) yield* Console.log(`${s.name}: skipped (${s.skipped})`)
    const runnable = selected.filter((s) => s.skipped === undefined)

    // models human review bars from a step (excluded, or unreviewed when the config says so) are not drawn for it
    const barred = yield* reviewBars(
      project.config.review,
      runnable.flatMap((s) =>
        s.model === undefined ? [] : [{ step: s.name, models: modelsOfSpec(project.config.models ?? {}, s.model) }]
      )
    )
    const { tally, calls, models, registry, services } = yield* modelSession(project, plugins, options.cache, barred)
    const built = yield* Effect.forEach(runnable, (s) => Effect.map(s.build, (stage) => ({ planned: s, stage })))
    // a configuration error (unknown provider or model, missing key, no model review lets serve) stops the run before any item is touched
    const checked = yield* Effect.result(preflight(runnable, models, project.config.models ?? {}, barred))
    if (checked._tag === "Failure" && !options.dryRun) return yield* checked.failure

    if (options.dryRun) {
      const prices = project.config.models?.prices ?? {}
      const pools = project.config.models?.pools ?? {}
      // a pool costs at most its dearest member
      const priceOf = (spec: string) => {
        const members = isPoolSpec(spec) ? (pools[spec.slice(5)] ?? []).map((m) => m.model) : [spec]
        const known = members.map((m) => prices[m])
        return known.length === 0 || known.some((p) => p === undefined)
          ? undefined
          : known.reduce((a, p) => ({ input: Math.max(a!.input, p!.input), output: Math.max(a!.output, p!.output) }))
      }
      const rows: Array<Array<string | number>> = []
      for (const { planned, stage } of built) {
        let pending = 0
        yield* forEachPendingPage(stage.pending, 2_000, (items) => (pending += items.length)).pipe(
          Effect.provide(services)
        )
        const n = options.limit === undefined ? pending : Math.min(options.limit, pending)
        const e = planned.estimate?.(plan.frames)
        const price = planned.model === undefined ? undefined : priceOf(planned.model)
        const cost =
          e === undefined
            ? "no model calls"
            : price === undefined
              ? `unknown (no price for ${planned.model})`
              : `$${((n * e.calls * (e.inputTokens * price.input + e.outputTokens * price.output)) / 1_000_000).toFixed(4)}`
        rows.push([planned.name, n, planned.model ?? "-", e === undefined ? 0 : n * e.calls, cost])
      }
      yield* Console.log(table(["stage", "ready now", "model", "model calls", "estimated cost (at most)"], rows))
      yield* Console.log("Later stages get their items as earlier ones keep them: their counts grow as the run goes.")
      if (checked._tag === "Failure") yield* Console.log(`\nA real run would stop here: ${checked.failure.message}`)
      return
    }

    // what a barred model made in a step is made again by one that may serve it
    for (const r of yield* reopenBarred(barred)) {
      if (r.items > 0)
        yield* Console.log(
          `human review: ${r.items} item(s) of ${r.step} are made again without ${r.model} (${r.reason})`
        )
    }

    const retryStages =
      options.retryErrors === undefined
        ? []
        : options.retryErrors === "all"
          ? runnable.map((s) => s.name)
          : options.retryErrors
    const unknownRetry = retryStages.filter((st) => !runnable.some((s) => s.name === st))
    if (unknownRetry.length > 0)
      return yield* new UsageError({
        reason: `--retry-errors names stage(s) this run does not run: ${unknownRetry.join(", ")} (running: ${runnable.map((s) => s.name).join(", ")})`
      })
    const refresh = retryStages.length === 0 ? undefined : yield* reopenErrors(retryStages)
    if (refresh !== undefined)
      yield* Console.log(
        `--retry-errors: ${refresh.size} item(s) with a final error verdict asked again (${retryStages.join(", ")})`
      )

    // the config's number for a stage, else the plan's default (a fixed number never above --concurrency), else --concurrency
    const concurrencyOf = (name: string) => {
      const planned = pipelinePlan.find((s) => s.name === name)?.concurrency ?? "run"
      return (
        project.config.pipeline?.concurrency?.[name] ??
        (planned === "run" ? options.concurrency : Math.min(planned, options.concurrency))
      )
    }
    const plans: Array<StagePlan<Media.Media | ModelRegistry>> = built.map(({ stage }) => ({
      stage,
      concurrency: concurrencyOf(stage.name),
      limit: options.limit
    }))
    // live lines on a terminal's stderr; in logs (no terminal), a line per finished stage with the output
    const modelOf = new Map(runnable.map((s) => [s.name, s.model]))
    const progress = makeProgress(process.stderr.isTTY ? process.stderr : process.stdout, tally, {
      waiting: (stage) => waitingNote(modelOf.get(stage), models.health, project.config.models ?? {})
    })
    const batchStages = new Set(project.config.pipeline?.batch ?? [])
    const unknownBatch = [...batchStages].filter((st) => !names.includes(st))
    if (unknownBatch.length > 0)
      return yield* new UsageError({
        reason: `${project.configPath}: pipeline.batch names unknown stage(s): ${unknownBatch.map((s) => `${s}${didYouMeanHint(s, names)}`).join(", ")}`
      })
    const retry = project.config.pipeline?.retry
    // spread over workers: every stage but those the run decides itself goes through the queue
    const queued =
      options.queue === undefined
        ? undefined
        : yield* coordinate(project, options.queue, barred, (rows) =>
            Effect.forEach(
              rows,
              (row) => {
                tally.record({ stage: row.stage ?? undefined, costUsd: row.cost_usd })
                return Effect.orDie(calls.recordRow(row))
              },
              { discard: true }
            )
          )
    // what the queue holds and which workers are alive, for `videokr status` (looked up every few seconds)
    let queueNow: QueueStatus | undefined
    if (queued !== undefined) {
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.andThen(
            Effect.ignore(
              Effect.tap(queued.status(plans.map((p) => p.stage.name)), (q) => Effect.sync(() => (queueNow = q)))
            ),
            Effect.sleep(2_000)
          )
        )
      )
    }
    // while it runs, the run answers `videokr status`, `funnel`, `stats` and `why` (DuckDB lets one process hold the file)
    let latest: ReadonlyArray<StageProgress> = plans.map((p) => stageStarting(p.stage.name))
    const startedAt = new Date()
    const status = (): RunStatus => {
      const elapsedSeconds = (Date.now() - startedAt.getTime()) / 1000
      return {
        pid: process.pid,
        startedAt: startedAt.toISOString(),
        elapsedSeconds,
        stages: latest.map((r) => {
          const waiting = r.done
            ? undefined
            : waitingNote(modelOf.get(r.stage), models.health, project.config.models ?? {})
          return {
            stage: r.stage,
            pending: r.pending,
            processed: r.processed,
            kept: r.kept,
            dropped: r.dropped,
            errors: r.errors,
            retrying: r.retrying,
            leftPending: r.leftPending,
            done: r.done,
            ratePerSecond: elapsedSeconds > 0 ? r.processed / elapsedSeconds : 0,
            spendUsd: tally.spend(r.stage),
            ...(waiting === undefined ? {} : { waiting })
          }
        }),
        // a queued run's models are asked by its workers: their health is theirs
        models: queued === undefined ? modelStatuses(models.health.snapshot(), latest, Date.now()) : [],
        ...(queueNow === undefined ? {} : { queue: queueNow })
      }
    }
    yield* serveLiveRun(project, { store: yield* CorpusStore.CorpusStore, status })
    // reviewers work while the run goes: the app is served by this process, on the same store, until the run ends
    if (options.review !== undefined) {
      const listening = yield* Deferred.make<void>()
      const { serveReviewApp } = yield* Effect.promise(() => import("./ReviewCommand.ts"))
      yield* Effect.forkChild(
        serveReviewApp(project, {
          ...options.review,
          onListening: (url) =>
            Effect.andThen(
              Console.log(`review app: ${url} (served while this run goes)`),
              Deferred.succeed(listening, undefined)
            )
        }).pipe(
          Effect.catch((e) =>
            Effect.andThen(
              Console.error(`the review app could not be served: ${(e as { message?: string }).message ?? String(e)}`),
              Deferred.succeed(listening, undefined)
            )
          )
        )
      )
      yield* Deferred.await(listening)
    }
    const runs = yield* runStages(
      queued === undefined ? plans : plans.map((p) => ({ ...p, concurrency: Math.max(p.concurrency, queuedBatch) })),
      {
        ...(queued === undefined ? {} : { executor: queued.executor, batchSize: queuedBatch, batchesInFlight: 4 }),
        onProgress: (p) => {
          latest = p.map((x) => ({ ...x }))
          if (options.progress !== false) progress.onProgress(p)
        },
        prepare: (stage, items) =>
          batchStages.has(stage.name)
            ? sendAsBatch(stage, items, {
                models,
                registry,
                stateDir: join(project.dir, ".videokr/batches"),
                pollSeconds: project.config.pipeline?.batchPollSeconds ?? 30
              })
            : Effect.void,
        retry: {
          attempts: retry?.attempts ?? itemRetryDefaults.attempts,
          delayMillis: retry?.delaySeconds === undefined ? itemRetryDefaults.delayMillis : retry.delaySeconds * 1000,
          maxDelayMillis:
            retry?.maxDelaySeconds === undefined ? itemRetryDefaults.maxDelayMillis : retry.maxDelaySeconds * 1000
        },
        refresh
      }
    ).pipe(Effect.provide(services), Effect.ensuring(Effect.orDie(calls.close)))
    progress.end()
    // the journals of workers' calls: rows of jobs whose outcome never came back (a worker killed mid-job)
    if (queued !== undefined) yield* reconcileCallJournals(storageOf(project).ledger)
    const perModel = modelStatuses(models.health.snapshot(), runs, Date.now())
    const pending = runs.reduce((n, r) => n + r.leftPending, 0)
    if (options.json) {
      yield* Console.log(
        JSON.stringify(
          {
            stages: runs.map((r) => ({
              stage: r.stage,
              processed: r.processed,
              kept: r.kept,
              dropped: r.dropped,
              errors: r.errors,
              pending: r.leftPending,
              modelCalls: tally.calls(r.stage),
              spendUsd: tally.spend(r.stage),
              note: r.note ?? null
            })),
            models: perModel,
            pending
          },
          null,
          2
        )
      )
    } else {
      yield* Console.log(
        table(
          ["stage", "processed", "kept", "dropped", "errors", "pending", "model calls", "spend ($)"],
          runs.map((r) => [
            r.stage,
            r.processed,
            r.kept,
            r.dropped,
            r.errors,
            r.leftPending,
            tally.calls(r.stage),
            tally.spend(r.stage).toFixed(4)
          ])
        )
      )
      for (const r of runs) if (r.note !== undefined) yield* Console.log(`${r.stage}: ${r.note}`)
      if (perModel.length > 0)
        yield* Console.log(
          `\nmodels (failed attempts were retried; only final answers became verdicts)\n${renderModels(perModel)}`
        )
      const errors = runs.reduce((n, r) => n + r.errors, 0)
      if (errors > 0)
        yield* Console.log(
          `\n${errors} item(s) got a final error verdict (videokr why <id>; ask them again with videokr run --retry-errors)`
        )
    }
    if (pending > 0) {
      return yield* new IncompleteRun({
        what: pendingByStage(runs),
        pending,
        hint: "run `videokr run` again to finish them (it asks only what is pending); `videokr status` and `videokr funnel` show where things stand"
      })
    }
  }).pipe(Effect.scoped, Effect.provide(middlewareLayerFor(project.config.models))) // the live socket's scope; limiter, breaker and health state, for the whole run

/** Items a coordinator sends per batch (each batch committed as its outcomes are in; four batches in flight per stage). */
const queuedBatch = 64

/**
 * The coordinator of a run spread over workers: its queue executor, and a reader of the queue's state
 * for `videokr status`. (The journals of workers' calls go into the ledger when the model session starts,
 * and again when the run ends.)
 */
const coordinate = (
  project: Project,
  url: string,
  barred: ReadonlyArray<Barred>,
  recordCalls: (rows: ReadonlyArray<CallRow>) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const { queueOf } = yield* Effect.promise(() => import("./WorkerCommand.ts"))
    const { makeCoordinator, makeQueueStatus } = yield* Effect.promise(() => import("@videokr/queue"))
    const { address, prefix } = yield* queueOf(project, url)
    const coordinator = yield* makeCoordinator<Media.Media | ModelRegistry>({
      address,
      prefix,
      local: localStageNames,
      config: configFingerprint(project.config),
      barred,
      recordCalls
    })
    yield* Console.log(
      `coordinating on ${address.display}: start workers with videokr worker --queue ${address.display}`
    )
    return { ...coordinator, status: yield* makeQueueStatus(address, prefix) }
  })

/** "waiting for <model> (circuit open 2m10s, next probe in 20s)" for a stage whose models are sick. */
const waitingNote = (spec: string | undefined, health: ModelHealthShape, config: ModelsConfig): string | undefined => {
  if (spec === undefined) return undefined
  const now = Date.now()
  const notes = modelsOfSpec(config, spec).flatMap((m) => {
    const c = health.circuit(m)
    if (health.counters(m).gaveUp) return [`stopped waiting for ${m}`]
    if (c.state === "open")
      return [
        `waiting for ${m} (circuit open ${duration(now - c.since)}, next probe in ${duration(Math.max(0, c.nextProbeAt - now))})`
      ]
    if (c.state === "half-open") return [`waiting for ${m} (circuit open ${duration(now - c.since)}, probing)`]
    return []
  })
  return notes.length === 0 ? undefined : notes.join("; ")
}

const duration = (ms: number) => formatDuration(ms / 1000)
