/**
 * The pipeline's built-in stages as data, in order: what each works on, what one of its items is, the
 * config key of its model, whether it decides over the whole set, and how many items it takes at once
 * by default. The run's wiring (videokr run), the funnel's order and units, the review app and the
 * benchmark all read this one definition; plugin checks join it at run time (after a stage, or in its place).
 */

/** What a stage's items are, which decides which earlier stages it follows. */
export type StageInput =
  | "subject"
  | "knowledge point"
  | "file"
  | "scenario"
  | "candidate"
  | "video"
  | "example"
  | "final"

export interface PlannedStageInfo {
  readonly name: string
  readonly input: StageInput
  /** what one item is, as `videokr funnel` counts them */
  readonly unit: string
  /** its model in pipeline.models, when it asks one */
  readonly modelKey?: string | undefined
  /** decides over the whole set, once every earlier stage is done */
  readonly barrier?: boolean | undefined
  /** items at once when the config does not say (pipeline.concurrency): `run` means the run's --concurrency */
  readonly concurrency: "run" | number
  /** what the config must give besides a model for the stage to run: video sources, or subjects to expand */
  readonly needs?: "sources" | "subjects" | undefined
  /** done by the run itself even when workers do the rest (`videokr run --queue`): its items are decisions already made */
  readonly local?: boolean | undefined
}

const candidate = (name: string): PlannedStageInfo => ({
  name,
  input: "candidate",
  unit: "video@knowledge point",
  modelKey: name,
  concurrency: "run"
})
const validator = (name: string): PlannedStageInfo => ({
  name,
  input: "example",
  unit: "examples",
  modelKey: name,
  concurrency: "run"
})

export const pipelinePlan: ReadonlyArray<PlannedStageInfo> = [
  { name: "expand", input: "subject", unit: "subjects", modelKey: "expand", concurrency: "run", needs: "subjects" },
  { name: "scenarios", input: "knowledge point", unit: "knowledge points", modelKey: "scenarios", concurrency: "run" },
  { name: "sources", input: "file", unit: "files", concurrency: "run", needs: "sources", local: true },
  { name: "search", input: "scenario", unit: "scenarios", concurrency: "run", needs: "sources" },
  candidate("metadata"),
  // downloads share the network and the disk: two at a time unless the config says otherwise
  { name: "download", input: "video", unit: "videos", concurrency: 2, needs: "sources" },
  candidate("visual"),
  candidate("safety"),
  { name: "generation", input: "example", unit: "video@kp#skill-slot", modelKey: "generation", concurrency: "run" },
  validator("consistency"),
  validator("dependency"),
  validator("verification"),
  { name: "contamination", input: "video", unit: "videos", concurrency: "run" },
  { name: "near-duplicates", input: "video", unit: "videos", barrier: true, concurrency: "run", local: true },
  { name: "release", input: "final", unit: "examples", barrier: true, concurrency: "run", local: true }
]

/** The built-in stages' names, in pipeline order. */
export const pipelineStageNames: ReadonlyArray<string> = pipelinePlan.map((s) => s.name)

/** The stages a run spread over workers decides itself (`local`), handing the others out. */
export const localStageNames: ReadonlySet<string> = new Set(
  pipelinePlan.filter((s) => s.local === true).map((s) => s.name)
)

/** A built-in stage's place in the pipeline (a plugin's stage, unknown here, comes last). */
export const pipelineRank = (stage: string): number => {
  const i = pipelineStageNames.indexOf(stage)
  return i < 0 ? pipelineStageNames.length : i
}

/** What one item of a stage is ("items" for a plugin's stage). */
export const stageUnitOf = (stage: string): string => pipelinePlan.find((s) => s.name === stage)?.unit ?? "items"

/** A built-in stage's entry; a name not in the plan is a programming error. */
export const planOf = (stage: string): PlannedStageInfo => {
  const found = pipelinePlan.find((s) => s.name === stage)
  if (found === undefined) throw new Error(`no stage "${stage}" in the pipeline plan`)
  return found
}
