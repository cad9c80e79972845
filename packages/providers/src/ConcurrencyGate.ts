import { Context, type Effect, Semaphore } from "effect"

/**
 * How many calls to a model may be in flight at once (limits.<model>.concurrency): a permit per call,
 * held while it runs. In one process, a semaphore per model; a run spread over workers shares the count
 * through Redis instead (@videokr/queue), so the limit holds across all of them together.
 */
export interface ConcurrencyGateShape {
  readonly withPermit: (
    key: string,
    permits: number
  ) => <A, E, R>(call: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** Semaphores of this process, one per model key. */
export const localConcurrencyGate = (): ConcurrencyGateShape => {
  const semaphores = new Map<string, Semaphore.Semaphore>()
  return {
    withPermit: (key, permits) => {
      let s = semaphores.get(key)
      if (s === undefined) semaphores.set(key, (s = Semaphore.makeUnsafe(permits)))
      return s.withPermits(1)
    }
  }
}

export const ConcurrencyGate = Context.Reference<ConcurrencyGateShape>("@videokr/providers/ConcurrencyGate", {
  defaultValue: localConcurrencyGate
})
