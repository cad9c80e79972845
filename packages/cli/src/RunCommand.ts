import { join } from "node:path"
import { Console, Effect } from "effect"
import { CorpusStore, isPoolSpec, loadPlugins, Media, ModelRegistry, type Project, runStages, type StagePlan, UsageError } from "@videokr/core"
import { builtinChecks } from "@videokr/filters"
import { middlewareLayer } from "@videokr/providers"
import { sendAsBatch } from "./BatchMode.ts"
import { table } from "./Output.ts"
import { planPipeline } from "./Pipeline.ts"
import { makeProgress } from "./Progress.ts"
import { modelSession } from "./ModelSession.ts"

/** The built-in stages, in pipeline order (plugin checks add their own). */
export const stageNames = [
  "expand", "scenarios", "search", "metadata", "download", "visual", "safety", "generation", "consistency", "dependency", "verification", "contamination", "near-duplicates", "release"
] as const

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
}

/** Runs the pipeline's stages on the project's corpus, overlapping; every result is committed as it is made. */
export const runPipeline = (project: Project, options: RunOptions) =>
  Effect.gen(function* () {
    const plugins = yield* loadPlugins(project)
    const plan = yield* planPipeline(project, [builtinChecks, ...plugins], options.model)
    const names = plan.stages.map((s) => s.name)
    const unknown = [...options.only, ...(options.until === undefined ? [] : [options.until])].filter((s) => !names.includes(s))
    if (unknown.length > 0) return yield* new UsageError({ reason: `unknown stage(s): ${unknown.join(", ")}; stages: ${names.join(", ")}` })
    const last = options.until === undefined ? names.length - 1 : names.indexOf(options.until)
    const selected = plan.stages.filter((s, i) => i <= last && (options.only.length === 0 || options.only.includes(s.name)))
    const problems = selected.filter((s) => s.skipped !== undefined)
    // nothing to feed the pipeline (every stage that needs a model or a source lacks it), or a stage asked for by name that cannot run
    const configurable = selected.filter((s) => s.configurable)
    if (problems.length === selected.length || (configurable.length > 0 && configurable.every((s) => s.skipped !== undefined)) || (options.only.length > 0 && problems.length > 0)) {
      return yield* new UsageError({ reason: problems.map((s) => s.skipped).join("; ") })
    }
    for (const s of problems) yield* Console.log(`${s.name}: skipped (${s.skipped})`)
    const runnable = selected.filter((s) => s.skipped === undefined)

    const { tally, calls, models, registry, services } = yield* modelSession(project, plugins, options.cache)
    const built = yield* Effect.forEach(runnable, (s) => Effect.map(s.build, (stage) => ({ planned: s, stage })))

    if (options.dryRun) {
      const prices = project.config.models?.prices ?? {}
      const pools = project.config.models?.pools ?? {}
      // a pool costs at most its dearest member
      const priceOf = (spec: string) => {
        const members = isPoolSpec(spec) ? (pools[spec.slice(5)] ?? []).map((m) => m.model) : [spec]
        const known = members.map((m) => prices[m])
        return known.length === 0 || known.some((p) => p === undefined) ? undefined : known.reduce((a, p) => ({ input: Math.max(a!.input, p!.input), output: Math.max(a!.output, p!.output) }))
      }
      const rows: Array<Array<string | number>> = []
      for (const { planned, stage } of built) {
        const pending = (yield* stage.pending.pipe(Effect.provide(services))).length
        const n = options.limit === undefined ? pending : Math.min(options.limit, pending)
        const e = planned.estimate?.(plan.frames)
        const price = planned.model === undefined ? undefined : priceOf(planned.model)
        const cost = e === undefined ? "no model calls" : price === undefined ? `unknown (no price for ${planned.model})` : `$${((n * e.calls * (e.inputTokens * price.input + e.outputTokens * price.output)) / 1_000_000).toFixed(4)}`
        rows.push([planned.name, n, planned.model ?? "-", e === undefined ? 0 : n * e.calls, cost])
      }
      yield* Console.log(table(["stage", "ready now", "model", "model calls", "estimated cost (at most)"], rows))
      yield* Console.log("Later stages get their items as earlier ones keep them: their counts grow as the run goes.")
      return
    }

    const concurrencyOf = (name: string) => project.config.pipeline?.concurrency?.[name] ?? (name === "download" ? Math.min(2, options.concurrency) : options.concurrency)
    const plans: Array<StagePlan<Media.Media | ModelRegistry>> = built.map(({ stage }) => ({ stage, concurrency: concurrencyOf(stage.name), limit: options.limit }))
    // live lines on a terminal's stderr; in logs (no terminal), a line per finished stage with the output
    const progress = makeProgress(process.stderr.isTTY ? process.stderr : process.stdout, tally)
    const batchStages = new Set(project.config.pipeline?.batch ?? [])
    const unknownBatch = [...batchStages].filter((st) => !names.includes(st))
    if (unknownBatch.length > 0) return yield* new UsageError({ reason: `${project.configPath}: pipeline.batch names unknown stage(s): ${unknownBatch.join(", ")}` })
    const runs = yield* runStages(plans, {
      onProgress: options.progress === false ? undefined : progress.onProgress,
      prepare: (stage, items) =>
        batchStages.has(stage.name) ? sendAsBatch(stage, items, { models, registry, stateDir: join(project.dir, ".videokr/batches"), pollSeconds: project.config.pipeline?.batchPollSeconds ?? 30 }) : Effect.void
    }).pipe(
      Effect.provide(services),
      Effect.ensuring(Effect.orDie(calls.flush))
    )
    progress.end()
    yield* Console.log(table(["stage", "processed", "kept", "dropped", "errors", "model calls", "spend ($)"], runs.map((r) => [r.stage, r.processed, r.kept, r.dropped, r.errors, tally.calls(r.stage), tally.spend(r.stage).toFixed(4)])))
    for (const r of runs) if (r.note !== undefined) yield* Console.log(`${r.stage}: ${r.note}`)
    const failures = tally.failures()
    if (failures.length > 0) {
      yield* Console.log(`\nmodel call failures (each retried as configured; the items got error verdicts: videokr why <id>)\n` +
        table(["stage", "model", "kind", "calls", "for example"], failures.map((f) => [f.stage, f.model, f.kind, f.count, f.example.slice(0, 100)])))
    }
  }).pipe(Effect.provide(middlewareLayer)) // limiter and breaker state, for the whole run

