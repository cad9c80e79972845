import { resolve } from "node:path"
import { Effect } from "effect"
import {
  assemblePipeline,
  type AssembledStage,
  dedupDefaults,
  defaultGates,
  generationDefaults,
  makeLocalSource,
  makeUrlsSource,
  makeYoutubeSource,
  Media,
  type PlacedCheck,
  type Project,
  type SamplingSpec,
  storageOf,
  UsageError,
  type VideokrPlugin,
  type VideoSourceShape
} from "@videokr/core"
import { defaultChecks } from "@videokr/filters"

/**
 * The construction pipeline of a project: core's pipeline (assemblePipeline: the plan's stages, plugin
 * checks in their places, each stage reading what the enabled stages before it kept) with the settings of
 * the project's config, and what each stage's items cost for --dry-run.
 */

/** What one item of a stage costs in tokens, as a rough guide for --dry-run. */
interface Estimate {
  readonly calls: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/** The frames the multimodal stages see: ~270 tokens each at the default budget (448x448). */
const frameTokens = 270

/** Per item of each built-in stage that asks a model (plugin checks have none). */
const estimates = (consistencyK: number): Readonly<Record<string, (frames: number) => Estimate>> => ({
  expand: () => ({ calls: 1, inputTokens: 400, outputTokens: 1500 }),
  scenarios: () => ({ calls: 1, inputTokens: 250, outputTokens: 300 }),
  metadata: () => ({ calls: 1, inputTokens: 200, outputTokens: 60 }),
  visual: (f) => ({ calls: 1, inputTokens: 250 + f * frameTokens, outputTokens: 60 }),
  safety: (f) => ({ calls: 1, inputTokens: 250 + f * frameTokens, outputTokens: 60 }),
  generation: (f) => ({ calls: 1, inputTokens: 1200 + f * frameTokens, outputTokens: 600 }),
  consistency: (f) => ({ calls: consistencyK, inputTokens: 300 + f * frameTokens, outputTokens: 400 }),
  dependency: () => ({ calls: 1, inputTokens: 300 + frameTokens, outputTokens: 400 }),
  verification: (f) => ({ calls: 1, inputTokens: 700 + f * frameTokens, outputTokens: 150 })
})

/** The video sources a project configures (pipeline.sources), paths relative to the project. */
export const sourcesOf = (project: Project, plugins: ReadonlyArray<VideokrPlugin>) =>
  Effect.forEach(project.config.pipeline?.sources ?? [], (s): Effect.Effect<VideoSourceShape, unknown, Media.Media> => {
    if ("use" in s) {
      const make = plugins.find((p) => p.sources?.[s.use] !== undefined)?.sources?.[s.use]
      if (make === undefined) {
        const known = plugins.flatMap((p) => Object.keys(p.sources ?? {}))
        return Effect.fail(
          new UsageError({
            reason: `${project.configPath}: pipeline.sources: no plugin provides the source "${s.use}" (provided: ${known.join(", ") || "none"}; list the plugin in plugins)`
          })
        )
      }
      // a plugin that refuses its options (a missing field) throws: the user's error, named by the entry
      return Effect.try({
        try: () => make({ options: s.options ?? {}, projectDir: project.dir }),
        catch: (e) =>
          new UsageError({
            reason: `${project.configPath}: pipeline.sources "${s.use}": ${e instanceof Error ? e.message : String(e)}`
          })
      })
    }
    switch (s.type) {
      case "local":
        return makeLocalSource({
          root: resolve(project.dir, s.root),
          sidecar: s.sidecar === undefined ? undefined : resolve(project.dir, s.sidecar),
          glob: s.glob,
          defaultLicense: s.license
        })
      case "youtube":
        return Effect.succeed(
          makeYoutubeSource({
            ytdlp: s.ytdlp,
            maxHeight: s.maxHeight,
            minDuration: project.config.pipeline?.gates?.minDuration,
            maxDuration: project.config.pipeline?.gates?.maxDuration
          })
        )
      case "urls":
        return makeUrlsSource({ list: resolve(project.dir, s.list) })
    }
  }).pipe(Effect.provide(Media.layer({ cacheDir: storageOf(project).frames })))

/** The frames the multimodal stages sample from a video (pipeline.frames). */
export const framesOf = (project: Project): SamplingSpec => ({
  mode: "uniform",
  count: project.config.pipeline?.frames?.count ?? 8,
  maxPixels: project.config.pipeline?.frames?.maxPixels ?? 448 * 448
})

export interface PlannedStage extends AssembledStage {
  readonly estimate: ((frames: number) => Estimate) | undefined
}

/** The plugin checks of pipeline.checks, each made by the plugin that provides it. */
const placedChecks = (project: Project, plugins: ReadonlyArray<VideokrPlugin>) =>
  Effect.forEach(project.config.pipeline?.checks ?? [], (check): Effect.Effect<PlacedCheck, UsageError> => {
    const filter = plugins.find((p) => p.filters?.[check.use] !== undefined)?.filters?.[check.use]
    const validator = plugins.find((p) => p.validators?.[check.use] !== undefined)?.validators?.[check.use]
    if (filter === undefined && validator === undefined) {
      const known = plugins.flatMap((p) => [...Object.keys(p.filters ?? {}), ...Object.keys(p.validators ?? {})])
      return Effect.fail(
        new UsageError({
          reason: `${project.configPath}: pipeline.checks: no plugin provides "${check.use}" (provided: ${known.join(", ") || "none"}; list the plugin in plugins)`
        })
      )
    }
    const args = { model: check.model, options: check.options ?? {}, projectDir: project.dir }
    return Effect.succeed({
      label: check.use,
      after: check.after,
      replaces: check.replaces,
      check:
        filter !== undefined
          ? { _tag: "filter", filter: filter(args) }
          : { _tag: "validator", validator: validator!(args) }
    })
  })

export const planPipeline = (
  project: Project,
  plugins: ReadonlyArray<VideokrPlugin>,
  modelOverride: string | undefined
) =>
  Effect.gen(function* () {
    const config = project.config.pipeline ?? {}
    const frames = framesOf(project)
    const g = config.gates
    const stages = yield* assemblePipeline({
      modelOf: (key) => modelOverride ?? config.models?.[key],
      checks: defaultChecks({ frames, consistency: config.consistency, dependency: config.dependency }),
      // scanned once, when the first stage that needs them is built
      sources: yield* Effect.cached(sourcesOf(project, plugins)),
      hasSources: (config.sources ?? []).length > 0,
      expand: { subjects: config.expand?.subjects ?? [], count: config.expand?.count ?? 20 },
      gates: {
        ...defaultGates,
        ...(g?.licenses ? { licenses: g.licenses } : {}),
        minDuration: g?.minDuration,
        maxDuration: g?.maxDuration,
        ...(g?.perScenario ? { perScenario: g.perScenario } : {})
      },
      downloadDir: storageOf(project).downloads,
      generation: {
        perSkill: config.generation?.perSkill ?? generationDefaults.perSkill,
        skills: config.generation?.skills ?? generationDefaults.skills,
        problemTypes: config.generation?.problemTypes ?? generationDefaults.problemTypes,
        frames,
        shots: config.generation?.shots ?? generationDefaults.shots
      },
      dedup: {
        spec: dedupDefaults.spec,
        maxDistance: config.nearDuplicates?.maxDistance ?? dedupDefaults.maxDistance,
        minMatches: config.nearDuplicates?.minMatches ?? dedupDefaults.minMatches,
        benchmarks: (config.benchmarks ?? []).map((b) => ({
          name: b.name,
          paths: b.paths.map((p) => resolve(project.dir, p))
        }))
      },
      release: {
        projectDir: project.dir,
        split: { seed: project.config.split?.seed ?? 42, sftFraction: project.config.split?.sftFraction ?? 0.638 },
        formats: config.release?.formats ?? ["videokr", "llamafactory", "verl", "trl"],
        export: {
          outDir: project.exportDir,
          verl: config.release?.verlValSize === undefined ? undefined : { valSize: config.release.verlValSize }
        }
      },
      placed: yield* placedChecks(project, plugins),
      configPath: project.configPath
    })
    const estimateOf = estimates(config.consistency?.k ?? 2)
    return {
      stages: stages.map((s): PlannedStage => ({ ...s, estimate: estimateOf[s.name] })),
      frames: frames.mode === "uniform" ? frames.count : 8
    }
  })
