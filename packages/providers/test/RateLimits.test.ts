import { afterEach, describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { isTransient, type ModelProviderShape } from "@videokr/core"
import { announcedLimits, errorOfStatus } from "../src/HttpErrors.ts"
import { makeModels } from "../src/Models.ts"
import { middlewareLayer, middlewareLayerFor } from "../src/Middleware.ts"
import {
  chatCompletionReply,
  driveUntilDone,
  limitedReply,
  runDriven,
  startLoopbackServer,
  type LoopbackServer,
  type ServerLimits
} from "../src/testing/index.ts"

let server: LoopbackServer
afterEach(() => server?.close())

const cache = () => ({ dir: mkdtempSync(join(tmpdir(), "videokr-rl-")), mode: "off" as const })
const burst = (model: { chat: (r: any) => Effect.Effect<any, any> }, n: number, maxTokens?: number) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    (i) =>
      model.chat({ messages: [{ role: "user", content: `q${i}` }], ...(maxTokens ? { params: { maxTokens } } : {}) }),
    { concurrency: "unbounded" }
  )

/**
 * A provider (the plugin "paced") that answers as the loopback server's `limitedReply` does, in this
 * process and on the test clock: its buckets, its 429s with Retry-After, its announced limits, and a
 * latency slept on the test clock. The pacing the middleware produces is then judged exactly, the same
 * on a loaded machine as on an idle one; the HTTP wire of the same limits is tested further down.
 */
const paced = (limits: Omit<ServerLimits, "now" | "latencyMs">, latencyMs = 0) =>
  TestClock.testClockWith((clock) =>
    Effect.sync(() => {
      const limited = limitedReply(
        chatCompletionReply((b) => `ok ${b.messages[0].content}`),
        { ...limits, now: () => clock.currentTimeMillisUnsafe() }
      )
      const flight = { inFlight: 0, maxInFlight: 0 }
      const provider: ModelProviderShape = {
        id: "paced",
        chat: (request) =>
          Effect.gen(function* () {
            const body = { model: request.model, messages: request.messages, max_tokens: request.params?.maxTokens }
            const reply = yield* Effect.promise(async () =>
              limited.handler({ method: "POST", path: "/v1/chat/completions", headers: {}, body })
            )
            const headers = new Headers(reply.headers)
            const fields = { provider: "paced", model: request.model, detail: "rate limited" }
            if ((reply.status ?? 200) !== 200) return yield* Effect.fail(errorOfStatus(fields, reply.status, headers))
            flight.maxInFlight = Math.max(flight.maxInFlight, ++flight.inFlight)
            yield* Effect.sleep(latencyMs)
            flight.inFlight--
            const rateLimits = announcedLimits(headers)
            return {
              text: (reply.body as any).choices[0].message.content,
              finishReason: "stop",
              usage: { inputTokens: 1, outputTokens: 1 },
              provider: "paced",
              model: request.model,
              ...(rateLimits ? { rateLimits } : {})
            }
          })
      }
      return { counters: limited.counters, flight, plugin: { name: "paced", providers: { paced: () => provider } } }
    })
  )
const id = "paced:m"

