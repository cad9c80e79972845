import { Effect } from "effect"
import { askText, errorVerdict, type ExampleValidator, frameParts, ModelRegistry } from "@videokr/core"
import { answered, answerPrompt, answerScore, renderAnswerPrompt } from "./Answering.ts"

/**
 * Stage 9, video dependency: a model answers from the question text plus the video's middle frame only;
 * an example it answers correctly does not need the video and is dropped.
 */
export interface VideoDependencyOptions {
  readonly model: string
  readonly threshold?: number | undefined
}

const middleFrame = { mode: "middle" as const, maxPixels: 448 * 448 }

export const videoDependency = (options: VideoDependencyOptions): ExampleValidator => {
  const threshold = options.threshold ?? 0.5
  return {
    id: "video-dependency",
    stage: "dependency",
    prompts: [answerPrompt],
    version: `${answerPrompt.name}:middle-frame:t${threshold}`,
    modelId: options.model,
    check: (example) =>
      Effect.gen(function* () {
        const registry = yield* ModelRegistry
        const modelId = yield* registry.pick(options.model, { step: "dependency", item: example.id })
        const images = yield* frameParts(example.videoPath, middleFrame)
        const output = yield* askText(
          modelId,
          "dependency",
          renderAnswerPrompt(example, "The image is a single frame from the middle of a video."),
          images,
          { temperature: 0, maxTokens: 1024 }
        )
        const score = answerScore(output, example)
        const evidence = { reference: example.answer, answer: answered(output), score }
        return score >= (example.problemType === "multiple choice" ? 1 : threshold)
          ? { decision: "drop" as const, reason: "answerable from the question and one frame", modelId, evidence }
          : { decision: "keep" as const, reason: "not answerable from one frame", modelId, evidence }
      }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(options.model)(e))))
  }
}
