import { join } from "node:path"
import { Console, Effect } from "effect"
import { CorpusStore, loadPlugins, type Project, recordModelCall, runStage, scenariosStage, UsageError } from "@videokr/core"
import { modelRegistryLayer } from "@videokr/providers"
import { table } from "./Output.ts"

/** The stages `videokr run` knows so far, in pipeline order. */
export const stageNames = ["scenarios"] as const

export interface RunOptions {
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
    const rows: Array<[string, number, number, number, number]> = []
    for (const stage of stages) {
      const model = modelFor(stage)
      if (model === undefined) return yield* new UsageError({ reason: `no model for stage ${stage}: set pipeline.models.${stage} in ${project.configPath} or pass --model` })
      const run = yield* runStage(scenariosStage(model), { concurrency: options.concurrency, limit: options.limit }).pipe(Effect.provide(registry))
      rows.push([run.stage, run.processed, run.kept, run.dropped, run.errors])
    }
    yield* Console.log(table(["stage", "processed", "kept", "dropped", "errors"], rows))
  })

/** Why an item was kept or dropped: every verdict about it, stage by stage. */
export const why = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const verdicts = yield* store.query<{ stage: string; decision: string; reason: string; model_id: string | null; evidence: string | null }>(
      "SELECT stage, decision, reason, model_id, evidence::VARCHAR AS evidence FROM verdicts WHERE item_id = $id ORDER BY decided_at", { id })
    if (verdicts.length === 0) return yield* new UsageError({ reason: `no verdict about "${id}" yet (is the id right, and has its stage run?)` })
    yield* Console.log(table(["stage", "decision", "reason", "model", "evidence"], verdicts.map((v) => [v.stage, v.decision, v.reason, v.model_id ?? "-", (v.evidence ?? "-").slice(0, 120)])))
  })

