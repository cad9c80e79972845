import { afterEach, describe, expect, it } from "@effect/vitest"
import { connect } from "node:net"
import { Effect, Exit, Redacted } from "effect"
import { type ChatRequest, isTransient, type ModelProviderShape } from "@videokr/core"
import { makeAnthropic } from "../src/Anthropic.ts"
import { makeOpenAi } from "../src/OpenAi.ts"
import {
  chatCompletionReply,
  type Fault,
  faultPlan,
  type FaultPlanOptions,
  lastUserText,
  lastUserTextOfMessages,
  limitedReply,
  type LoopbackOptions,
  type LoopbackServer,
  messagesReply,
  type RecordedRequest,
  type Reply,
  startLoopbackServer
} from "../src/testing/index.ts"

const secret = "sk-faults-test-NEVER-SHOWN"
let server: LoopbackServer | undefined
afterEach(() => server?.close())

// one server speaks both wire formats, by route, so one fault script reaches both SDKs
const bothWires = (() => {
  const openai = chatCompletionReply((b) => `openai: ${lastUserText(b)}`)
  const anthropic = messagesReply((b) => `anthropic: ${lastUserTextOfMessages(b)}`)
  return (request: RecordedRequest): Reply => (request.path === "/v1/messages" ? anthropic(request) : openai(request))
})()

const start = async (
  handler: (request: RecordedRequest) => Reply | Promise<Reply> = bothWires,
  options?: LoopbackOptions
) => {
  const s = await startLoopbackServer(handler, options)
  server = s
  const timeoutMs = 2_000
  return {
    server: s,
    openai: makeOpenAi({
      id: "openai-compatible:faults",
      baseURL: `${s.url}/v1`,
      apiKey: Redacted.make(secret),
      timeoutMs
    }),
    anthropic: makeAnthropic({ baseURL: s.url, apiKey: Redacted.make(secret), timeoutMs })
  }
}

const ask = (text: string, model = "m"): ChatRequest => ({ model, messages: [{ role: "user", content: text }] })

/** the typed error of a call that must fail (a defect or a success fails the test) */
const errorOf = (provider: ModelProviderShape, request: ChatRequest) =>
  Effect.map(Effect.exit(provider.chat(request)), (exit) => {
    if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
    const reason = exit.cause.reasons[0]
    if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
    return reason.error as any
  })

/** a call's outcome as one word: the answer's provider side, or the error's tag */
const outcomeOf = (provider: ModelProviderShape, request: ChatRequest) =>
  Effect.match(provider.chat(request), { onSuccess: (r) => `ok:${r.text.split(":")[0]}`, onFailure: (e) => e._tag })

/** a fresh TCP connection to the server: "connected", or the error code (ECONNREFUSED) */
const connectTo = (url: string) =>
  new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve("connected")))
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
  })

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)

