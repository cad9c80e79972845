import { Effect, Schema } from "effect"
import { type Barred, didYouMeanHint, isPoolSpec, type ModelsConfig, type PoolMember } from "@videokr/core"
import { eligibleMembers, type Models } from "@videokr/providers"

/**
 * Configuration errors are found before any item is touched: every model a selected stage names (each
 * member of a pool) must resolve to a provider with its key set. A run that would turn every item of a
 * stage into "no provider bogus" stops here instead, naming the stage and the model; so does a stage
 * left with no model that human review lets serve it.
 */
export class ModelConfigError extends Schema.TaggedError<ModelConfigError>()("ModelConfigError", {
  problems: Schema.Array(Schema.Struct({ stage: Schema.String, model: Schema.String, reason: Schema.String }))
}) {
  override get message() {
    return [
      "the run cannot start (nothing was asked):",
      ...this.problems.map(
        (p) => `  stage ${p.stage}: ${p.reason.startsWith(`${p.model}: `) ? p.reason : `${p.model}: ${p.reason}`}`
      )
    ].join("\n")
  }
}

/** The model ids behind a stage's model spec: itself, or the pool's members. */
export const modelsOfSpec = (config: ModelsConfig, spec: string): ReadonlyArray<string> =>
  isPoolSpec(spec) ? (config.pools?.[spec.slice("pool:".length)] ?? []).map((m) => m.model) : [spec]

export const preflight = (
  stages: ReadonlyArray<{
    readonly name: string
    readonly model: string | undefined
    readonly unready?: (() => string | undefined) | undefined
  }>,
  models: Models,
  config: ModelsConfig,
  barred: ReadonlyArray<Barred> = []
) =>
  Effect.gen(function* () {
    const problems: Array<{ stage: string; model: string; reason: string }> = []
    for (const stage of stages) {
      const unready = stage.unready?.()
      if (unready !== undefined)
        problems.push({ stage: stage.name, model: stage.model ?? "(its own)", reason: unready })
      if (stage.model === undefined) continue
      if (isPoolSpec(stage.model) && config.pools?.[stage.model.slice("pool:".length)] === undefined) {
        const pools = Object.keys(config.pools ?? {})
        problems.push({
          stage: stage.name,
          model: stage.model,
          reason: `no such pool in models.pools${didYouMeanHint(stage.model.slice("pool:".length), pools)} (pools: ${pools.join(", ") || "none"})`
        })
        continue
      }
      const bars = barred.filter((b) => b.step === stage.name)
      const members: ReadonlyArray<PoolMember> = isPoolSpec(stage.model)
        ? (config.pools?.[stage.model.slice("pool:".length)] ?? [])
        : [{ model: stage.model }]
      if (eligibleMembers(members, stage.name, new Set(bars.map((b) => b.model))).length === 0) {
        const why =
          bars.length > 0
            ? bars.map((b) => b.reason).join("; ")
            : `every member has weight 0 or lists ${stage.name} in its exclude`
        problems.push({ stage: stage.name, model: stage.model, reason: `no model may serve it: ${why}` })
      }
      for (const id of modelsOfSpec(config, stage.model)) {
        const resolved = yield* Effect.result(models.resolve(id))
        if (resolved._tag === "Failure")
          problems.push({ stage: stage.name, model: id, reason: resolved.failure.message })
      }
    }
    if (problems.length > 0) return yield* new ModelConfigError({ problems })
  })
