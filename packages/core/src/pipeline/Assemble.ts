import { Effect } from "effect"
import { UsageError } from "../Errors.ts"
import type { ExampleValidator, PipelineServices, VideoFilter } from "../Filter.ts"
import type { VideoSourceShape } from "../VideoSource.ts"
import { contaminationStage, type DedupOptions, nearDuplicateStage } from "./Dedup.ts"
import { downloadStage } from "./Download.ts"
import { expansionStage, type SubjectToExpand } from "./Expansion.ts"
import { filterStage, validatorStage } from "./FilterStage.ts"
import { type GenerationOptions, generationStage } from "./Generation.ts"
import { pipelinePlan, type StageInput } from "./Plan.ts"
import { type ReleaseOptions, releaseStage } from "./Release.ts"
import { scenariosStage } from "./Scenarios.ts"
import { type Gates, searchStage, sourceFilesStage } from "./Search.ts"
import type { Stage } from "./Stage.ts"

/**
 * The pipeline assembled from the plan (Plan.ts): each built-in stage made with its settings, plugin
 * checks inserted after a stage or in place of one, and each stage told what the enabled stages before
 * it are, by what they work on (a filter reads the candidates every earlier candidate stage kept, a
 * validator the examples every earlier validator kept, and so on). A stage whose model, sources or
 * subjects are missing is left out, and the chain closes over it. The CLI, the benchmark and the
 * workers all run what this makes.
 */

/** The checks that run as default stages, made for a model: @videokr/filters provides them (`defaultChecks`). */
export interface DefaultChecks {
  readonly metadata: (model: string) => VideoFilter
  readonly visual: (model: string) => VideoFilter
  readonly safety: (model: string) => VideoFilter
  readonly consistency: (model: string) => ExampleValidator
  readonly dependency: (model: string) => ExampleValidator
  readonly verification: (model: string) => ExampleValidator
}

/** A plugin's check in its place: after a stage, or instead of one. */
export interface PlacedCheck {
  readonly check:
    | { readonly _tag: "filter"; readonly filter: VideoFilter }
    | { readonly _tag: "validator"; readonly validator: ExampleValidator }
  readonly after?: string | undefined
  readonly replaces?: string | undefined
  /** what it is called in messages (the `use` of pipeline.checks) */
  readonly label: string
}

export interface PipelineSettings {
  /** the model (or "pool:<name>") of a model key, when one is set */
  readonly modelOf: (modelKey: string) => string | undefined
  readonly checks: DefaultChecks
  /** the video sources, scanned when the first stage that needs them is built */
  readonly sources: Effect.Effect<ReadonlyArray<VideoSourceShape>, unknown>
  readonly hasSources: boolean
  readonly expand: { readonly subjects: ReadonlyArray<SubjectToExpand>; readonly count: number }
  readonly gates: Gates
  /** where downloads go */
  readonly downloadDir: string
  readonly generation: Omit<GenerationOptions, "model">
  readonly dedup: DedupOptions
  readonly release: Omit<ReleaseOptions, "exampleStages" | "videoStages">
  readonly placed: ReadonlyArray<PlacedCheck>
  /** the config file, named in messages about what is missing */
  readonly configPath: string
}

export interface AssembledStage {
  readonly name: string
  readonly input: StageInput
  readonly model: string | undefined
  /** why it is left out, when it is */
  readonly skipped: string | undefined
  /** whether it needs a model or a video source from the config (the whole-set checks and the release do not) */
  readonly configurable: boolean
  readonly build: Effect.Effect<Stage<any, any, PipelineServices>, unknown>
  /** why a plugin check cannot run (e.g. a missing key), asked before the run starts */
  readonly unready: (() => string | undefined) | undefined
}

/** Names of the enabled stages before one, by what they work on. */
export type StagesBefore = Readonly<Record<StageInput, ReadonlyArray<string>>>

interface Step {
  readonly name: string
  readonly input: StageInput
  readonly modelKey: string | undefined
  readonly needs: "sources" | "subjects" | undefined
  readonly unready?: (() => string | undefined) | undefined
  readonly build: (model: string, before: StagesBefore) => Effect.Effect<Stage<any, any, PipelineServices>, unknown>
}

