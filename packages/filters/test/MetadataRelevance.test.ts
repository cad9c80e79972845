import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { BadRequest, type BoundModel, type ChatRequest, ModelRegistry } from "@videokr/core"
import { metadataRelevance } from "../src/MetadataRelevance.ts"

// A registry whose one model answers from a function: enough to test the filter's own logic (the real
// providers and the scripted model are exercised end to end by the CLI tests).
const registryWith = (answer: (prompt: string) => string) => {
  const prompts: Array<string> = []
  const model: BoundModel = {
    id: "test:model",
    chat: (request: Omit<ChatRequest, "model">) => {
      const text = String(request.messages.at(-1)!.content)
      prompts.push(text)
      const reply = answer(text)
      return reply === "FAIL"
        ? Effect.fail(new BadRequest({ provider: "test", model: "model", detail: "refused" }))
        : Effect.succeed({ text: reply, finishReason: "stop", usage: { inputTokens: 1, outputTokens: 1 }, provider: "test", model: "model" })
    }
  }
  return { prompts, layer: Layer.succeed(ModelRegistry, { resolve: () => Effect.succeed(model) }) }
}

const candidate = {
  video: { id: "youtube:Xk3vQ9pL2aB", source: "youtube", source_id: "Xk3vQ9pL2aB", url: "https://www.youtube.com/watch?v=Xk3vQ9pL2aB", license: "CC BY", duration: 312, title: "Acid-base titration with a burette", tags: ["chemistry", "titration"] },
  knowledgePoint: { id: "kp-chem-002", discipline: "Natural Sciences" as const, subject: "Chemistry", course: "Analytical Chemistry", lecture: "Titration", knowledge_point: "Acid-base titration" }
}

describe("metadata relevance filter", () => {
  it.effect("asks with the knowledge point and the video's metadata, and keeps or drops by the answer", () =>
    Effect.gen(function* () {
      const yes = registryWith(() => '{"relevant": true, "reason": "the title names the procedure"}')
      const kept = yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(yes.layer))
      expect(kept).toEqual({ decision: "keep", reason: "the title names the procedure", modelId: "test:model", evidence: { knowledge_point: "Acid-base titration", title: "Acid-base titration with a burette" } })
      expect(yes.prompts[0]).toContain("Knowledge point: Acid-base titration")
      expect(yes.prompts[0]).toContain("Video title: Acid-base titration with a burette")
      expect(yes.prompts[0]).toContain("Video tags: chemistry, titration")
      expect(yes.prompts[0]).toContain("Video description: (none)")
      const no = registryWith(() => '{"relevant": false, "reason": "a cooking video"}')
      expect((yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(no.layer))).decision).toBe("drop")
    }))

  it.effect("a model error or an answer that is not the structure is an error verdict, never a crash", () =>
    Effect.gen(function* () {
      const failing = registryWith(() => "FAIL")
      expect(yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(failing.layer))).toMatchObject({ decision: "error", reason: expect.stringMatching(/^BadRequest: /) })
      const garbled = registryWith(() => "relevant, probably")
      const v = yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(garbled.layer))
      expect(v).toMatchObject({ decision: "error", reason: expect.stringMatching(/^InvalidOutput: /) })
      expect(garbled.prompts).toHaveLength(2) // the answer and one repair request
    }))
})
