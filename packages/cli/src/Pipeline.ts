import { join, resolve } from "node:path"
import { Effect } from "effect"
import {
  type CheckArgs, contaminationStage, dedupDefaults, defaultGates, downloadStage, type ExampleValidator, expansionStage, filterStage, generationDefaults, generationStage,
  makeLocalSource, makeUrlsSource, makeYoutubeSource, Media, nearDuplicateStage, type PipelineServices, planOf, type Project, releaseStage, type SamplingSpec,
  scenariosStage, searchStage, sourceFilesStage, type Stage, type StageInput, UsageError, validatorStage, type VideoFilter, type VideokrPlugin, type VideoSourceShape
} from "@videokr/core"
import { metadataRelevance, rationaleVerifier, safetyModeration, selfConsistency, videoDependency, visualRelevance } from "@videokr/filters"

/**
 * The construction pipeline of a project, assembled from its config: the built-in stages in METHOD.md's
 * order, plugin checks inserted after a stage or in place of one, and for each stage what the stages
 * before it must have kept. A stage whose model (or video source) is not configured is left out, and the
 * chain closes over it.
 */
type Kind = StageInput

/** What one item of a stage costs in tokens, as a rough guide for --dry-run. */
interface Estimate {
  readonly calls: number
  readonly inputTokens: number
  readonly outputTokens: number
}

interface Step {
  readonly name: string
  readonly kind: Kind
  /** the config key of its model, when it asks one */
  readonly modelKey?: string | undefined
  readonly needsSources?: boolean | undefined
  /** stage 0 runs only for the subjects listed in pipeline.expand */
  readonly needsExpansion?: boolean | undefined
  readonly estimate?: ((frames: number) => Estimate) | undefined
  readonly build: (ctx: BuildContext) => Effect.Effect<Stage<any, any, PipelineServices>, unknown>
  /** why a plugin check cannot run (e.g. a missing key), asked before the run starts */
  readonly unready?: (() => string | undefined) | undefined
}

interface BuildContext {
  readonly model: string
  /** names of the enabled stages before this one, by kind */
  readonly before: Readonly<Record<Kind, ReadonlyArray<string>>>
}

/** A built-in stage's name, what it works on and its model's config key, from core's pipeline plan. */
const builtin = (name: string) => {
  const plan = planOf(name)
  return { name, kind: plan.input, modelKey: plan.modelKey }
}

/** The frames the multimodal stages see: ~270 tokens each at the default budget (448x448). */
const frameTokens = 270

/** A filter or validator as a step; `modelKey` names its model in pipeline.models (plugin checks bring their own). */
const asFilterStep = (name: string, modelKey: string | undefined, make: (model: string) => VideoFilter, estimate?: (frames: number) => Estimate): Step => ({
  name, kind: "candidate", modelKey, estimate,
  build: ({ model, before }) => Effect.succeed(filterStage(make(model), { passed: before.candidate, videoPassed: before.video }))
})
const asValidatorStep = (name: string, modelKey: string | undefined, make: (model: string) => ExampleValidator, estimate?: (frames: number) => Estimate): Step => ({
  name, kind: "example", modelKey, estimate,
  build: ({ model, before }) => Effect.succeed(validatorStage(make(model), before.example))
})

/** The video sources a project configures (pipeline.sources), paths relative to the project. */
export const sourcesOf = (project: Project) =>
  Effect.forEach(project.config.pipeline?.sources ?? [], (s): Effect.Effect<VideoSourceShape, unknown, Media.Media> => {
    switch (s.type) {
      case "local":
        return makeLocalSource({ root: resolve(project.dir, s.root), sidecar: s.sidecar === undefined ? undefined : resolve(project.dir, s.sidecar), glob: s.glob, defaultLicense: s.license })
      case "youtube":
        return Effect.succeed(makeYoutubeSource({ ytdlp: s.ytdlp, maxHeight: s.maxHeight, minDuration: project.config.pipeline?.gates?.minDuration, maxDuration: project.config.pipeline?.gates?.maxDuration }))
      case "urls":
        return makeUrlsSource({ list: resolve(project.dir, s.list) })
    }
  }).pipe(Effect.provide(Media.layer({ cacheDir: join(project.dir, ".videokr/frames") })))