describe("fault injection: every fault real providers show is a transient typed error", () => {
  const transient: Array<[Fault, string, RegExp?]> = [
    [{ kind: "reset" }, "ServerError", /connection/i],
    [
      { kind: "html" },
      "ServerError",
      /the body is not the provider's format: "<!DOCTYPE html> <html><head><title>Service Temporarily Unavailable/
    ],
    [{ kind: "empty" }, "ServerError", /^empty response$/],
    [{ kind: "malformed" }, "ServerError", /^the body is not the provider's format: /],
    [{ kind: "truncated" }, "ServerError"],
    [{ kind: "slow", ms: 600_000 }, "Timeout"],
    [{ kind: "status", status: 429, headers: { "retry-after-ms": "1500", "retry-after": "2" } }, "RateLimited"],
    [{ kind: "status", status: 500 }, "ServerError"],
    [{ kind: "status", status: 503 }, "ServerError"]
  ]

  for (const name of ["openai", "anthropic"] as const) {
    it.live(`${name}: reset, html, empty, broken and truncated bodies, timeouts, 429, 500 and 503`, () =>
      Effect.gen(function* () {
        const s = yield* Effect.promise(() => start())
        const provider = s[name]
        for (const [fault, tag, detail] of transient) {
          s.server.faults.push(fault)
          const error = yield* errorOf(provider, ask(`a ${fault.kind} fault`))
          expect([fault.kind, error._tag]).toEqual([fault.kind, tag])
          expect(isTransient(error)).toBe(true)
          if (detail !== undefined) expect(error.detail).toMatch(detail)
          if (tag === "RateLimited") expect(error.retryAfterMs).toBe(1500)
          expect(JSON.stringify(error) + error.message).not.toContain(secret)
        }
        // after all that, the same client still gets answers
        expect((yield* provider.chat(ask("still there?"))).text).toBe(`${name}: still there?`)
        expect(s.server.counters).toEqual({
          served: 1,
          injected: { status: 3, slow: 1, malformed: 1, truncated: 1, reset: 1, html: 1, empty: 1 }
        })
        expect(s.server.requests).toHaveLength(transient.length + 1)
      })
    )
  }

  it.live('the empty fault keeps each route\'s wire format: OpenAI content "", Anthropic an empty content list', () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const s = yield* Effect.promise(() => start(bothWires, { fault: () => ({ kind: "empty" }) }))
      // a raw client reads the bodies exactly as sent
      for (const [path, body] of [
        ["/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] }],
        ["/v1/messages", { model: "m", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }]
      ] as const) {
        const res = yield* Effect.promise(() =>
          fetch(`${s.server.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          })
        )
        expect(res.status).toBe(200)
        seen.push(yield* Effect.promise(() => res.json()))
      }
      expect(seen[0]).toMatchObject({
        object: "chat.completion",
        choices: [{ message: { role: "assistant", content: "" }, finish_reason: "stop" }]
      })
      expect(seen[1]).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: "end_turn" })
    })
  )

  it.live("a 400 stays BadRequest, a verdict on the request and not transient", () =>
    Effect.gen(function* () {
      const s = yield* Effect.promise(() => start())
      for (const provider of [s.openai, s.anthropic]) {
        s.server.faults.push({
          kind: "status",
          status: 400,
          body: { type: "error", error: { type: "invalid_request_error", message: "unknown model" } }
        })
        const error = yield* errorOf(provider, ask("which model?"))
        expect(error._tag).toBe("BadRequest")
        expect(isTransient(error)).toBe(false)
      }
    })
  )

  it.live(
    "a 200 that is not the provider's format (an empty body, JSON of another shape) is ServerError, not a crash",
    () =>
      Effect.gen(function* () {
        const bodies: Array<Reply> = []
        const s = yield* Effect.promise(() => start(() => bodies.shift()!))
        const json = { "content-type": "application/json" }
        for (const provider of [s.openai, s.anthropic]) {
          bodies.push({ raw: true, body: "", headers: json }, { body: { status: "ok", queued: true } })
          // the OpenAI SDK hands an empty body over as undefined, Anthropic's parser fails on it
          const empty = yield* errorOf(provider, ask("anything"))
          expect(empty._tag).toBe("ServerError")
          expect(empty.detail).toMatch(
            /^the body is not the provider's format: (an empty body|Unexpected end of JSON input)$/
          )
          const other = yield* errorOf(provider, ask("anything"))
          expect([other._tag, other.detail]).toEqual([
            "ServerError",
            `the body is not the provider's format: "{\\"status\\":\\"ok\\",\\"queued\\":true}"`
          ])
          expect(isTransient(other)).toBe(true)
        }
      })
  )
})

