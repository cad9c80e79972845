import { Effect, Schema } from "effect"
import {
  askStructured,
  defaultFrames,
  errorVerdict,
  type ExampleValidator,
  knowledgePointValues,
  ModelRegistry,
  renderVisual,
  type SamplingSpec,
  videoInput,
  visualPrompt
} from "@videokr/core"

/**
 * Stage 10, rationale verification: a verifier model other than the generator checks the rationale step
 * by step against the frames and the knowledge point (prompts/verify.v1.md); the first wrong step is the
 * evidence of a drop.
 */
const prompt = visualPrompt("verify", "v1")
const Answer = Schema.Struct({ valid: Schema.Boolean, failed_step: Schema.Int, reason: Schema.String })

export const rationaleVerifier = (model: string, frames: SamplingSpec = defaultFrames): ExampleValidator => ({
  id: "rationale-verifier",
  stage: "verification",
  prompts: [prompt.frames, prompt.video],
  version: `${prompt.frames.name}:${JSON.stringify(frames)}`,
  modelId: model,
  check: (example) =>
    Effect.gen(function* () {
      const registry = yield* ModelRegistry
      const modelId = yield* registry.pick(model, {
        step: "verification",
        item: example.id,
        excluded: new Set([example.generatorModel])
      })
      const input = yield* videoInput(modelId, example.videoPath, frames)
      const text = renderVisual(prompt, input, {
        ...knowledgePointValues(example.knowledgePoint),
        question: example.question,
        options:
          example.options === undefined
            ? ""
            : `Options: ${Object.entries(example.options)
                .map(([l, t]) => `${l}. ${t}`)
                .join("; ")}`,
        answer: example.answer,
        rationale: example.rationale
      })
      const a = yield* askStructured(modelId, "verification", text, input.parts, Answer, {
        temperature: 0,
        maxTokens: 300
      })
      return a.valid
        ? { decision: "keep" as const, reason: "every step checks out", modelId }
        : { decision: "drop" as const, reason: `step ${a.failed_step} fails: ${a.reason}`, modelId, evidence: a }
    }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(model)(e))))
})
