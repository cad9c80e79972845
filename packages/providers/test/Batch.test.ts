import { afterEach, describe, expect, it } from "@effect/vitest"
import { existsSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Fiber } from "effect"
import { runBatch } from "../src/Batch.ts"
import { makeModels } from "../src/Models.ts"
import { middlewareLayer } from "../src/Middleware.ts"
import {
  anthropicBatchServer,
  lastUserText,
  openAiBatchServer,
  startLoopbackServer,
  type LoopbackServer
} from "../src/testing/index.ts"

let server: LoopbackServer
afterEach(() => server?.close())

const setup = async (pollsToFinish: number) => {
  const wire = openAiBatchServer((b) => `batched: ${lastUserText(b)}`, { pollsToFinish })
  server = await startLoopbackServer(wire.handler)
  const dir = mkdtempSync(join(tmpdir(), "videokr-batch-"))
  return {
    wire,
    id: `openai-compatible:${server.url}/v1#m`,
    cache: { dir: join(dir, "cache"), mode: "use" as const },
    stateDir: join(dir, "batches")
  }
}
const ask = (text: string) => ({ messages: [{ role: "user" as const, content: text }], params: { temperature: 0 } })
const chatCalls = () => server.requests.filter((r) => r.path === "/v1/chat/completions").length

describe("batch mode (OpenAI Batch API wire, loopback)", () => {
  it.live("submits what is not cached, polls, writes answers into the cache; the stage then pays nothing", () =>
    Effect.gen(function* () {
      const { wire, id, cache, stateDir } = yield* Effect.promise(() => setup(3))
      const models = yield* makeModels({ config: {}, env: {}, cache })
      const requests = ["q1", "q2", "q3 FAIL", "q4", "q5"].map(ask)
      const summary = yield* runBatch(models, id, requests, { stateDir, pollInterval: "10 millis" })
      expect(summary).toMatchObject({
        cached: 0,
        submitted: 5,
        succeeded: 4,
        failed: { ServerError: 1 },
        resumed: false
      })
      expect(summary.unanswered).toHaveLength(1)
      expect(wire.created.batches).toBe(1)
      const model = yield* models.resolve(id)
      const answer = yield* model.chat(ask("q2"))
      expect(answer).toMatchObject({ text: "batched: q2", cached: true })
      expect(chatCalls()).toBe(0)
      // the failed one is asked live; a second batch run sends nothing already answered
      const again = yield* runBatch(models, id, requests, { stateDir, pollInterval: "10 millis" })
      expect(again).toMatchObject({ cached: 4, submitted: 1 })
      expect(readdirSync(stateDir)).toEqual([])
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.live("a run stopped while the batch is running resumes the same batch instead of paying for another", () =>
    Effect.gen(function* () {
      const { wire, id, cache, stateDir } = yield* Effect.promise(() => setup(50))
      const requests = ["a", "b", "c"].map(ask)
      const first = yield* makeModels({ config: {}, env: {}, cache })
      const running = yield* Effect.forkChild(runBatch(first, id, requests, { stateDir, pollInterval: "5 millis" }))
      // stopped once the batch is running (the provider has been asked about it), whatever the machine's speed
      while (!server.requests.some((r) => r.method === "GET" && r.path.startsWith("/v1/batches/")))
        yield* Effect.sleep("5 millis")
      const stopped = yield* Fiber.interrupt(running).pipe(Effect.andThen(Fiber.await(running)))
      expect(Exit.isFailure(stopped)).toBe(true)
      expect(readdirSync(stateDir)).toHaveLength(1)
      const restarted = yield* makeModels({ config: {}, env: {}, cache })
      const summary = yield* runBatch(restarted, id, requests, { stateDir, pollInterval: "5 millis" })
      expect(summary).toMatchObject({ submitted: 3, succeeded: 3, resumed: true })
      expect(wire.created.batches).toBe(1)
      expect(existsSync(stateDir) && readdirSync(stateDir)).toEqual([])
    }).pipe(Effect.provide(middlewareLayer))
  )

  it.effect("providers without a batch API say so", () =>
    Effect.gen(function* () {
      const models = yield* makeModels({
        config: {},
        env: {},
        cache: { dir: mkdtempSync(join(tmpdir(), "videokr-batch-")), mode: "use" }
      })
      const exit = yield* Effect.exit(
        runBatch(models, "scripted:echo", [ask("x")], { stateDir: tmpdir(), pollInterval: "1 millis" })
      )
      expect(Exit.isFailure(exit) && (exit.cause.reasons[0] as any).error._tag).toBe("BatchUnsupported")
    }).pipe(Effect.provide(middlewareLayer))
  )
})

describe("batch mode (Anthropic Message Batches wire, loopback)", () => {
  it.live(
    "structured requests in a batch: answers (forced tool calls) land in the cache; errored ones are counted",
    () =>
      Effect.gen(function* () {
        let url = ""
        const wire = anthropicBatchServer((b) => (b.tool_choice ? { relevant: true } : "plain"), {
          pollsToFinish: 2,
          baseUrl: () => url
        })
        server = yield* Effect.promise(() => startLoopbackServer(wire.handler))
        url = server.url
        const dir = mkdtempSync(join(tmpdir(), "videokr-batch-"))
        const models = yield* makeModels({
          config: { providers: { anthropic: { baseURL: server.url } } },
          env: { ANTHROPIC_API_KEY: "sk-ant-batch" },
          cache: { dir: join(dir, "cache"), mode: "use" }
        })
        const format = {
          name: "verdict",
          schema: { type: "object", properties: { relevant: { type: "boolean" } }, required: ["relevant"] }
        }
        const requests = [
          { ...ask("frame shows a burette"), responseFormat: format },
          { ...ask("frame shows a FAIL"), responseFormat: format },
          ask("free text")
        ]
        const summary = yield* runBatch(models, "anthropic:claude-test-model", requests, {
          stateDir: join(dir, "batches"),
          pollInterval: "5 millis"
        })
        expect(summary).toMatchObject({
          cached: 0,
          submitted: 3,
          succeeded: 2,
          failed: { ServerError: 1 },
          resumed: false
        })
        expect(summary.unanswered).toHaveLength(1)
        const model = yield* models.resolve("anthropic:claude-test-model")
        expect(yield* model.chat(requests[0]!)).toMatchObject({ text: '{"relevant":true}', cached: true })
        expect(yield* model.chat(requests[2]!)).toMatchObject({ text: "plain", cached: true })
        expect(wire.created.batches).toBe(1)
        expect(server.requests.filter((r) => r.path === "/v1/messages")).toHaveLength(0)
      }).pipe(Effect.provide(middlewareLayer))
  )
})
