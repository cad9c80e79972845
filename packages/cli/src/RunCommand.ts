import { join, resolve } from "node:path"
import { Console, Effect } from "effect"
import {
  CorpusStore, defaultGates, filterStage, loadPlugins, makeLocalSource, makeUrlsSource, makeYoutubeSource, Media, type ModelRegistry, type Project,
  recordModelCall, runStage, scenariosStage, searchStage, type Stage, UsageError, type VideoSourceShape
} from "@videokr/core"
import { metadataRelevance } from "@videokr/filters"
import { modelRegistryLayer } from "@videokr/providers"
import { table } from "./Output.ts"

/** The stages `videokr run` knows so far, in pipeline order. */
export const stageNames = ["scenarios", "search", "metadata"] as const

/** The video sources a project configures (pipeline.sources), paths relative to the project. */
const sourcesOf = (project: Project) =>
  Effect.forEach(project.config.pipeline?.sources ?? [], (s): Effect.Effect<VideoSourceShape, unknown, Media.Media> => {
    switch (s.type) {
      case "local":
        return makeLocalSource({ root: resolve(project.dir, s.root), sidecar: s.sidecar === undefined ? undefined : resolve(project.dir, s.sidecar), glob: s.glob, defaultLicense: s.license })
      case "youtube":
        return Effect.succeed(makeYoutubeSource({ ytdlp: s.ytdlp, maxHeight: s.maxHeight, minDuration: project.config.pipeline?.gates?.minDuration, maxDuration: project.config.pipeline?.gates?.maxDuration }))
      case "urls":
        return makeUrlsSource({ list: resolve(project.dir, s.list) })
    }
  })

export interface RunOptions {
  /** count what would be done and estimate its cost from the price table; call nothing */
  readonly dryRun?: boolean | undefined
  readonly only: ReadonlyArray<string>
  readonly limit: number | undefined
  readonly model: string | undefined
  readonly concurrency: number
  readonly cache: "use" | "refresh" | "off"
}

