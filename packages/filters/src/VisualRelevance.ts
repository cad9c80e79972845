import { Schema } from "effect"
import { defaultFrames, type SamplingSpec, type VideoFilter, visualPrompt } from "@videokr/core"
import { judgeFrames } from "./FrameJudge.ts"

/**
 * Stage 5, visual relevance: a multimodal model looks at frames sampled evenly from the downloaded video
 * and judges whether it visibly shows the knowledge point (prompts/visual.v1.md).
 */
const prompt = visualPrompt("visual", "v1")
const Answer = Schema.Struct({ relevant: Schema.Boolean, reason: Schema.String })

export const visualRelevance = (model: string, frames: SamplingSpec = defaultFrames): VideoFilter => ({
  id: "visual-relevance",
  stage: "visual",
  prompts: [prompt.frames, prompt.video],
  version: `${prompt.frames.name}:${JSON.stringify(frames)}`,
  modelId: model,
  decide: (candidate) =>
    judgeFrames({ stage: "visual", model, frames, prompt, answer: Answer }, candidate, (a, modelId) => ({
      decision: a.relevant ? "keep" : "drop",
      reason: a.reason,
      modelId,
      evidence: { knowledge_point: candidate.knowledgePoint.knowledge_point }
    }))
})
