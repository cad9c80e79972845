import { type Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"

/**
 * Moves Effect's TestClock on in steps while `fiber` runs, until it ends, and returns its exit. Between
 * steps the event loop turns, so that real I/O (a loopback server's answer) lands before time moves
 * again. Waits, retries and pacing then take no wall-clock time, and a test judges them by the test
 * clock: the same on an idle machine and on a loaded one.
 */
export const driveUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>, step: Duration.Input) =>
  Effect.gen(function* () {
    while (fiber.pollUnsafe() === undefined) {
      yield* TestClock.adjust(step)
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 1)))
    }
    return yield* Fiber.await(fiber)
  })

/** Runs `effect` on a fiber of its own and drives the test clock until it ends (see `driveUntilDone`). */
export const runDriven = <A, E, R>(effect: Effect.Effect<A, E, R>, step: Duration.Input) =>
  Effect.forkChild(effect).pipe(Effect.flatMap((fiber) => driveUntilDone(fiber, step)))