/** Runs the pipeline's stages on the project's corpus; every result is committed as it is made. */
export const runPipeline = (project: Project, options: RunOptions) =>
  Effect.gen(function* () {
    const unknown = options.only.filter((s) => !(stageNames as ReadonlyArray<string>).includes(s))
    if (unknown.length > 0) return yield* new UsageError({ reason: `unknown stage(s): ${unknown.join(", ")}; stages: ${stageNames.join(", ")}` })
    const stages = options.only.length > 0 ? options.only : [...stageNames]
    const store = yield* CorpusStore.CorpusStore
    const plugins = yield* loadPlugins(project)
    const modelFor = (stage: string) => options.model ?? project.config.pipeline?.models?.[stage]
    const registry = modelRegistryLayer({
      config: project.config.models ?? {},
      env: process.env,
      cache: { dir: join(project.dir, project.config.models?.cacheDir ?? ".videokr/cache"), mode: options.cache },
      plugins,
      record: (call) => Effect.orDie(recordModelCall(call).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
    })
    // what each stage needs from the configuration; stages not asked for by name are skipped without it
    const missing = (stage: string): string | undefined =>
      stage === "search"
        ? (project.config.pipeline?.sources ?? []).length === 0 ? `no video sources: set pipeline.sources in ${project.configPath}` : undefined
        : modelFor(stage) === undefined ? `no model for stage ${stage}: set pipeline.models.${stage} in ${project.configPath} or pass --model` : undefined
    const problems = stages.map((st) => [st, missing(st)] as const).filter(([, m]) => m !== undefined)
    if (problems.length === stages.length || (options.only.length > 0 && problems.length > 0)) {
      return yield* new UsageError({ reason: problems.map(([, m]) => m).join("; ") })
    }
    for (const [stage, why] of problems) yield* Console.log(`${stage}: skipped (${why})`)
    const rows: Array<[string, number, number, number, number]> = []
    /** A stage ready to run, and how a dry run describes `count` pending items of it. */
    // any stage: the engine does not look into items or outputs
    const build = (stage: string): Effect.Effect<{ readonly def: Stage<any, any, ModelRegistry>; readonly describe: (n: number) => string }, unknown> =>
      Effect.gen(function* () {
        if (stage === "search") {
          const sources = yield* sourcesOf(project).pipe(Effect.provide(Media.layer({ cacheDir: join(project.dir, ".videokr/frames") })))
          const g = project.config.pipeline?.gates
          const gates = { ...defaultGates, ...(g?.licenses ? { licenses: g.licenses } : {}), minDuration: g?.minDuration, maxDuration: g?.maxDuration, ...(g?.perScenario ? { perScenario: g.perScenario } : {}) }
          return { def: searchStage(sources, gates), describe: (n: number) => `${n} scenario(s) to search in ${sources.map((x) => x.id).join(", ")}; no model calls` }
        }
        const model = modelFor(stage)!
        if (stage === "metadata") {
          return { def: filterStage(metadataRelevance(model), []), describe: (n: number) => `${n} candidate(s) to judge with ${model}` }
        }
        // a scenarios request: the prompt (~250 tokens) and at most 300 tokens of answer
        const price = project.config.models?.prices?.[model]
        return {
          def: scenariosStage(model),
          describe: (n: number) => `${n} item(s) to do with ${model}; estimated cost ${price === undefined ? `unknown (no price for ${model} in the config)` : `$${((n * (250 * price.input + 300 * price.output)) / 1_000_000).toFixed(4)} at most`}`
        }
      })
    for (const stage of stages.filter((st) => missing(st) === undefined)) {
      const { def, describe } = yield* build(stage)
      if (options.dryRun) {
        const pending = yield* def.pending.pipe(Effect.provide(registry))
        yield* Console.log(`${stage}: ${describe(options.limit === undefined ? pending.length : Math.min(options.limit, pending.length))}`)
        continue
      }
      const run = yield* runStage(def, { concurrency: options.concurrency, limit: options.limit }).pipe(Effect.provide(registry))
      rows.push([run.stage, run.processed, run.kept, run.dropped, run.errors])
    }
    if (rows.length > 0) yield* Console.log(table(["stage", "processed", "kept", "dropped", "errors"], rows))
  })

/** Why an item was kept or dropped: every verdict about it, stage by stage. */
export const why = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const verdicts = yield* store.query<{ stage: string; decision: string; reason: string; model_id: string | null; evidence: string | null }>(
      // a video's verdicts are per knowledge point: "<video id>@<knowledge point id>"
      "SELECT stage, decision, reason, model_id, evidence::VARCHAR AS evidence FROM verdicts WHERE item_id = $id OR starts_with(item_id, $id || '@') ORDER BY decided_at", { id })
    if (verdicts.length === 0) return yield* new UsageError({ reason: `no verdict about "${id}" yet (is the id right, and has its stage run?)` })
    yield* Console.log(table(["stage", "decision", "reason", "model", "evidence"], verdicts.map((v) => [v.stage, v.decision, v.reason, v.model_id ?? "-", (v.evidence ?? "-").slice(0, 120)])))
  })

/** Per stage: items in, kept, dropped and errors, the top drop reasons, and model spend per kept item. */
export const funnel = Effect.gen(function* () {
  const store = yield* CorpusStore.CorpusStore
  const stages = yield* store.query<{ stage: string; items: number; kept: number; dropped: number; errors: number }>("SELECT * FROM stage_funnel")
  if (stages.length === 0) return yield* Console.log("No stage has run yet (videokr run)")
  const spend = yield* store.query<{ stage: string; cost: number; calls: number }>("SELECT stage, sum(cost_usd) AS cost, sum(calls)::BIGINT AS calls FROM model_usage GROUP BY stage")
  const costOf = new Map(spend.map((s) => [s.stage, s]))
  yield* Console.log(table(["stage", "in", "kept", "dropped", "errors", "model calls", "cost ($)", "per kept ($)"], stages.map((s) => {
    const c = costOf.get(s.stage)
    return [s.stage, s.items, s.kept, s.dropped, s.errors, c?.calls ?? 0, (c?.cost ?? 0).toFixed(4), s.kept > 0 ? ((c?.cost ?? 0) / s.kept).toFixed(6) : "-"]
  })))
  const reasons = yield* store.query<{ stage: string; decision: string; reason: string; n: number }>(
    `SELECT stage, decision, reason, count(*)::BIGINT AS n FROM verdicts WHERE decision <> 'keep'
     GROUP BY stage, decision, reason QUALIFY row_number() OVER (PARTITION BY stage ORDER BY count(*) DESC, reason) <= 5 ORDER BY stage, n DESC, reason`)
  if (reasons.length > 0) yield* Console.log("\ntop reasons for dropping\n" + table(["stage", "decision", "items", "reason"], reasons.map((r) => [r.stage, r.decision, r.n, r.reason.slice(0, 100)])))
})