describe("per-request faults and outages", () => {
  it.live("a decider picks faults per request when no scripted fault is queued; scripted faults go first", () =>
    Effect.gen(function* () {
      const s = yield* Effect.promise(() =>
        start(bothWires, { fault: (r) => ((r.body as any).model === "flaky" ? { kind: "reset" } : undefined) })
      )
      expect((yield* errorOf(s.openai, ask("q", "flaky")))._tag).toBe("ServerError")
      expect((yield* s.openai.chat(ask("q", "steady"))).text).toBe("openai: q")
      s.server.faults.push({ kind: "status", status: 503 })
      expect((yield* errorOf(s.openai, ask("q", "steady"))).status).toBe(503)
      expect(s.server.counters).toMatchObject({ served: 1, injected: { reset: 1, status: 1 } })
    })
  )

  it.live(
    "refuse: connections are refused while down (ServerError, transient, nothing recorded); after up the same URL answers",
    () =>
      Effect.gen(function* () {
        const s = yield* Effect.promise(() => start())
        const url = s.server.url
        // warm keep-alive connections first: an outage must not be hidden by a reused socket
        yield* s.openai.chat(ask("before"))
        yield* s.anthropic.chat(ask("before"))
        yield* Effect.promise(() => s.server.down("refuse"))
        expect(yield* Effect.promise(() => connectTo(url))).toBe("ECONNREFUSED")
        for (const provider of [s.openai, s.anthropic]) {
          const error = yield* errorOf(provider, ask("during"))
          expect(error._tag).toBe("ServerError")
          expect(isTransient(error)).toBe(true)
        }
        expect(s.server.requests).toHaveLength(2)
        yield* Effect.promise(() => s.server.up())
        expect(s.server.url).toBe(url)
        expect(yield* Effect.promise(() => connectTo(url))).toBe("connected")
        expect((yield* s.openai.chat(ask("after"))).text).toBe("openai: after")
        expect((yield* s.anthropic.chat(ask("after"))).text).toBe("anthropic: after")
        expect(s.server.counters).toMatchObject({ served: 4 })
      })
  )

  it.live("reset and 503 outages answer every request with that fault, recorded and counted, until up", () =>
    Effect.gen(function* () {
      const s = yield* Effect.promise(() => start())
      s.server.faults.push({ kind: "html" }) // waits behind the outage
      yield* Effect.promise(() => s.server.down("reset"))
      for (const provider of [s.openai, s.anthropic])
        expect(yield* Effect.map(errorOf(provider, ask("x")), (e) => [e._tag, e.status])).toEqual([
          "ServerError",
          undefined
        ])
      yield* Effect.promise(() => s.server.down("503"))
      for (const provider of [s.openai, s.anthropic]) {
        const error = yield* errorOf(provider, ask("x"))
        expect([error._tag, error.status, isTransient(error)]).toEqual(["ServerError", 503, true])
      }
      // from refuse back to another mode listens again
      yield* Effect.promise(() => s.server.down("refuse"))
      yield* Effect.promise(() => s.server.down("503"))
      expect((yield* errorOf(s.openai, ask("x"))).status).toBe(503)
      yield* Effect.promise(() => s.server.up())
      expect((yield* errorOf(s.openai, ask("x"))).detail).toMatch(/not the provider's format/)
      expect((yield* s.openai.chat(ask("back"))).text).toBe("openai: back")
      expect(s.server.requests).toHaveLength(7)
      expect(s.server.counters).toEqual({
        served: 1,
        injected: { status: 3, slow: 0, malformed: 0, truncated: 0, reset: 2, html: 1, empty: 0 }
      })
    })
  )
})

describe("faultPlan: seeded faults over a long run", () => {
  const request = (i: number): RecordedRequest => ({
    method: "POST",
    path: "/v1/chat/completions",
    headers: {},
    body: { model: "m", n: i }
  })
  const kinds = (options: FaultPlanOptions, n: number) => {
    const plan = faultPlan(options)
    return Array.from({ length: n }, (_, i) => {
      const f = plan.fault(request(i))
      return f === undefined ? "ok" : f.kind === "status" ? String(f.status) : f.kind
    })
  }

  it("the same seed gives the same faults; another seed others; the shares hold; garbage kinds come in turn", () => {
    const options = { seed: 42, errorRate: 0.1, garbageRate: 0.3 }
    const a = kinds(options, 1_000)
    expect(kinds(options, 1_000)).toEqual(a)
    expect(kinds({ ...options, seed: 43 }, 1_000)).not.toEqual(a)
    const count = (k: string) => a.filter((x) => x === k).length
    expect(count("500")).toBeGreaterThan(60)
    expect(count("500")).toBeLessThan(140)
    expect(count("html") + count("empty") + count("malformed")).toBeGreaterThan(240)
    expect(count("html") + count("empty") + count("malformed")).toBeLessThan(360)
    expect(a.filter((k) => ["html", "empty", "malformed"].includes(k)).slice(0, 6)).toEqual([
      "html",
      "empty",
      "malformed",
      "html",
      "empty",
      "malformed"
    ])
    expect(kinds({ garbageRate: 1, garbage: ["empty"] }, 5)).toEqual(["empty", "empty", "empty", "empty", "empty"])
    expect(kinds({}, 50).every((k) => k === "ok")).toBe(true)
    expect(() => faultPlan({ errorRate: 0.6, garbageRate: 0.6 })).toThrow(RangeError)
  })

  const run = (seed: number) =>
    Effect.gen(function* () {
      const plan = faultPlan({
        seed,
        errorRate: 0.2,
        garbageRate: 0.3,
        only: (r) => (r.body as any)?.model !== "steady"
      })
      const s = yield* Effect.promise(() => start(bothWires, { fault: plan.fault }))
      const outcomes: Array<string> = []
      for (let i = 0; i < 30; i++) {
        const provider = i % 2 === 0 ? s.openai : s.anthropic
        const exit = yield* Effect.exit(provider.chat(ask(`q${i}`, i % 5 === 0 ? "steady" : "flaky")))
        if (Exit.isSuccess(exit)) {
          outcomes.push(`ok:${exit.value.text.split(":")[0]}`)
          continue
        }
        const reason = exit.cause.reasons[0]
        expect(reason?._tag).toBe("Fail")
        expect(isTransient((reason as any).error)).toBe(true)
        outcomes.push((reason as any).error._tag)
      }
      yield* Effect.promise(() => s.server.close())
      return { outcomes, plan: plan.counters, server: s.server }
    })

  it.live(
    "through both SDKs: only the chosen requests fault, every failure is transient, the counters add up, and a seed replays",
    () =>
      Effect.gen(function* () {
        const first = yield* run(7)
        const { plan, server: s } = first
        const steady = 6 // i % 5 === 0 of 30
        expect(plan.considered).toBe(30 - steady)
        expect(plan.considered).toBe(plan.clean + plan.serverErrors + plan.rateLimited + sum(plan.garbage))
        expect(plan.serverErrors).toBeGreaterThan(0)
        expect(sum(plan.garbage)).toBeGreaterThan(0)
        expect(s.counters.served).toBe(plan.clean + steady)
        expect(s.counters.injected).toMatchObject({ status: plan.serverErrors, ...plan.garbage })
        expect(s.requests).toHaveLength(s.counters.served + sum(s.counters.injected))
        expect(first.outcomes.filter((o) => !o.startsWith("ok")).length).toBe(plan.considered - plan.clean)
        expect(first.outcomes.filter((_, i) => i % 5 === 0)).toEqual(
          Array(steady)
            .fill(0)
            .map((_, k) => (k % 2 === 0 ? "ok:openai" : "ok:anthropic"))
        )
        expect((yield* run(7)).outcomes).toEqual(first.outcomes)
      })
  )

  it.live(
    "a rate-limit storm answers 429 with the configured Retry-After until stopped; composes with limitedReply",
    () =>
      Effect.gen(function* () {
        const plan = faultPlan({ rateLimitStorm: { retryAfterMs: 2_500 } })
        const limited = limitedReply(bothWires, { requestsPerMinute: 6_000 })
        const s = yield* Effect.promise(() => start(limited.handler, { fault: plan.fault }))
        expect(yield* outcomeOf(s.openai, ask("calm"))).toBe("ok:openai")
        plan.storm.start()
        for (const provider of [s.openai, s.anthropic, s.openai]) {
          const error = yield* errorOf(provider, ask("storm"))
          expect([error._tag, error.retryAfterMs, isTransient(error)]).toEqual(["RateLimited", 2_500, true])
        }
        plan.storm.stop()
        expect(yield* outcomeOf(s.anthropic, ask("after"))).toBe("ok:anthropic")
        expect(plan.counters).toMatchObject({ considered: 5, clean: 2, rateLimited: 3 })
        // storm answers never reach the handler behind the faults
        expect(limited.counters.accepted).toBe(2)
        expect(s.server.counters).toMatchObject({ served: 2, injected: { status: 3 } })
      })
  )
})
