import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkConformance, scriptedModels, testVideos } from "@videokr/core/testing"
import { type LoopbackServer, startLoopbackServer } from "@videokr/providers/testing"
import { openAiModeration } from "../src/OpenAiModeration.ts"

// the moderation endpoint's wire format, on loopback: flags inputs whose text says "graphic"
let server: LoopbackServer | undefined
afterAll(() => server?.close())
const start = async () => {
  server = await startLoopbackServer((r) => {
    const input = (r.body as any).input as Array<any>
    const text = input.find((p) => p.type === "text")?.text ?? ""
    const flagged = /graphic/i.test(text)
    return {
      body: {
        id: "modr-1",
        model: (r.body as any).model,
        results: [
          {
            flagged,
            categories: { violence: flagged, "violence/graphic": flagged, sexual: false },
            category_scores: { violence: flagged ? 0.91 : 0.01, "violence/graphic": flagged ? 0.87 : 0.0, sexual: 0.0 },
            category_applied_input_types: {
              violence: ["text", "image"],
              "violence/graphic": ["text", "image"],
              sexual: ["text"]
            }
          }
        ]
      }
    }
  })
  return server
}

const videos = testVideos()
const candidate = (title: string) => ({
  id: "local:bars.mp4@kp-phys-003",
  localPath: videos.bars,
  video: {
    id: "local:bars.mp4",
    source: "local",
    source_id: "bars.mp4",
    url: "file://bars.mp4",
    license: "CC BY",
    duration: 10,
    title
  },
  knowledgePoint: {
    id: "kp-phys-003",
    discipline: "Natural Sciences" as const,
    subject: "Physics",
    course: "Mechanics",
    lecture: "Momentum",
    knowledge_point: "Conservation of linear momentum"
  }
})

describe("OpenAI moderation filter", () => {
  it.live("sends the title and frames to /v1/moderations and drops what is flagged, with categories and scores", () =>
    Effect.gen(function* () {
      const s = yield* Effect.promise(start)
      const filter = openAiModeration({ baseURL: `${s.url}/v1`, env: { OPENAI_API_KEY: "sk-mod-test" } })
      const layer = scriptedModels(() => "unused").layer
      const flagged = yield* filter.decide(candidate("Car crash test (graphic footage)")).pipe(Effect.provide(layer))
      expect(flagged).toMatchObject({
        decision: "drop",
        reason: "flagged (violence, violence/graphic) by the moderation endpoint",
        evidence: { scores: { violence: 0.91 } }
      })
      const clean = yield* filter.decide(candidate("Colour bars for calibration")).pipe(Effect.provide(layer))
      expect(clean).toMatchObject({
        decision: "keep",
        reason: "nothing flagged",
        evidence: { scores: { violence: 0.01, "violence/graphic": 0, sexual: 0 } }
      })
      const request = s.requests[0]!
      expect(request.path).toBe("/v1/moderations")
      expect(request.headers.authorization).toBe("Bearer sk-mod-test")
      expect((request.body as any).model).toBe("omni-moderation-latest")
      expect((request.body as any).input.filter((p: any) => p.type === "image_url")).toHaveLength(4)
    })
  )

  it.live("without a key it is an error verdict naming the variable, and nothing is sent", () =>
    Effect.gen(function* () {
      const v = yield* openAiModeration({ baseURL: "http://127.0.0.1:9/v1", env: {} })
        .decide(candidate("x"))
        .pipe(Effect.provide(scriptedModels(() => "").layer))
      expect(v).toMatchObject({
        decision: "error",
        reason: "the moderation endpoint needs an API key: set OPENAI_API_KEY"
      })
    })
  )

  it.live(
    "an endpoint that is down leaves the video pending (a transient error); a request it refuses is a final error",
    () =>
      Effect.gen(function* () {
        const down = yield* Effect.promise(() =>
          startLoopbackServer(() => ({
            status: 400,
            body: { error: { message: "Invalid image", type: "invalid_request_error" } }
          }))
        )
        const filter = openAiModeration({ baseURL: `${down.url}/v1`, env: { OPENAI_API_KEY: "sk-mod-test" } })
        const layer = scriptedModels(() => "unused").layer
        const refused = yield* filter.decide(candidate("x")).pipe(Effect.provide(layer))
        expect(refused).toMatchObject({ decision: "error", reason: expect.stringContaining("Invalid image") })
        expect(refused.transient).toBeUndefined()
        yield* Effect.promise(() => down.down("refuse"))
        const pending = yield* filter.decide(candidate("x")).pipe(Effect.provide(layer))
        expect(pending).toMatchObject({ decision: "error", transient: true })
        yield* Effect.promise(() => down.close())
      })
  )
})

// the kit too: the filter asks its own endpoint (here the loopback one), not the run's models, so the
// kit's checks of model failures and prompts do not apply; its verdicts, reasons, evidence and input hash do
describe("OpenAI moderation passes the check kit", () => {
  for (const check of checkConformance) {
    it(check.name, async () => {
      const s = server ?? (await start())
      await check.run({
        make: (model) => openAiModeration({ model, baseURL: `${s.url}/v1`, env: { OPENAI_API_KEY: "sk-mod-test" } }),
        answer: () => "unused"
      })
    })
  }
})
