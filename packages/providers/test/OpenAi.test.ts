import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Schema } from "effect"
import type { ChatRequest } from "@videokr/core"
import { makeOpenAi } from "../src/OpenAi.ts"
import { structured } from "@videokr/core"
import { startLoopbackServer, type LoopbackServer } from "../src/testing/LoopbackServer.ts"
import { chatCompletionReply, lastUserText } from "../src/testing/OpenAiWire.ts"

const secret = "sk-test-DO-NOT-LEAK-4242"
let server: LoopbackServer
afterEach(() => server?.close())

const start = async (answer: (body: any) => string = (b) => `echo: ${lastUserText(b)}`) => {
  server = await startLoopbackServer(chatCompletionReply(answer))
  return makeOpenAi({
    id: "openai-compatible:test",
    baseURL: `${server.url}/v1`,
    apiKey: Redacted.make(secret),
    timeoutMs: 2_000
  })
}

const frame = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString("base64")
const request: ChatRequest = {
  model: "qwen2.5-vl-7b",
  messages: [
    { role: "system", content: "You answer questions about videos." },
    {
      role: "user",
      content: [
        { type: "image", mediaType: "image/jpeg", data: frame, detail: "low" },
        { type: "text", text: "What apparatus is shown?" }
      ]
    }
  ],
  params: { temperature: 0.1, topP: 0.001, maxTokens: 64 }
}

const failure = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined

describe("OpenAI-compatible provider (real SDK, loopback server)", () => {
  it.effect("sends text, frames as JPEG data URLs and generation parameters; reads text and usage", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start())
      const response = yield* provider.chat(request)
      expect(response).toMatchObject({
        text: "echo: What apparatus is shown?",
        finishReason: "stop",
        provider: "openai-compatible:test",
        model: "qwen2.5-vl-7b"
      })
      expect(response.usage.inputTokens).toBeGreaterThan(0)
      const sent = server.requests[0]!
      expect(sent.path).toBe("/v1/chat/completions")
      expect(sent.headers.authorization).toBe(`Bearer ${secret}`)
      const body = sent.body as any
      expect(body).toMatchObject({ model: "qwen2.5-vl-7b", temperature: 0.1, top_p: 0.001, max_tokens: 64 })
      expect(body.messages[1].content[0]).toEqual({
        type: "image_url",
        image_url: { url: `data:image/jpeg;base64,${frame}`, detail: "low" }
      })
    })
  )

  it.effect("maps 429 with Retry-After to RateLimited, and the key appears in no error", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start())
      server.faults.push({
        kind: "status",
        status: 429,
        headers: { "retry-after": "3" },
        body: { error: { message: "Rate limit reached for requests", type: "requests" } }
      })
      const error = failure(yield* Effect.exit(provider.chat(request)))
      expect(error._tag).toBe("RateLimited")
      expect(error.retryAfterMs).toBe(3000)
      expect(JSON.stringify(error) + error.message).not.toContain(secret)
    })
  )

  it.effect("maps 401, 400, 500, timeouts, malformed and truncated bodies to typed errors", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start())
      const cases: Array<[Parameters<typeof server.faults.push>[0], string]> = [
        [
          {
            kind: "status",
            status: 401,
            body: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } }
          },
          "AuthFailed"
        ],
        [
          {
            kind: "status",
            status: 400,
            body: { error: { message: "Too many images", type: "invalid_request_error" } }
          },
          "BadRequest"
        ],
        [
          {
            kind: "status",
            status: 400,
            body: {
              error: { message: "Your request was rejected by our content_filter", type: "invalid_request_error" }
            }
          },
          "ContentFiltered"
        ],
        [{ kind: "status", status: 503 }, "ServerError"],
        [{ kind: "slow", ms: 600_000 }, "Timeout"],
        [{ kind: "malformed" }, "ServerError"],
        [{ kind: "truncated" }, "ServerError"]
      ]
      for (const [fault, tag] of cases) {
        server.faults.push(fault)
        const error = failure(yield* Effect.exit(provider.chat(request)))
        expect([fault.kind, error?._tag]).toEqual([fault.kind, tag])
        expect(error.message).not.toContain(secret)
      }
    })
  )

  it.effect("refuses requests a server cannot take before sending them", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => start())
      const limited = makeOpenAi({
        id: "openai-compatible:small",
        baseURL: `${server.url}/v1`,
        apiKey: undefined,
        capabilities: { maxImages: 0 }
      })
      const error = failure(yield* Effect.exit(limited.chat(request)))
      expect(error._tag).toBe("BadRequest")
      expect(server.requests).toHaveLength(0)
    })
  )

  it.effect("structured output: sends the JSON schema, decodes the answer, repairs once, then fails typed", () =>
    Effect.gen(function* () {
      const Verdict = Schema.Struct({ relevant: Schema.Boolean, reason: Schema.String })
      const answers = [
        '```json\n{"relevant": true, "reason": "a burette is shown"}\n```',
        '{"relevant": "yes"}',
        '{"relevant": false, "reason": "no lab"}',
        "nope",
        "still nope"
      ]
      const provider = yield* Effect.promise(() => start(() => answers.shift()!))
      expect(yield* structured(provider, request, Verdict, "verdict")).toEqual({
        relevant: true,
        reason: "a burette is shown"
      })
      const sent = server.requests[0]!.body as any
      expect(sent.response_format).toMatchObject({
        type: "json_schema",
        json_schema: { name: "verdict", schema: { type: "object", required: ["relevant", "reason"] } }
      })
      expect(yield* structured(provider, request, Verdict, "verdict")).toEqual({ relevant: false, reason: "no lab" })
      const repair = (server.requests[2]!.body as any).messages
      expect(repair.at(-2)).toEqual({ role: "assistant", content: '{"relevant": "yes"}' })
      expect(repair.at(-1).content).toMatch(/does not follow the required JSON structure/)
      const error = failure(yield* Effect.exit(structured(provider, request, Verdict, "verdict")))
      expect(error).toMatchObject({ _tag: "InvalidOutput", output: "still nope" })
    })
  )
})
