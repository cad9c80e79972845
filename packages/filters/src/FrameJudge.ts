import { Effect, type Schema } from "effect"
import {
  askStructured,
  type Candidate,
  type PipelineServices,
  errorVerdict,
  frameParts,
  knowledgePointValues,
  ModelRegistry,
  type PromptTemplate,
  render,
  type SamplingSpec,
  type Verdict
} from "@videokr/core"

/**
 * What the frame-based filters share: pick the model for the candidate, sample the video's frames, ask
 * with the rendered template, and turn the decoded answer into a verdict. A video that cannot be read
 * or a model that fails gives an error verdict.
 */
export const judgeFrames = <S extends Schema.Top & { readonly DecodingServices: never }>(
  spec: {
    readonly stage: string
    readonly model: string
    readonly frames: SamplingSpec
    readonly prompt: PromptTemplate
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
      const images = yield* frameParts(candidate.localPath, spec.frames)
      const text = render(spec.prompt.text, {
        ...knowledgePointValues(candidate.knowledgePoint),
        title: candidate.video.title,
        description: candidate.video.description ?? "(none)",
        frame_count: String(images.length)
      })
      const answer = yield* askStructured(modelId, spec.stage, text, images, spec.answer, {
        temperature: 0,
        maxTokens: 200
      })
      return decide(answer, modelId)
    }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(modelId)(e))))
  }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(spec.model)(e))))
