import { afterEach, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Clock, Effect, Exit, Redacted } from "effect"
import type { ChatRequest } from "@videokr/core"
import { cacheKey, withCache } from "../src/Cache.ts"
import { makeOpenAi } from "../src/OpenAi.ts"
import { retryDelay, withRetry } from "../src/Retry.ts"
import { makeScripted } from "../src/Scripted.ts"
import { startLoopbackServer, type LoopbackServer } from "../src/testing/LoopbackServer.ts"
import { chatCompletionReply, lastUserText } from "../src/testing/OpenAiWire.ts"
import { runDriven } from "../src/testing/TestTime.ts"

const secret = "sk-cache-test-SECRET-777"
let server: LoopbackServer
afterEach(() => server?.close())

const start = async () => {
  let n = 0
  server = await startLoopbackServer(chatCompletionReply((b) => `answer ${++n} to ${lastUserText(b)}`))
  return makeOpenAi({
    id: "openai-compatible:test",
    baseURL: `${server.url}/v1`,
    apiKey: Redacted.make(secret),
    timeoutMs: 5_000
  })
}

const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: "m",
  messages: [{ role: "user", content: text }],
  ...extra
})
const files = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))

describe("retries", () => {
  it.effect("retry 429, 503, timeouts and broken bodies until an answer; nothing lost, nothing doubled", () =>
    Effect.gen(function* () {
      const provider = withRetry(yield* Effect.promise(start), { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 20 })
      server.faults.push(
        { kind: "status", status: 429, headers: { "retry-after-ms": "30" } },
        { kind: "status", status: 503 },
        { kind: "malformed" },
        { kind: "truncated" }
      )
      // the retries' pauses on the test clock: what they add up to is exact, however busy the machine
      const response = yield* runDriven(provider.chat(ask("q1")), "1 millis").pipe(Effect.flatten)
      // the truncated attempt was answered by the server (answer 1) but never arrived whole
      expect(response.text).toBe("answer 2 to q1")
      expect(server.requests).toHaveLength(5)
      expect(yield* Clock.currentTimeMillis).toBeGreaterThanOrEqual(30) // Retry-After honoured
    })
  )

  it.live("do not retry what cannot succeed, and give up after maxAttempts", () =>
    Effect.gen(function* () {
      const provider = withRetry(yield* Effect.promise(start), { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 })
      server.faults.push({ kind: "status", status: 401 })
      expect(Exit.isFailure(yield* Effect.exit(provider.chat(ask("q"))))).toBe(true)
      expect(server.requests).toHaveLength(1)
      server.faults.push(
        { kind: "status", status: 500 },
        { kind: "status", status: 500 },
        { kind: "status", status: 500 }
      )
      const exit = yield* Effect.exit(provider.chat(ask("q")))
      expect(Exit.isFailure(exit) && (exit.cause.reasons[0] as any).error._tag).toBe("ServerError")
      expect(server.requests).toHaveLength(4)
    })
  )

  it("backoff grows, is jittered, is capped, and never undercuts Retry-After", () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 }
    const server500 = { _tag: "ServerError" } as any
    expect(retryDelay(server500, 0, policy, 0)).toBe(50)
    expect(retryDelay(server500, 0, policy, 1)).toBe(100)
    expect(retryDelay(server500, 3, policy, 1)).toBe(800)
    expect(retryDelay(server500, 9, policy, 1)).toBe(1_000)
    expect(retryDelay({ _tag: "RateLimited", retryAfterMs: 5_000 } as any, 0, policy, 0.5)).toBe(5_000)
  })
})

describe("response cache", () => {
  it.effect("a second run (a new process: a new cache instance on the same folder) pays nothing", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "videokr-cache-"))
      const base = yield* Effect.promise(start)
      const first = yield* withCache(base, { dir, mode: "use" })
      const a = yield* first.provider.chat(ask("q1"))
      const b = yield* first.provider.chat(ask("q1"))
      expect(b).toEqual({ ...a, cached: true })
      expect(yield* first.stats).toEqual({ hits: 1, misses: 1, writes: 1 })
      const second = yield* withCache(base, { dir, mode: "use" })
      expect(yield* second.provider.chat(ask("q1"))).toEqual({ ...a, cached: true })
      expect(server.requests).toHaveLength(1)
      // keys and stored requests never hold the API key
      for (const f of files(dir)) expect(readFileSync(f, "utf8")).not.toContain(secret)
    })
  )

  it.effect("draws of a sampled request are cached apart; refresh asks again; off neither reads nor writes", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "videokr-cache-"))
      const base = yield* Effect.promise(start)
      const { provider } = yield* withCache(base, { dir, mode: "use" })
      const sampled = (draw: number) => ask("q", { params: { temperature: 1 }, draw })
      const d0 = yield* provider.chat(sampled(0))
      const d1 = yield* provider.chat(sampled(1))
      expect(d0.text).not.toBe(d1.text)
      expect(yield* provider.chat(sampled(1))).toEqual({ ...d1, cached: true })
      expect(server.requests).toHaveLength(2)
      const refresh = yield* withCache(base, { dir, mode: "refresh" })
      const fresh = yield* refresh.provider.chat(sampled(0))
      expect(fresh.text).toBe("answer 3 to q")
      expect((yield* provider.chat(sampled(0))).text).toBe("answer 3 to q")
      const off = yield* withCache(base, { dir: join(dir, "unused"), mode: "off" })
      yield* off.provider.chat(sampled(0))
      expect(server.requests).toHaveLength(4)
      expect(() => readdirSync(join(dir, "unused"))).toThrow()
    })
  )

  it.effect("errors, and answers that are not the JSON asked for, never enter the cache", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "videokr-cache-"))
      const scripted = makeScripted("cache-test", [
        { when: /json/, reply: "not json" },
        { when: /.*/, reply: "fine" }
      ])
      const { provider, stats } = yield* withCache(scripted, { dir, mode: "use" })
      yield* provider.chat(ask("give json", { responseFormat: { name: "x", schema: { type: "object" } } }))
      expect(files(dir)).toHaveLength(0)
      const base = yield* Effect.promise(start)
      const cached = yield* withCache(base, { dir, mode: "use" })
      server.faults.push({ kind: "status", status: 500 })
      expect(Exit.isFailure(yield* Effect.exit(cached.provider.chat(ask("q"))))).toBe(true)
      expect(files(dir)).toHaveLength(0)
      expect((yield* stats).writes).toBe(0)
    })
  )

  it("keys depend on provider, model, messages, image bytes, parameters and draw, and on nothing else", () => {
    const img = (data: string): ChatRequest => ({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image", mediaType: "image/jpeg", data }] }]
    })
    expect(cacheKey("p", img("AAAA"))).toBe(cacheKey("p", img("AAAA")))
    expect(cacheKey("p", img("AAAA"))).not.toBe(cacheKey("p", img("AAAB")))
    expect(cacheKey("p", img("AAAA"))).not.toBe(cacheKey("q", img("AAAA")))
    expect(cacheKey("p", ask("x", { params: { temperature: 0.1, topP: 0.5 } }))).toBe(
      cacheKey("p", ask("x", { params: { topP: 0.5, temperature: 0.1 } }))
    )
    expect(cacheKey("p", ask("x"))).toBe(cacheKey("p", ask("x", { draw: 0 })))
    expect(cacheKey("p", ask("x"))).not.toBe(cacheKey("p", ask("x", { draw: 1 })))
  })
})
