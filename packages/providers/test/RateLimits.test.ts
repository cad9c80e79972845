import { afterEach, describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { isTransient } from "@videokr/core"
import { makeModels } from "../src/Models.ts"
import { middlewareLayer, middlewareLayerFor } from "../src/Middleware.ts"
import { chatCompletionReply, limitedReply, startLoopbackServer, type LoopbackServer, type ServerLimits } from "../src/testing/index.ts"

let server: LoopbackServer
afterEach(() => server?.close())

const setup = async (serverLimits: ServerLimits) => {
  const limited = limitedReply(chatCompletionReply((b) => `ok ${b.messages[0].content}`), serverLimits)
  server = await startLoopbackServer(limited.handler)
  return { id: `openai-compatible:${server.url}/v1#m`, counters: limited.counters }
}
const cache = () => ({ dir: mkdtempSync(join(tmpdir(), "videokr-rl-")), mode: "off" as const })
const burst = (model: { chat: (r: any) => Effect.Effect<any, any> }, n: number) =>
  Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => model.chat({ messages: [{ role: "user", content: `q${i}` }] }), { concurrency: "unbounded" })

describe("rate limits", () => {
  it.live("configured requests/min: calls are spread so the server never refuses one, and none is lost", () =>
    Effect.gen(function* () {
      const { id, counters } = yield* Effect.promise(() => setup({ requestsPerMinute: 600, latencyMs: 20 }))
      const models = yield* makeModels({ config: { limits: { [id]: { requestsPerMinute: 600 } } }, env: {}, cache: cache() })
      const model = yield* models.resolve(id)
      const started = Date.now()
      const answers = yield* burst(model, 35)
      expect(answers).toHaveLength(35)
      expect(new Set(answers.map((a) => a.text)).size).toBe(35)
      // paced below the limit: at most a stray 429 from arrival jitter (retried), not a burst of them
      expect(counters.rejected).toBeLessThanOrEqual(2)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000) // 9 at once, then ~10 a second
    }).pipe(Effect.provide(middlewareLayer)), 20_000)

  it.live("configured concurrency: never more calls in flight than allowed", () =>
    Effect.gen(function* () {
      const { id, counters } = yield* Effect.promise(() => setup({ latencyMs: 40 }))
      const models = yield* makeModels({ config: { limits: { [id]: { concurrency: 3 } } }, env: {}, cache: cache() })
      yield* burst(yield* models.resolve(id), 20)
      expect(counters.maxInFlight).toBe(3)
    }).pipe(Effect.provide(middlewareLayer)), 20_000)

  it.live("unconfigured: 429s with Retry-After are absorbed (cool-down, retries); the caller sees none", () =>
    Effect.gen(function* () {
      const { id, counters } = yield* Effect.promise(() => setup({ requestsPerMinute: 600 }))
      const models = yield* makeModels({ config: {}, env: {}, cache: cache(), retry: { maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 500 } })
      const answers = yield* burst(yield* models.resolve(id), 30)
      expect(answers).toHaveLength(30)
      expect(counters.accepted).toBe(30)
      expect(counters.rejected).toBeGreaterThan(0) // the server had to say so; the limiter then learned
    }).pipe(Effect.provide(middlewareLayer)), 30_000)

  it.live("unconfigured but announced: the limits in the provider's headers pace the calls after the first answer", () =>
    Effect.gen(function* () {
      const { id, counters } = yield* Effect.promise(() => setup({ requestsPerMinute: 600, announce: true }))
      const models = yield* makeModels({ config: {}, env: {}, cache: cache() })
      const model = yield* models.resolve(id)
      const first = yield* model.chat({ messages: [{ role: "user", content: "first" }] })
      expect(first.rateLimits).toEqual({ requestsPerMinute: 600 })
      const started = Date.now()
      yield* burst(model, 30)
      expect(counters.rejected).toBeLessThanOrEqual(2)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500)
    }).pipe(Effect.provide(middlewareLayer)), 20_000)

  it.live("tokens/min: large requests wait for the token budget", () =>
    Effect.gen(function* () {
      const tokensOf = (body: any) => Math.ceil(JSON.stringify(body.messages).length / 4) + (body.max_tokens ?? 512)
      const { id, counters } = yield* Effect.promise(() => setup({ tokensPerMinute: 60 * 2_000, tokensOf }))
      const models = yield* makeModels({ config: { limits: { [id]: { tokensPerMinute: 60 * 2_000 } } }, env: {}, cache: cache() })
      const model = yield* models.resolve(id)
      const started = Date.now()
      yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) => model.chat({ messages: [{ role: "user", content: `q${i}` }], params: { maxTokens: 900 } }), { concurrency: "unbounded" })
      expect(counters.rejected).toBeLessThanOrEqual(2)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000) // ~910 tokens each, 2,000 a second, 2 at once
    }).pipe(Effect.provide(middlewareLayer)), 20_000)
})

describe("circuit breaker", () => {
  const question = (model: { chat: (r: any) => Effect.Effect<any, any> }, text: string) => model.chat({ messages: [{ role: "user", content: text }] })
  /** Moves the test clock on while `fiber` runs, letting its real HTTP calls answer in between. */
  const driveUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>, step: Duration.Input) =>
    Effect.gen(function* () {
      while (fiber.pollUnsafe() === undefined) {
        yield* TestClock.adjust(step)
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      }
      return yield* Fiber.await(fiber)
    })

  it.effect("after repeated server errors a model's calls wait, without reaching the provider, until a probe answers", () =>
    Effect.gen(function* () {
      server = yield* Effect.promise(() => startLoopbackServer(chatCompletionReply(() => "fine")))
      const id = `openai-compatible:${server.url}/v1#m`
      const models = yield* makeModels({ config: { circuit: { firstProbeSeconds: 10 } }, env: {}, cache: cache(), retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
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
      expect(models.health.counters(id)).toMatchObject({ calls: 6, serverErrors: 5, circuitOpenings: 1, gaveUp: false })
      expect(models.health.counters(id).waitingMillis).toBeGreaterThanOrEqual(10_000)
    }).pipe(Effect.provide(middlewareLayerFor({ circuit: { firstProbeSeconds: 10 } }))))

  it.effect("a call gives up after waiting maxWaitMinutes for a model that stays down: transient, never a verdict; later calls are not sent", () =>
    Effect.gen(function* () {
      server = yield* Effect.promise(() => startLoopbackServer(() => ({ status: 503, body: { error: { message: "down for maintenance", type: "server_error" } } })))
      const id = `openai-compatible:${server.url}/v1#m`
      const config = { circuit: { firstProbeSeconds: 10, maxProbeSeconds: 20, maxWaitMinutes: 1 } }
      const models = yield* makeModels({ config, env: {}, cache: cache(), retry: { maxAttempts: 20, baseDelayMs: 1, maxDelayMs: 2 } })
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
    }).pipe(Effect.provide(middlewareLayerFor({ circuit: { firstProbeSeconds: 10, maxProbeSeconds: 20, maxWaitMinutes: 1 } }))))
})