describe("rate limits (the middleware's pacing, on the test clock)", () => {
  it.effect("configured requests/min: calls are spread so the server never refuses one, and none is lost", () =>
    Effect.gen(function* () {
      const { counters, plugin } = yield* paced({ requestsPerMinute: 600 })
      const models = yield* makeModels({
        config: { limits: { [id]: { requestsPerMinute: 600 } } },
        env: {},
        cache: cache(),
        plugins: [plugin]
      })
      const answers = yield* runDriven(burst(yield* models.resolve(id), 35), "50 millis").pipe(Effect.flatten)
      expect(answers).toHaveLength(35)
      expect(new Set(answers.map((a) => a.text)).size).toBe(35)
      expect(counters).toMatchObject({ accepted: 35, rejected: 0 })
      // 9 at once, then about 10 a second: spread over more than two seconds of the clock
      expect(counters.lastAcceptedAt - counters.firstAcceptedAt).toBeGreaterThanOrEqual(2_000)
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("configured concurrency: never more calls in flight than allowed, and that many are", () =>
    Effect.gen(function* () {
      const { flight, plugin } = yield* paced({}, 40)
      const models = yield* makeModels({
        config: { limits: { [id]: { concurrency: 3 } } },
        env: {},
        cache: cache(),
        plugins: [plugin]
      })
      const answers = yield* runDriven(burst(yield* models.resolve(id), 20), "10 millis").pipe(Effect.flatten)
      expect(answers).toHaveLength(20)
      expect(flight.maxInFlight).toBe(3)
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("unconfigured: 429s with Retry-After are absorbed (cool-down, retries); the caller sees none", () =>
    Effect.gen(function* () {
      const { counters, plugin } = yield* paced({ requestsPerMinute: 600 })
      const models = yield* makeModels({
        config: {},
        env: {},
        cache: cache(),
        plugins: [plugin],
        retry: { maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 500 }
      })
      const answers = yield* runDriven(burst(yield* models.resolve(id), 30), "50 millis").pipe(Effect.flatten)
      expect(answers).toHaveLength(30)
      expect(counters.accepted).toBe(30)
      expect(counters.rejected).toBeGreaterThan(0) // the server had to say so; the limiter then learned
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect(
    "unconfigured but announced: the limits in the provider's headers pace the calls after the first answer",
    () =>
      Effect.gen(function* () {
        const { counters, plugin } = yield* paced({ requestsPerMinute: 600, announce: true })
        const models = yield* makeModels({ config: {}, env: {}, cache: cache(), plugins: [plugin] })
        const model = yield* models.resolve(id)
        const first = yield* model.chat({ messages: [{ role: "user", content: "first" }] })
        expect(first.rateLimits).toEqual({ requestsPerMinute: 600 })
        yield* runDriven(burst(model, 30), "50 millis").pipe(Effect.flatten)
        expect(counters).toMatchObject({ accepted: 31, rejected: 0 })
        expect(counters.lastAcceptedAt - counters.firstAcceptedAt).toBeGreaterThanOrEqual(1_500)
      }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("tokens/min: large requests wait for the token budget", () =>
    Effect.gen(function* () {
      const tokensOf = (body: any) => Math.ceil(JSON.stringify(body.messages).length / 4) + (body.max_tokens ?? 512)
      const { counters, plugin } = yield* paced({ tokensPerMinute: 60 * 2_000, tokensOf })
      const models = yield* makeModels({
        config: { limits: { [id]: { tokensPerMinute: 60 * 2_000 } } },
        env: {},
        cache: cache(),
        plugins: [plugin]
      })
      yield* runDriven(burst(yield* models.resolve(id), 8, 900), "50 millis").pipe(Effect.flatten)
      expect(counters).toMatchObject({ accepted: 8, rejected: 0 })
      // ~910 tokens each, 2,000 a second, 2 at once
      expect(counters.lastAcceptedAt - counters.firstAcceptedAt).toBeGreaterThanOrEqual(2_000)
    }).pipe(Effect.provide(middlewareLayer))
  )
})

describe("rate limits over HTTP (the loopback server's limits on its wire)", () => {
  const setup = async (serverLimits: ServerLimits) => {
    const limited = limitedReply(
      chatCompletionReply((b) => `ok ${b.messages[0].content}`),
      serverLimits
    )
    server = await startLoopbackServer(limited.handler)
    return { id: `openai-compatible:${server.url}/v1#m`, counters: limited.counters }
  }

  it.live(
    "a burst past the server's limits: every call is answered once, none lost or doubled, whatever the 429s on the way",
    () =>
      Effect.gen(function* () {
        const { id, counters } = yield* Effect.promise(() => setup({ requestsPerMinute: 600, announce: true }))
        const models = yield* makeModels({
          config: {},
          env: {},
          cache: cache(),
          retry: { maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 500 }
        })
        const model = yield* models.resolve(id)
        const first = yield* model.chat({ messages: [{ role: "user", content: "first" }] })
        expect(first.rateLimits).toEqual({ requestsPerMinute: 600 }) // read from x-ratelimit-limit-requests
        const answers = yield* burst(model, 30)
        expect(new Set(answers.map((a) => a.text)).size).toBe(30)
        expect(counters.accepted).toBe(31)
        expect(server.requests).toHaveLength(31 + counters.rejected)
      }).pipe(Effect.provide(middlewareLayer))
  )

  it.live(
    "configured requests/min: callers woken late together (an event loop stalled for 2 s) take new turns instead of sending at once",
    () =>
      Effect.gen(function* () {
        const { id, counters } = yield* Effect.promise(() => setup({ requestsPerMinute: 600 }))
        const models = yield* makeModels({
          config: { limits: { [id]: { requestsPerMinute: 600 } } },
          env: {},
          cache: cache()
        })
        const fiber = yield* Effect.forkChild(burst(yield* models.resolve(id), 40))
        // once the first calls are answered, the process stalls: a dozen or more turns fall due meanwhile
        yield* Effect.promise(async () => {
          while (counters.accepted < 4) await new Promise((r) => setTimeout(r, 5))
          const until = Date.now() + 2_000
          while (Date.now() < until) {
            /* a stalled event loop */
          }
        })
        const answers = yield* Fiber.join(fiber)
        expect(new Set(answers.map((a) => a.text)).size).toBe(40)
        expect(counters).toMatchObject({ accepted: 40, rejected: 0 })
      }).pipe(Effect.provide(middlewareLayer))
  )
})

describe("circuit breaker", () => {
  const question = (model: { chat: (r: any) => Effect.Effect<any, any> }, text: string) =>
    model.chat({ messages: [{ role: "user", content: text }] })
  it.effect(
    "after repeated server errors a model's calls wait, without reaching the provider, until a probe answers",
    () =>
      Effect.gen(function* () {
        server = yield* Effect.promise(() => startLoopbackServer(chatCompletionReply(() => "fine")))
        const id = `openai-compatible:${server.url}/v1#m`
        const models = yield* makeModels({
          config: { circuit: { firstProbeSeconds: 10 } },
          env: {},
          cache: cache(),
          retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }
        })
        const model = yield* models.resolve(id)
        for (let i = 0; i < 5; i++) server.faults.push({ kind: "status", status: 500 })
        for (let i = 0; i < 5; i++) yield* Effect.exit(question(model, `q${i}`))
        expect(server.requests).toHaveLength(5)
        expect(models.health.circuit(id).state).toBe("open")
        const waiting = yield* Effect.forkChild(question(model, "next"))
        yield* TestClock.adjust("9 seconds")
        expect(waiting.pollUnsafe()).toBeUndefined()
        expect(server.requests).toHaveLength(5)
        // the probe after 10 s answers: the waiting call goes on and the circuit closes
        const exit = yield* driveUntilDone(waiting, "1 second")
        expect(exit._tag).toBe("Success")
        expect(server.requests).toHaveLength(6)
        expect(models.health.circuit(id).state).toBe("closed")
        expect(models.health.counters(id)).toMatchObject({
          calls: 6,
          serverErrors: 5,
          circuitOpenings: 1,
          gaveUp: false
        })
        expect(models.health.counters(id).waitingMillis).toBeGreaterThanOrEqual(10_000)
      }).pipe(Effect.provide(middlewareLayerFor({ circuit: { firstProbeSeconds: 10 } })))
  )

  it.effect(
    "a call gives up after waiting maxWaitMinutes for a model that stays down: transient, never a verdict; later calls are not sent",
    () =>
      Effect.gen(function* () {
        server = yield* Effect.promise(() =>
          startLoopbackServer(() => ({
            status: 503,
            body: { error: { message: "down for maintenance", type: "server_error" } }
          }))
        )
        const id = `openai-compatible:${server.url}/v1#m`
        const config = { circuit: { firstProbeSeconds: 10, maxProbeSeconds: 20, maxWaitMinutes: 1 } }
        const models = yield* makeModels({
          config,
          env: {},
          cache: cache(),
          retry: { maxAttempts: 20, baseDelayMs: 1, maxDelayMs: 2 }
        })
        const model = yield* models.resolve(id)
        // five failed attempts open the circuit; the call's later attempts wait for probes, which fail
        const waiting = yield* Effect.forkChild(question(model, "first"))
        const exit = yield* driveUntilDone(waiting, "5 seconds")
        expect(exit._tag).toBe("Failure")
        const error = (exit as any).cause.reasons[0].error
        expect(error._tag).toBe("ServerError")
        expect(isTransient(error)).toBe(true)
        // probes went out (after 10 s, then every 20 s) and failed; between them nothing reached the server
        const probes = server.requests.length - 5
        expect(probes).toBeGreaterThanOrEqual(2)
        expect(probes).toBeLessThanOrEqual(4)
        expect(models.health.counters(id).gaveUp).toBe(true)
        expect(models.health.isSick(id)).toBe(true)
        const after = yield* Effect.exit(question(model, "later"))
        expect(String((after as any).cause.reasons[0].error.message)).toMatch(/not sent: the run stopped waiting/)
        expect(models.health.counters(id)).toMatchObject({ calls: 2, serverErrors: 5 + probes })
        expect(server.requests.length - 5).toBe(probes)
      }).pipe(
        Effect.provide(
          middlewareLayerFor({ circuit: { firstProbeSeconds: 10, maxProbeSeconds: 20, maxWaitMinutes: 1 } })
        )
      )
  )
})
