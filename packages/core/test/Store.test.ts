import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"

describe("the DuckDB store", () => {
  // a client that goes away interrupts the fiber of its request: the statement runs to its end before the
  // connection closes (closing it under a running statement aborts the process in DuckDB's native code)
  it.effect(
    "lets a fiber interrupted in the middle of statements wait for them, and goes on serving",
    () =>
      Effect.gen(function* () {
        const store = yield* CorpusStore
        const long = store.query<{ n: number }>(
          "SELECT count(*)::INT AS n FROM range(30000000) a WHERE a.range % 7 = 3"
        )
        for (let i = 0; i < 20; i++) {
          const fiber = yield* Effect.forkChild(Effect.all([long, long], { concurrency: 2 }))
          for (let k = 0; k < i % 4; k++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
        }
        expect(yield* store.query<{ n: number }>("SELECT 41 + 1 AS n")).toEqual([{ n: 42 }])
      }).pipe(Effect.provide(layerMemory)),
    120_000
  )
})