const builtinBuild = (name: string, s: PipelineSettings): Step["build"] => {
  const candidates = (before: StagesBefore) => ({ passed: before.candidate, videoPassed: before.video })
  switch (name) {
    case "expand":
      return (model) => Effect.succeed(expansionStage(s.expand.subjects, model, s.expand.count))
    case "scenarios":
      return (model) => Effect.succeed(scenariosStage(model))
    case "sources":
      return () => Effect.map(s.sources, sourceFilesStage)
    case "search":
      return () => Effect.map(s.sources, (sources) => searchStage(sources, s.gates))
    case "download":
      return (_, before) =>
        Effect.map(s.sources, (sources) => downloadStage(sources, s.downloadDir, { passed: before.candidate }))
    case "metadata":
    case "visual":
    case "safety":
      return (model, before) => Effect.succeed(filterStage(s.checks[name](model), candidates(before)))
    case "generation":
      return (model, before) => Effect.succeed(generationStage({ ...s.generation, model }, candidates(before)))
    case "consistency":
    case "dependency":
    case "verification":
      return (model, before) => Effect.succeed(validatorStage(s.checks[name](model), before.example))
    case "contamination":
      return (_, before) =>
        Effect.succeed(
          contaminationStage(
            s.dedup,
            before.example.filter((x) => x !== "generation")
          )
        )
    case "near-duplicates":
      return () => Effect.succeed(nearDuplicateStage(s.dedup))
    case "release":
      return (_, before) =>
        Effect.succeed(
          releaseStage({
            ...s.release,
            exampleStages: before.example.filter((x) => x !== "generation"),
            videoStages: before.video.filter((x) => x !== "download")
          })
        )
    default:
      throw new Error(`no way to build stage "${name}" of the pipeline plan`)
  }
}

const placedStep = (p: PlacedCheck): Step =>
  p.check._tag === "filter"
    ? {
        name: p.check.filter.stage,
        input: "candidate",
        modelKey: undefined,
        needs: undefined,
        unready: p.check.filter.unready,
        build: (_, before) =>
          Effect.succeed(
            filterStage((p.check as { filter: VideoFilter }).filter, {
              passed: before.candidate,
              videoPassed: before.video
            })
          )
      }
    : {
        name: p.check.validator.stage,
        input: "example",
        modelKey: undefined,
        needs: undefined,
        unready: p.check.validator.unready,
        build: (_, before) =>
          Effect.succeed(validatorStage((p.check as { validator: ExampleValidator }).validator, before.example))
      }

export const assemblePipeline = (s: PipelineSettings): Effect.Effect<ReadonlyArray<AssembledStage>, UsageError> =>
  Effect.gen(function* () {
    const steps: Array<Step> = pipelinePlan.map((p) => ({
      name: p.name,
      input: p.input,
      modelKey: p.modelKey,
      needs: p.needs,
      build: builtinBuild(p.name, s)
    }))
    for (const p of s.placed) {
      const anchor = p.replaces ?? p.after
      const at = steps.findIndex((x) => x.name === anchor)
      if (anchor === undefined || at < 0) {
        return yield* new UsageError({
          reason: `${s.configPath}: pipeline.checks "${p.label}": set "after" or "replaces" to a stage (${steps.map((x) => x.name).join(", ")})`
        })
      }
      steps.splice(p.replaces !== undefined ? at : at + 1, p.replaces !== undefined ? 1 : 0, placedStep(p))
    }
    const before: Record<StageInput, Array<string>> = {
      subject: [],
      "knowledge point": [],
      file: [],
      scenario: [],
      candidate: [],
      video: [],
      example: [],
      final: []
    }
    return steps.map((step): AssembledStage => {
      const model = step.modelKey === undefined ? undefined : s.modelOf(step.modelKey)
      const skipped =
        step.needs === "subjects" && s.expand.subjects.length === 0
          ? `no subjects to expand: set pipeline.expand.subjects in ${s.configPath}`
          : step.needs === "sources" && !s.hasSources
            ? `no video sources: set pipeline.sources in ${s.configPath}`
            : step.modelKey !== undefined && model === undefined
              ? `no model for stage ${step.name}: set pipeline.models.${step.modelKey} in ${s.configPath} or pass --model`
              : undefined
      const snapshot = Object.fromEntries(
        Object.entries(before).map(([k, v]) => [k, [...v]])
      ) as unknown as StagesBefore
      if (skipped === undefined) before[step.input].push(step.name)
      return {
        name: step.name,
        input: step.input,
        model,
        skipped,
        unready: step.unready,
        configurable: (step.modelKey !== undefined || step.needs === "sources") && step.needs !== "subjects",
        build: Effect.suspend(() => step.build(model ?? "", snapshot))
      }
    })
  })

/** Every stage the settings enable, built, in order (the benchmark and tests run them as they are). */
export const buildPipeline = (s: PipelineSettings) =>
  Effect.flatMap(assemblePipeline(s), (stages) =>
    Effect.forEach(
      stages.filter((x) => x.skipped === undefined),
      (x) => x.build
    )
  )
