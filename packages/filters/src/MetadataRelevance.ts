import { Effect, Schema } from "effect"
import {
  askStructured,
  errorVerdict,
  knowledgePointValues,
  promptTemplate,
  render,
  type VideoFilter
} from "@videokr/core"

/**
 * Stage 3, metadata relevance: a text model judges a candidate's title, description and tags against
 * its knowledge point (prompt template packages/core/prompts/metadata.v1.md). Cheap, so it runs before
 * anything is downloaded.
 */
const prompt = promptTemplate("metadata.v1")
const Answer = Schema.Struct({ relevant: Schema.Boolean, reason: Schema.String })

export const metadataRelevance = (modelId: string): VideoFilter => ({
  id: "metadata-relevance",
  stage: "metadata",
  prompts: [prompt],
  version: prompt.name,
  modelId,
  decide: ({ video, knowledgePoint }) =>
    Effect.gen(function* () {
      const text = render(prompt.text, {
        ...knowledgePointValues(knowledgePoint),
        title: video.title,
        description: video.description ?? "(none)",
        tags: (video.tags ?? []).join(", ") || "(none)"
      })
      const answer = yield* askStructured(modelId, "metadata", text, [], Answer, { temperature: 0, maxTokens: 120 })
      return {
        decision: answer.relevant ? ("keep" as const) : ("drop" as const),
        reason: answer.reason,
        modelId,
        evidence: { knowledge_point: knowledgePoint.knowledge_point, title: video.title }
      }
    }).pipe(Effect.catch((e) => Effect.succeed(errorVerdict(modelId)(e))))
})
