import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BadRequest } from "@videokr/core"
import { metadataRelevance } from "../src/MetadataRelevance.ts"
import { scriptedModels } from "@videokr/core/testing"

const candidate = {
  id: "youtube:Xk3vQ9pL2aB@kp-chem-002",
  localPath: undefined,
  video: {
    id: "youtube:Xk3vQ9pL2aB",
    source: "youtube",
    source_id: "Xk3vQ9pL2aB",
    url: "https://www.youtube.com/watch?v=Xk3vQ9pL2aB",
    license: "CC BY",
    duration: 312,
    title: "Acid-base titration with a burette",
    tags: ["chemistry", "titration"]
  },
  knowledgePoint: {
    id: "kp-chem-002",
    discipline: "Natural Sciences" as const,
    subject: "Chemistry",
    course: "Analytical Chemistry",
    lecture: "Titration",
    knowledge_point: "Acid-base titration"
  }
}

describe("metadata relevance filter", () => {
  it.effect("asks with the knowledge point and the video's metadata, and keeps or drops by the answer", () =>
    Effect.gen(function* () {
      const yes = scriptedModels(() => '{"relevant": true, "reason": "the title names the procedure"}')
      const kept = yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(yes.layer))
      expect(kept).toEqual({
        decision: "keep",
        reason: "the title names the procedure",
        modelId: "test:model",
        evidence: { knowledge_point: "Acid-base titration", title: "Acid-base titration with a burette" }
      })
      const prompt = yes.asked[0]!.text
      expect(prompt).toContain("Knowledge point: Acid-base titration")
      expect(prompt).toContain("Video title: Acid-base titration with a burette")
      expect(prompt).toContain("Video tags: chemistry, titration")
      expect(prompt).toContain("Video description: (none)")
      expect(yes.asked[0]!.images).toBe(0)
      const no = scriptedModels(() => '{"relevant": false, "reason": "a cooking video"}')
      expect((yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(no.layer))).decision).toBe(
        "drop"
      )
    })
  )

  it.effect("a model error or an answer that is not the structure is an error verdict, never a crash", () =>
    Effect.gen(function* () {
      const failing = scriptedModels(() => new BadRequest({ provider: "test", model: "test:text", detail: "refused" }))
      expect(
        yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(failing.layer))
      ).toMatchObject({
        decision: "error",
        reason: expect.stringMatching(/^BadRequest: /)
      })
      const garbled = scriptedModels(() => "relevant, probably")
      const v = yield* metadataRelevance("test:model").decide(candidate).pipe(Effect.provide(garbled.layer))
      expect(v).toMatchObject({ decision: "error", reason: expect.stringMatching(/^InvalidOutput: /) })
      expect(garbled.asked).toHaveLength(2) // the answer and one repair request
    })
  )
})
