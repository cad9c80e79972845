import type { Fault, RecordedRequest } from "./LoopbackServer.ts"

/**
 * A seeded plan of the faults a provider shows over a long run, for
 * `startLoopbackServer(handler, { fault: plan.fault })`: a share of 500s, a share of garbage 200s (a
 * proxy's HTML page, an empty answer, a body broken in the middle, in turn), and rate-limit storms the
 * test starts and stops. One draw per request, so the same seed and the same requests give the same
 * faults; `only` keeps the faults to some requests (a path, a model) and leaves the others alone. The
 * handler stays whatever it was (a wire reply, `limitedReply`), so the plan composes with both.
 */
export type GarbageKind = "html" | "empty" | "malformed"

export interface FaultPlanOptions {
  /** the PRNG's seed (default 1) */
  readonly seed?: number | undefined
  /** the share of requests answered 500 */
  readonly errorRate?: number | undefined
  /** the share of requests answered 200 with garbage */
  readonly garbageRate?: number | undefined
  /** the garbage kinds, taken in turn (default: html, empty, malformed) */
  readonly garbage?: ReadonlyArray<GarbageKind> | undefined
  /** the Retry-After a storm's 429s carry (default 1000 ms) */
  readonly rateLimitStorm?: { readonly retryAfterMs: number } | undefined
  /** which requests may get a fault (default: all) */
  readonly only?: ((request: RecordedRequest) => boolean) | undefined
}

export interface FaultPlanCounters {
  /** requests `only` let through to the plan; each is counted once more below */
  considered: number
  /** answered normally */
  clean: number
  serverErrors: number
  rateLimited: number
  readonly garbage: Record<GarbageKind, number>
}

export interface FaultPlan {
  readonly fault: (request: RecordedRequest) => Fault | undefined
  readonly counters: FaultPlanCounters
  /** while a storm is on, every request the plan considers is answered 429 */
  readonly storm: { readonly start: () => void; readonly stop: () => void }
}

/** mulberry32: tiny, fast, and good enough to spread faults; the same seed gives the same sequence. */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

// bodies both SDKs read an error message from (OpenAI's error.message, Anthropic's {type: "error", error})
const errorBody = (type: string, message: string) => ({ type: "error", error: { type, message } })

export const faultPlan = (options: FaultPlanOptions = {}): FaultPlan => {
  const errorRate = options.errorRate ?? 0
  const garbageRate = options.garbageRate ?? 0
  const garbage = options.garbage ?? ["html", "empty", "malformed"]
  if (errorRate < 0 || garbageRate < 0 || errorRate + garbageRate > 1) {
    throw new RangeError(
      `faultPlan: errorRate (${errorRate}) and garbageRate (${garbageRate}) must be shares that sum to at most 1`
    )
  }
  if (garbageRate > 0 && garbage.length === 0) throw new RangeError("faultPlan: garbageRate without garbage kinds")
  const retryAfterMs = options.rateLimitStorm?.retryAfterMs ?? 1000
  const draw = prng(options.seed ?? 1)
  const counters: FaultPlanCounters = {
    considered: 0,
    clean: 0,
    serverErrors: 0,
    rateLimited: 0,
    garbage: { html: 0, empty: 0, malformed: 0 }
  }
  let storming = false
  let nextGarbage = 0

  const fault = (request: RecordedRequest): Fault | undefined => {
    if (options.only !== undefined && !options.only(request)) return undefined
    counters.considered++
    if (storming) {
      counters.rateLimited++
      return {
        kind: "status",
        status: 429,
        headers: { "retry-after-ms": String(retryAfterMs), "retry-after": String(Math.ceil(retryAfterMs / 1000)) },
        body: errorBody("rate_limit_error", "Rate limit reached (storm)")
      }
    }
    const u = draw()
    if (u < errorRate) {
      counters.serverErrors++
      return { kind: "status", status: 500, body: errorBody("api_error", "Internal server error") }
    }
    if (u < errorRate + garbageRate) {
      const kind = garbage[nextGarbage++ % garbage.length]!
      counters.garbage[kind]++
      return { kind }
    }
    counters.clean++
    return undefined
  }

  return {
    fault,
    counters,
    storm: { start: () => void (storming = true), stop: () => void (storming = false) }
  }
}