export interface PlannedStage {
  readonly name: string
  readonly kind: Kind
  readonly model: string | undefined
  /** why it is left out, when it is */
  readonly skipped: string | undefined
  /** whether it needs a model or a video source from the config (the whole-set checks and the release do not) */
  readonly configurable: boolean
  readonly estimate: ((frames: number) => Estimate) | undefined
  readonly build: Effect.Effect<Stage<any, any, PipelineServices>, unknown>
  readonly unready: (() => string | undefined) | undefined
}

/** The frames the multimodal stages sample from a video (pipeline.frames). */
export const framesOf = (project: Project): SamplingSpec => ({
  mode: "uniform",
  count: project.config.pipeline?.frames?.count ?? 8,
  maxPixels: project.config.pipeline?.frames?.maxPixels ?? 448 * 448
})

export const planPipeline = (project: Project, plugins: ReadonlyArray<VideokrPlugin>, modelOverride: string | undefined) =>
  Effect.gen(function* () {
    const config = project.config.pipeline ?? {}
    const frames = framesOf(project)
    const gen = config.generation ?? {}
    const consistency = config.consistency ?? {}
    const perSkill = gen.perSkill ?? generationDefaults.perSkill
    // scanned once, when the first stage that needs them is built
    const sources = yield* Effect.cached(sourcesOf(project))
    const dedup = {
      spec: dedupDefaults.spec,
      maxDistance: config.nearDuplicates?.maxDistance ?? dedupDefaults.maxDistance,
      minMatches: config.nearDuplicates?.minMatches ?? dedupDefaults.minMatches,
      benchmarks: (config.benchmarks ?? []).map((b) => ({ name: b.name, paths: b.paths.map((p) => resolve(project.dir, p)) }))
    }
    const steps: Array<Step> = [
      {
        ...builtin("expand"), needsExpansion: true, estimate: () => ({ calls: 1, inputTokens: 400, outputTokens: 1500 }),
        build: ({ model }) => Effect.succeed(expansionStage(config.expand?.subjects ?? [], model, config.expand?.count ?? 20))
      },
      {
        ...builtin("scenarios"), estimate: () => ({ calls: 1, inputTokens: 250, outputTokens: 300 }),
        build: ({ model }) => Effect.succeed(scenariosStage(model))
      },
      { ...builtin("sources"), needsSources: true, build: () => Effect.map(sources, sourceFilesStage) },
      {
        ...builtin("search"), needsSources: true,
        build: () =>
          Effect.map(sources, (s) => {
            const g = config.gates
            return searchStage(s, { ...defaultGates, ...(g?.licenses ? { licenses: g.licenses } : {}), minDuration: g?.minDuration, maxDuration: g?.maxDuration, ...(g?.perScenario ? { perScenario: g.perScenario } : {}) })
          })
      },
      asFilterStep("metadata", planOf("metadata").modelKey, metadataRelevance, () => ({ calls: 1, inputTokens: 200, outputTokens: 60 })),
      {
        ...builtin("download"), needsSources: true,
        build: ({ before }) => Effect.map(sources, (s) => downloadStage(s, join(project.dir, "videos", "downloads"), { passed: before.candidate }))
      },
      asFilterStep("visual", planOf("visual").modelKey, (m) => visualRelevance(m, frames), (f) => ({ calls: 1, inputTokens: 250 + f * frameTokens, outputTokens: 60 })),
      asFilterStep("safety", planOf("safety").modelKey, (m) => safetyModeration(m, frames), (f) => ({ calls: 1, inputTokens: 250 + f * frameTokens, outputTokens: 60 })),
      {
        ...builtin("generation"),
        estimate: (f) => ({ calls: 1, inputTokens: 1200 + f * frameTokens, outputTokens: 600 }),
        build: ({ model, before }) =>
          Effect.succeed(generationStage(
            { model, perSkill, skills: gen.skills ?? generationDefaults.skills, problemTypes: gen.problemTypes ?? generationDefaults.problemTypes, frames, shots: gen.shots ?? generationDefaults.shots },
            { passed: before.candidate, videoPassed: before.video }
          ))
      },
      asValidatorStep("consistency", planOf("consistency").modelKey, (m) => selfConsistency({ model: m, frames, ...consistency }), (f) => ({ calls: consistency.k ?? 2, inputTokens: 300 + f * frameTokens, outputTokens: 400 })),
      asValidatorStep("dependency", planOf("dependency").modelKey, (m) => videoDependency({ model: m, threshold: config.dependency?.threshold }), () => ({ calls: 1, inputTokens: 300 + frameTokens, outputTokens: 400 })),
      asValidatorStep("verification", planOf("verification").modelKey, (m) => rationaleVerifier(m, frames), (f) => ({ calls: 1, inputTokens: 700 + f * frameTokens, outputTokens: 150 })),
      { ...builtin("contamination"), build: ({ before }) => Effect.succeed(contaminationStage(dedup, before.example.filter((s) => s !== "generation"))) },
      { ...builtin("near-duplicates"), build: () => Effect.succeed(nearDuplicateStage(dedup)) },
      {
        ...builtin("release"),
        build: ({ before }) =>
          Effect.succeed(releaseStage({
            exampleStages: before.example.filter((s) => s !== "generation"),
            videoStages: before.video.filter((s) => s !== "download"),
            projectDir: project.dir,
            split: { seed: project.config.split?.seed ?? 42, sftFraction: project.config.split?.sftFraction ?? 0.638 },
            formats: config.release?.formats ?? ["videokr", "llamafactory", "verl", "trl"],
            export: { outDir: project.exportDir, verl: config.release?.verlValSize === undefined ? undefined : { valSize: config.release.verlValSize } }
          }))
      }
    ]

    // plugin checks: after a stage, or in place of one
    for (const check of config.checks ?? []) {
      const filter = plugins.find((p) => p.filters?.[check.use] !== undefined)?.filters?.[check.use]
      const validator = plugins.find((p) => p.validators?.[check.use] !== undefined)?.validators?.[check.use]
      if (filter === undefined && validator === undefined) {
        const known = plugins.flatMap((p) => [...Object.keys(p.filters ?? {}), ...Object.keys(p.validators ?? {})])
        return yield* new UsageError({ reason: `${project.configPath}: pipeline.checks: no plugin provides "${check.use}" (provided: ${known.join(", ") || "none"}; list the plugin in plugins)` })
      }
      const args: CheckArgs = { model: check.model, options: check.options ?? {}, projectDir: project.dir }
      const made = filter !== undefined ? filter(args) : validator!(args)
      const step: Step = {
        ...(filter !== undefined ? asFilterStep(made.stage, undefined, () => made as VideoFilter) : asValidatorStep(made.stage, undefined, () => made as ExampleValidator)),
        unready: made.unready
      }
      const anchor = check.replaces ?? check.after
      const at = steps.findIndex((s) => s.name === anchor)
      if (anchor === undefined || at < 0) {
        return yield* new UsageError({ reason: `${project.configPath}: pipeline.checks "${check.use}": set "after" or "replaces" to a stage (${steps.map((s) => s.name).join(", ")})` })
      }
      if (check.replaces !== undefined) steps.splice(at, 1, step)
      else steps.splice(at + 1, 0, step)
    }

    const hasSources = (config.sources ?? []).length > 0
    const planned: Array<PlannedStage> = []
    const before: Record<Kind, Array<string>> = { subject: [], "knowledge point": [], file: [], scenario: [], candidate: [], video: [], example: [], final: [] }
    for (const step of steps) {
      const model = step.modelKey === undefined ? undefined : modelOverride ?? config.models?.[step.modelKey]
      const skipped = step.needsExpansion && (config.expand?.subjects ?? []).length === 0
        ? `no subjects to expand: set pipeline.expand.subjects in ${project.configPath}`
        : step.needsSources && !hasSources
        ? `no video sources: set pipeline.sources in ${project.configPath}`
        : step.modelKey !== undefined && model === undefined
        ? `no model for stage ${step.name}: set pipeline.models.${step.modelKey} in ${project.configPath} or pass --model`
        : undefined
      const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, [...v]])) as unknown as Record<Kind, ReadonlyArray<string>>
      planned.push({ name: step.name, kind: step.kind, model, skipped, configurable: (step.modelKey !== undefined || step.needsSources === true) && !step.needsExpansion, estimate: step.estimate, unready: step.unready, build: step.build({ model: model ?? "", before: snapshot }) })
      if (skipped === undefined) before[step.kind].push(step.name)
    }
    return { stages: planned, frames: frames.mode === "uniform" ? frames.count : 8 }
  })
