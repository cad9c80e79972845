import { Schema } from "effect"
import { defaultFrames, type SamplingSpec, type VideoFilter, visualPrompt } from "@videokr/core"
import { judgeFrames } from "./FrameJudge.ts"

/**
 * Stage 6, safety moderation by a model prompt over frames and metadata (prompts/safety.v1.md). A video
 * flagged for any category is dropped with the category as evidence. Another moderation service (a
 * provider's moderation endpoint) plugs in as a VideoFilter with stage "safety".
 */
const prompt = visualPrompt("safety", "v1")
const Answer = Schema.Struct({ safe: Schema.Boolean, category: Schema.String, reason: Schema.String })

export const safetyModeration = (model: string, frames: SamplingSpec = defaultFrames): VideoFilter => ({
  id: "safety-moderation",
  stage: "safety",
  prompts: [prompt.frames, prompt.video],
  version: `${prompt.frames.name}:${JSON.stringify(frames)}`,
  modelId: model,
  decide: (candidate) =>
    judgeFrames({ stage: "safety", model, frames, prompt, answer: Answer }, candidate, (a, modelId) => ({
      decision: a.safe ? "keep" : "drop",
      reason: a.safe ? "nothing flagged" : `flagged (${a.category}): ${a.reason}`,
      modelId,
      evidence: { category: a.category }
    }))
})
