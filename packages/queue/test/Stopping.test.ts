import { describe, expect, it } from "vitest"
import { Deferred, Effect, Exit, Fiber, Scope } from "effect"
import { onePage, type Stage } from "@videokr/core"
import { makeCoordinator } from "../src/Coordinator.ts"
import { parseQueueUrl } from "../src/QueueUrl.ts"
import { serveStages } from "../src/Worker.ts"
import { startRedis } from "../src/testing/TestRedis.ts"

// A worker or coordinator told to stop while Redis is away must stop, not wait for Redis to come back:
// with Redis down nothing it holds could be reported anyway (BullMQ hands stalled jobs to others later).
// Each case ends only if the scope closes; were it to hang, vitest's timeout fails the test.

const item = { id: "item-1", input: { n: 1 }, inputHash: "h1" }

describe("stopping with Redis away", () => {
  it("a worker with a job in hand, and the coordinator waiting on that job, both stop", async () => {
    const redis = await startRedis()
    const started = Effect.runSync(Deferred.make<void>())
    const stage: Stage<{ n: number }, undefined, never> = {
      name: "slow",
      pending: onePage("slow", Effect.succeed([])),
      // the job in hand never ends by itself
      process: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never),
      commit: () => Effect.void
    }
    const address = parseQueueUrl(redis.url)
    const program = Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* serveStages({ address, prefix: "stop-test", stages: [stage], concurrency: 1, config: "c" }).pipe(
        Scope.provide(scope)
      )
      // a coordinator queues the item; the worker takes it
      const coordinatorScope = yield* Scope.make()
      const coordinator = yield* makeCoordinator<never>({
        address,
        prefix: "stop-test",
        local: new Set(),
        config: "c",
        barred: [],
        recordCalls: () => Effect.void
      }).pipe(Scope.provide(coordinatorScope))
      const waiting = yield* Effect.forkDetach(coordinator.executor(stage, item, false))
      yield* Deferred.await(started)
      yield* Effect.promise(() => redis.stop())
      yield* Scope.close(scope, Exit.void)
      yield* Fiber.interrupt(waiting)
      yield* Scope.close(coordinatorScope, Exit.void)
      return "stopped"
    })
    expect(await Effect.runPromise(program)).toBe("stopped")
  }, 60_000)
})
