import { afterEach, describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { CorpusStore, type ModelCall, recordModelCall } from "@videokr/core"
import { makeModels } from "../src/Models.ts"
import { middlewareLayer } from "../src/Middleware.ts"
import { startLoopbackServer, type LoopbackServer } from "../src/testing/LoopbackServer.ts"
import { chatCompletionReply, lastUserText } from "../src/testing/OpenAiWire.ts"

let server: LoopbackServer
afterEach(() => server?.close())
const cacheDir = () => mkdtempSync(join(tmpdir(), "videokr-models-"))
const failure = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined

describe("models", () => {
  it.effect("resolves ids to providers and refuses bad ids, unknown providers and missing keys clearly", () =>
    Effect.gen(function* () {
      const models = yield* makeModels({ config: {}, env: {}, cache: { dir: cacheDir(), mode: "use" } })
      expect(failure(yield* Effect.exit(models.resolve("gpt-4o")))).toMatchObject({ _tag: "InvalidModelId" })
      expect(failure(yield* Effect.exit(models.resolve("openai-compatible:localhost#x")))._tag).toBe("InvalidModelId")
      expect(failure(yield* Effect.exit(models.resolve("mistral:large")))).toMatchObject({
        _tag: "UnknownProvider",
        provider: "mistral"
      })
      const missing = failure(yield* Effect.exit(models.resolve("openai:gpt-4o")))
      expect(missing.message).toBe(
        "openai:gpt-4o: the environment variable OPENAI_API_KEY is not set (API keys are read from the environment only)"
      )
      const echo = yield* models.resolve("scripted:echo")
      expect((yield* echo.chat({ messages: [{ role: "user", content: "hello" }] })).text).toBe("echo: hello")
      // each scripted model answers by its own script, whichever was resolved first
      const first = yield* models.resolve("scripted:demo-first")
      expect(
        (yield* first.chat({
          messages: [
            {
              role: "user",
              content:
                "Which?\nA. x\nB. y\nPlease provide only the single option letter within the <answer>...</answer> tags."
            }
          ]
        })).text
      ).toContain("<answer>A</answer>")
      expect((yield* echo.chat({ messages: [{ role: "user", content: "again" }] })).text).toBe("echo: again")
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("records every call: tokens, cost from the price table, latency, cache hits at no cost, failures", () =>
    Effect.gen(function* () {
      server = yield* Effect.promise(() => startLoopbackServer(chatCompletionReply((b) => `A: ${lastUserText(b)}`)))
      const id = `openai-compatible:${server.url}/v1#qwen`
      const calls: Array<ModelCall> = []
      const models = yield* makeModels({
        config: { prices: { [id]: { input: 2, output: 8 } } },
        env: {},
        cache: { dir: cacheDir(), mode: "use" },
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        record: (c) => Effect.sync(() => void calls.push(c))
      })
      const qwen = yield* models.resolve(id, { stage: "generation" })
      const r = yield* qwen.chat({ messages: [{ role: "user", content: "why?" }] })
      yield* qwen.chat({ messages: [{ role: "user", content: "why?" }] })
      server.faults.push({ kind: "status", status: 400 })
      yield* Effect.exit(qwen.chat({ messages: [{ role: "user", content: "other" }] }))
      expect(calls.map((c) => [c.stage, c.status, c.cached])).toEqual([
        ["generation", "ok", false],
        ["generation", "ok", true],
        ["generation", "BadRequest", false]
      ])
      expect(calls[0]!.costUsd).toBeCloseTo((r.usage.inputTokens * 2 + r.usage.outputTokens * 8) / 1e6, 12)
      expect(calls[1]!.costUsd).toBe(0)
      expect(calls[0]!.cacheKey).toBe(calls[1]!.cacheKey)
      expect((server.requests[0]!.body as any).model).toBe("qwen")
      expect(yield* models.cacheStats).toEqual({ hits: 1, misses: 2, writes: 1 })
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("calls land in the corpus store's model_calls table and its usage view", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore.CorpusStore
      const models = yield* makeModels({
        config: { prices: { "scripted:echo": { input: 1, output: 1 } } },
        env: {},
        cache: { dir: cacheDir(), mode: "use" },
        record: (c) => Effect.orDie(recordModelCall(c).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
      })
      const echo = yield* models.resolve("scripted:echo", { stage: "check" })
      yield* echo.chat({ messages: [{ role: "user", content: "a" }] })
      yield* echo.chat({ messages: [{ role: "user", content: "a" }] })
      expect(yield* store.query("SELECT stage, model_id, calls, cache_hits, failures FROM model_usage")).toEqual([
        { stage: "check", model_id: "scripted:echo", calls: 2, cache_hits: 1, failures: 0 }
      ])
    }).pipe(Effect.provide([CorpusStore.layerMemory, middlewareLayer]))
  )
})
