import { Effect, type Schema } from "effect"
import {
  askStructured,
  type Candidate,
  type PipelineServices,
  errorVerdict,
  knowledgePointValues,
  ModelRegistry,
  renderVisual,
  type SamplingSpec,
  type Verdict,
  videoInput,
  type VisualPrompt
} from "@videokr/core"

/**
 * What the frame-based filters share: pick the model for the candidate, sample the video's frames (or send
 * the video itself to a model that takes one), ask
 * with the rendered template, and turn the decoded answer into a verdict. A video that cannot be read
 * or a model that fails gives an error verdict.
 */
export const judgeFrames = <S extends Schema.Top & { readonly DecodingServices: never }>(
  spec: {
    readonly stage: string
    readonly model: string
    readonly frames: SamplingSpec
    readonly prompt: VisualPrompt
    readonly answer: S
  },
  candidate: Candidate,
  decide: (answer: S["Type"], modelId: string) => Verdict
): Effect.Effect<Verdict, never, PipelineServices> =>
  Effect.gen(function* () {
    const registry = yield* ModelRegistry
    const modelId = yield* registry.pick(spec.model, { step: spec.stage, item: candidate.id })
    return yield* Effect.gen(function* () {
      if (candidate.localPath === undefined)
        return { decision: "error" as const, reason: "the video is not downloaded", modelId }
      const input = yield* videoInput(modelId, candidate.localPath, spec.frames)
      const text = renderVisual(spec.prompt, input, {
        ...knowledgePointValues(candidate.knowledgePoint),
        title: candidate.video.title,
        description: candidate.video.description ?? "(none)"
      })
      const answer = yield* askStructured(modelId, spec.stage, text, input.parts, spec.answer, {
        temperature: 0,
        maxTokens: 200
      })
      return decide(answer, modelId)
    }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(modelId)(e))))
  }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(spec.model)(e))))
