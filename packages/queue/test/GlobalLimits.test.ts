import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { parseQueueUrl } from "../src/QueueUrl.ts"
import { redisConcurrencyGate, redisLayer } from "../src/GlobalLimits.ts"
import { startRedis, type TestRedis } from "../src/testing/TestRedis.ts"

// Two gates stand for two workers: each with its own Redis connection, sharing one limit.
let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())

describe("concurrency permits through Redis", () => {
  it("hold a limit across processes together, and give each permit back when its call ends, however it ends", async () => {
    let inFlight = 0
    let most = 0
    let started = 0
    const call = (fail: boolean) =>
      Effect.gen(function* () {
        inFlight++
        started++
        most = Math.max(most, inFlight)
        // the first calls hold their permits until three run at once (or every call has started): the
        // gates must let three overlap, and never a fourth
        while (most < 3 && started < 24) yield* Effect.sleep(1)
        inFlight--
        if (fail) return yield* Effect.fail("refused" as const)
        return "ok" as const
      })
    const worker = (calls: number) =>
      Effect.gen(function* () {
        const gate = yield* redisConcurrencyGate("test")
        return yield* Effect.forEach(
          Array.from({ length: calls }, (_, i) => i),
          (i) => Effect.result(gate.withPermit("model-a", 3)(call(i % 4 === 0))),
          { concurrency: "unbounded" }
        )
      }).pipe(Effect.provide(redisLayer(parseQueueUrl(redis.url))))
    const [a, b] = await Effect.runPromise(Effect.all([worker(12), worker(12)], { concurrency: 2 }))
    expect(most).toBe(3)
    expect([...a!, ...b!].filter((r) => r._tag === "Failure")).toHaveLength(6)
    // every permit went back, the failed calls' too: three more calls get all three at once
    most = 0
    started = 21
    const again = await Effect.runPromise(worker(3))
    expect(again.map((r) => r._tag)).toEqual(["Failure", "Success", "Success"])
    expect(most).toBe(3)
  })
})
