import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Schema } from "effect"
import type { ChatRequest } from "@videokr/core"
import { makeAnthropic } from "../src/Anthropic.ts"
import { structured } from "@videokr/core"
import { lastUserTextOfMessages, messagesReply } from "../src/testing/AnthropicWire.ts"
import { startLoopbackServer, type LoopbackServer } from "../src/testing/LoopbackServer.ts"

const secret = "sk-ant-test-NEVER-SHOWN"
let server: LoopbackServer
afterEach(() => server?.close())

const start = async (
  answer: (body: any) => string | Record<string, unknown> = (b) => `seen: ${lastUserTextOfMessages(b)}`
) => {
  server = await startLoopbackServer(messagesReply(answer))
  return makeAnthropic({ baseURL: server.url, apiKey: Redacted.make(secret), timeoutMs: 2_000 })
}

const frame = Buffer.from("fake-jpeg").toString("base64")
const request: ChatRequest = {
  model: "claude-test-model",
  messages: [
    { role: "system", content: "You are a careful annotator." },
    {
      role: "user",
      content: [
        { type: "image", mediaType: "image/jpeg", data: frame },
        { type: "text", text: "Name the instrument." }
      ]
    }
  ],
  params: { temperature: 0.2, maxTokens: 300 }
}
const failure = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined

describe("Anthropic provider (real SDK, loopback server)", () => {
  it.effect("sends system, base64 image blocks and parameters with the key; reads text and usage", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start())
      const r = yield* provider.chat(request)
      expect(r).toMatchObject({
        text: "seen: Name the instrument.",
        finishReason: "end_turn",
        provider: "anthropic",
        model: "claude-test-model"
      })
      const sent = server.requests[0]!
      // this SDK version sends the key as a bearer token (older ones: x-api-key)
      expect(sent.headers["x-api-key"] ?? sent.headers.authorization).toMatch(new RegExp(`^(Bearer )?${secret}$`))
      expect(sent.headers["anthropic-version"]).toBeDefined()
      expect(sent.body).toMatchObject({
        model: "claude-test-model",
        max_tokens: 300,
        temperature: 0.2,
        system: "You are a careful annotator."
      })
      expect((sent.body as any).messages[0].content[0]).toEqual({
        type: "image",
        source: { type: "base64", media_type: "image/jpeg", data: frame }
      })
    })
  )

  it.effect("structured output is a forced tool call; its input is the answer", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start(() => ({ instrument: "burette", confidence: 0.9 })))
      const Answer = Schema.Struct({ instrument: Schema.String, confidence: Schema.Finite })
      expect(yield* structured(provider, request, Answer, "answer")).toEqual({ instrument: "burette", confidence: 0.9 })
      expect(server.requests[0]!.body).toMatchObject({
        tool_choice: { type: "tool", name: "answer" },
        tools: [{ name: "answer", input_schema: { type: "object" } }]
      })
    })
  )

  it.effect("maps 429 (Retry-After), 529 overloaded, 401 and timeouts to typed errors without the key", () =>
    Effect.gen(function* () {
      const provider = yield* Effect.promise(() => start())
      const cases: Array<[Parameters<typeof server.faults.push>[0], string]> = [
        [
          {
            kind: "status",
            status: 429,
            headers: { "retry-after": "7" },
            body: {
              type: "error",
              error: {
                type: "rate_limit_error",
                message: "Number of request tokens has exceeded your per-minute rate limit"
              }
            }
          },
          "RateLimited"
        ],
        [
          {
            kind: "status",
            status: 529,
            body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }
          },
          "ServerError"
        ],
        [
          {
            kind: "status",
            status: 401,
            body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }
          },
          "AuthFailed"
        ],
        [{ kind: "slow", ms: 600_000 }, "Timeout"],
        [{ kind: "truncated" }, "ServerError"]
      ]
      for (const [fault, tag] of cases) {
        server.faults.push(fault)
        const error = failure(yield* Effect.exit(provider.chat(request)))
        expect([fault.kind, error?._tag]).toEqual([fault.kind, tag])
        expect(JSON.stringify(error) + error.message).not.toContain(secret)
        if (tag === "RateLimited") expect(error.retryAfterMs).toBe(7000)
      }
    })
  )
})
