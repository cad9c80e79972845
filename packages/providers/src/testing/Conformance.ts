import assert from "node:assert/strict"
import { Effect, Exit, Redacted } from "effect"
import type { ChatRequest, ModelProviderShape } from "@videokr/core"
import { type Fault, type RecordedRequest, type Reply, startLoopbackServer } from "./LoopbackServer.ts"

/**
 * The conformance checks every provider passes, built-ins and plugins alike. A provider author gives:
 * how to make the provider against a base URL (with a key and a short timeout), and the server side of
 * its wire protocol (`reply`, answering with the given text). Each check runs against a fresh loopback
 * server; run them from any test framework:
 *
 *   for (const check of conformanceChecks) it(check.name, () => check.run(subject))
 */
export interface ConformanceSubject {
  readonly make: (args: {
    readonly baseURL: string
    readonly apiKey: Redacted.Redacted<string>
    readonly timeoutMs: number
  }) => ModelProviderShape
  /** the server side: answers `request` with `text` in the provider's wire format */
  readonly reply: (text: string) => (request: RecordedRequest) => Reply
  /** a model name the server accepts */
  readonly model: string
  /** path prefix the provider's base URL needs on the server (e.g. "/v1" for OpenAI-compatible clients) */
  readonly basePath?: string | undefined
  /**
   * how the server says "too many requests, retry in 2 s" (default: a 429 with `Retry-After: 2`; Google
   * says it in the body's RetryInfo)
   */
  readonly rateLimited?: Fault | undefined
}

export interface ConformanceCheck {
  readonly name: string
  readonly run: (subject: ConformanceSubject) => Promise<void>
}

const key = "sk-conformance-0123456789-SECRET"
const timeoutMs = 2_000
const request = (model: string): ChatRequest => ({
  model,
  messages: [
    {
      role: "user",
      content: [
        { type: "image", mediaType: "image/jpeg", data: Buffer.from("jpeg").toString("base64") },
        { type: "text", text: "Which apparatus?" }
      ]
    }
  ],
  params: { temperature: 0, maxTokens: 32 }
})

const withServer = async (
  subject: ConformanceSubject,
  faults: ReadonlyArray<Fault>,
  f: (provider: ModelProviderShape, requests: Array<RecordedRequest>) => Promise<void>
) => {
  const server = await startLoopbackServer(subject.reply("a burette"))
  server.faults.push(...faults)
  try {
    await f(
      subject.make({ baseURL: server.url + (subject.basePath ?? ""), apiKey: Redacted.make(key), timeoutMs }),
      server.requests
    )
  } finally {
    await server.close()
  }
}

const errorOf = async (provider: ModelProviderShape, model: string) => {
  const exit = await Effect.runPromise(Effect.exit(provider.chat(request(model))))
  assert.ok(Exit.isFailure(exit), "expected the call to fail")
  const reason = exit.cause.reasons[0]
  assert.ok(reason?._tag === "Fail", `expected a typed failure, got ${String(exit.cause)}`)
  const error = reason.error as { _tag: string; message: string }
  assert.ok(
    !JSON.stringify(error).includes(key) && !error.message.includes(key),
    "the API key must not appear in errors"
  )
  return error
}

const failsAs = (name: string, fault: Fault, tag: string, extra?: (error: any) => void): ConformanceCheck => ({
  name,
  run: (subject) =>
    withServer(subject, [fault], async (provider) => {
      const error = await errorOf(provider, subject.model)
      assert.equal(error._tag, tag)
      extra?.(error)
    })
})

export const conformanceChecks: ReadonlyArray<ConformanceCheck> = [
  {
    name: "answers with text, usage, its provider id and the key sent to the server",
    run: (subject) =>
      withServer(subject, [], async (provider, requests) => {
        const r = await Effect.runPromise(provider.chat(request(subject.model)))
        assert.equal(r.text, "a burette")
        assert.equal(r.provider, provider.id)
        assert.ok(r.usage.inputTokens >= 0 && r.usage.outputTokens >= 0)
        assert.equal(requests.length, 1)
        assert.ok(JSON.stringify(requests[0]!.headers).includes(key), "the key goes to the server")
      })
  },
  {
    name: "429 with Retry-After is RateLimited with the delay",
    run: (subject) =>
      withServer(
        subject,
        [subject.rateLimited ?? { kind: "status", status: 429, headers: { "retry-after": "2" } }],
        async (provider) => {
          const error = await errorOf(provider, subject.model)
          assert.equal(error._tag, "RateLimited")
          assert.equal((error as { retryAfterMs?: number }).retryAfterMs, 2000)
        }
      )
  },
  failsAs("401 is AuthFailed", { kind: "status", status: 401 }, "AuthFailed"),
  failsAs("500 is ServerError", { kind: "status", status: 500 }, "ServerError"),
  failsAs("503 is ServerError", { kind: "status", status: 503 }, "ServerError"),
  failsAs("no answer in time is Timeout", { kind: "slow", ms: 600_000 }, "Timeout"),
  failsAs("a truncated body is ServerError", { kind: "truncated" }, "ServerError"),
  failsAs("a malformed body is ServerError", { kind: "malformed" }, "ServerError")
]
