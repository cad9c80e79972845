import { type ModelsConfig, parseModelId } from "@videokr/core"
import type { EvalMode, FramesSpec, TaskRun } from "./Runner.ts"

/**
 * What makes a result reproducible, stored with it and written into the results file: the model and its
 * endpoint (never a key), frames, fps and the resolution budget, the mode, the judge, the decoder and the
 * versions. Per task, the prompt template's hash and the generation parameters are added (taskRecord).
 */
export interface RunRecord {
  readonly model: { readonly id: string; readonly provider: string; readonly endpoint: string; readonly name: string }
  readonly mode: EvalMode
  readonly frames: FramesSpec
  readonly judge: string | null
  readonly decoder: { readonly ffmpeg: string; readonly ffprobe: string }
  readonly versions: { readonly videokr: string; readonly node: string }
}

const defaultEndpoints: Record<string, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com"
}

export const reproducibilityRecord = (input: {
  readonly model: string
  readonly config: ModelsConfig
  readonly frames: FramesSpec
  readonly mode: EvalMode
  readonly judge: string | undefined
  readonly decoder: { readonly ffmpeg: string; readonly ffprobe: string }
  readonly videokr: string
}): RunRecord => {
  const parsed = parseModelId(input.model)
  const id = "provider" in parsed ? parsed : { provider: "unknown", model: input.model, baseURL: undefined }
  const endpoint =
    id.baseURL ?? input.config.providers?.[id.provider]?.baseURL ?? defaultEndpoints[id.provider] ?? id.provider
  return {
    model: { id: input.model, provider: id.provider, endpoint, name: id.model },
    mode: input.mode,
    frames: input.frames,
    judge: input.judge ?? null,
    decoder: input.decoder,
    versions: { videokr: input.videokr, node: process.version }
  }
}

/** The record of one task's run: the run's, with the task's prompt template hash and generation parameters. */
export const taskRecord = (record: RunRecord, run: TaskRun) => ({
  ...record,
  task: run.task.name,
  promptTemplateHash: run.promptTemplateHash,
  generation: run.task.generation,
  dataRoot: run.root
})