/** Why an item was kept or dropped: every verdict about it, stage by stage. */
export const why = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const verdicts = yield* store.query<{ stage: string; decision: string; reason: string; model_id: string | null; evidence: string | null }>(
      // a video's verdicts are per knowledge point ("<video id>@<knowledge point id>") and its examples' below those ("...#<skill>-<n>")
      "SELECT stage, decision, reason, model_id, evidence::VARCHAR AS evidence FROM verdicts WHERE item_id = $id OR starts_with(item_id, $id || '@') OR starts_with(item_id, $id || '#') ORDER BY decided_at, item_id", { id })
    if (verdicts.length === 0) return yield* new UsageError({ reason: `no verdict about "${id}" yet (is the id right, and has its stage run?)` })
    yield* Console.log(table(["stage", "decision", "reason", "model", "evidence"], verdicts.map((v) => [v.stage, v.decision, v.reason.slice(0, 160), v.model_id ?? "-", (v.evidence ?? "-").slice(0, 80)])))
  })

/**
 * Per stage in pipeline order: items in, kept, dropped and errors, the top drop reasons, model spend per
 * kept item; then the spend per example that reached the corpus, and the skill and discipline mix of
 * what was released. All from SQL views (stage_funnel, stage_spend, stage_drop_reasons, pipeline_cost,
 * pipeline_mix) that any DuckDB client can query.
 */
export const funnel = Effect.gen(function* () {
  const store = yield* CorpusStore.CorpusStore
  const rows = yield* store.query<{ stage: string; items: number; kept: number; dropped: number; errors: number }>("SELECT stage, items, kept, dropped, errors FROM stage_funnel")
  if (rows.length === 0) return yield* Console.log("No stage has run yet (videokr run)")
  const order = (s: string) => {
    const i = (stageNames as ReadonlyArray<string>).indexOf(s)
    return i < 0 ? stageNames.length : i
  }
  const stages = [...rows].sort((a, b) => order(a.stage) - order(b.stage))
  const spend = yield* store.query<{ stage: string; cost_usd: number; model_calls: number; cost_per_kept_usd: number | null }>("SELECT stage, cost_usd, model_calls, cost_per_kept_usd FROM stage_spend")
  const costOf = new Map(spend.map((s) => [s.stage, s]))
  yield* Console.log(table(["stage", "in", "kept", "dropped", "errors", "model calls", "cost ($)", "per kept ($)"], stages.map((s) => {
    const c = costOf.get(s.stage)
    return [s.stage, s.items, s.kept, s.dropped, s.errors, c?.model_calls ?? 0, (c?.cost_usd ?? 0).toFixed(4), c?.cost_per_kept_usd == null ? "-" : c.cost_per_kept_usd.toFixed(6)]
  })))
  const reasons = yield* store.query<{ stage: string; decision: string; reason: string; items: number }>("SELECT stage, decision, reason, items FROM stage_drop_reasons WHERE rank <= 3 ORDER BY items DESC, reason")
  if (reasons.length > 0) {
    const sorted = [...reasons].sort((a, b) => order(a.stage) - order(b.stage))
    yield* Console.log("\ntop reasons for dropping\n" + table(["stage", "decision", "items", "reason"], sorted.map((r) => [r.stage, r.decision, r.items, r.reason.slice(0, 100)])))
  }
  const [cost] = yield* store.query<{ released_examples: number; cost_usd: number; cost_per_example_usd: number | null }>("SELECT * FROM pipeline_cost")
  if (cost !== undefined && cost.released_examples > 0) {
    yield* Console.log(`\n${cost.released_examples} example(s) released by the pipeline; model spend $${cost.cost_usd.toFixed(4)} in all, $${(cost.cost_per_example_usd ?? 0).toFixed(6)} per kept example`)
    const mix = yield* store.query<{ discipline: string; skill: string; examples: number }>("SELECT discipline, skill, sum(examples)::BIGINT AS examples FROM pipeline_mix GROUP BY ALL ORDER BY ALL")
    yield* Console.log(table(["discipline", "skill", "examples"], mix.map((m) => [m.discipline, m.skill, m.examples])))
  }
})
