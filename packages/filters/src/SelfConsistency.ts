import { Effect } from "effect"
import {
  askText,
  defaultFrames,
  errorVerdict,
  type ExampleValidator,
  ModelRegistry,
  type ModelUnavailable,
  type SamplingSpec,
  videoInput
} from "@videokr/core"
import { answered, answerPrompt, answerScore, renderAnswerPrompt } from "./Answering.ts"

/**
 * Stage 8, self-consistency: k models of the pool other than the example's generator answer it
 * independently from the frames; every answer must agree with the reference answer (exact letter for
 * multiple choice, ROUGE at least `threshold` for open-ended). With fewer eligible models than k, those
 * there are answer; with none, the example cannot be checked and gets an error verdict.
 */
export interface SelfConsistencyOptions {
  readonly model: string
  readonly k: number
  readonly threshold: number
  readonly frames: SamplingSpec
}

export const selfConsistency = (o: Partial<SelfConsistencyOptions> & { readonly model: string }): ExampleValidator => {
  const options: SelfConsistencyOptions = { k: 2, threshold: 0.5, frames: defaultFrames, ...o }
  return {
    id: "self-consistency",
    stage: "consistency",
    prompts: [answerPrompt],
    version: `${answerPrompt.name}:k${options.k}:t${options.threshold}:${JSON.stringify(options.frames)}`,
    modelId: options.model,
    check: (example) =>
      Effect.gen(function* () {
        const registry = yield* ModelRegistry
        const excluded = new Set([example.generatorModel])
        const models: Array<string> = []
        for (let draw = 0; draw < options.k; draw++) {
          const picked = yield* Effect.result(
            registry.pick(options.model, { step: "consistency", item: example.id, draw, excluded })
          )
          if (picked._tag === "Failure") break
          models.push(picked.success)
          excluded.add(picked.success)
        }
        if (models.length === 0)
          return {
            decision: "error" as const,
            reason: `no model of ${options.model} other than the generator ${example.generatorModel}`,
            modelId: options.model
          }
        // each model sees the frames, or the video itself when it takes one
        const answers = yield* Effect.forEach(models, (m) =>
          Effect.gen(function* () {
            const input = yield* videoInput(m, example.videoPath, options.frames)
            const prompt = renderAnswerPrompt(
              example,
              input.frames === undefined
                ? "The video is attached."
                : `The images are ${input.frames} frames sampled evenly from a video.`
            )
            const output = yield* askText(m, "consistency", prompt, input.parts, { temperature: 0, maxTokens: 1024 })
            return { model: m, output, score: answerScore(output, example) }
          })
        )
        const disagreeing = answers.filter(
          (a) => a.score < (example.problemType === "multiple choice" ? 1 : options.threshold)
        )
        const evidence = {
          reference: example.answer,
          answers: answers.map((a) => ({ model: a.model, answer: answered(a.output), score: a.score }))
        }
        if (disagreeing.length > 0) {
          return {
            decision: "drop" as const,
            reason: `${disagreeing.length} of ${answers.length} independent answers disagree (${disagreeing.map((a) => `${a.model}: ${answered(a.output).slice(0, 40)}`).join("; ")})`,
            modelId: models.join(","),
            evidence
          }
        }
        return {
          decision: "keep" as const,
          reason: `${answers.length} independent answer(s) agree`,
          modelId: models.join(","),
          evidence
        }
      }).pipe(
        Effect.catch((e: ModelUnavailable | { readonly _tag: string; readonly message: string }) =>
          Effect.succeed(errorVerdict(options.model)(e))
        )
      )
  }
}
