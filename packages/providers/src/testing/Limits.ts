import type { RecordedRequest, Reply } from "./LoopbackServer.ts"

/**
 * A server that enforces limits as providers do: token buckets for requests and tokens per minute
 * (capacity a sixtieth of the minute's limit, refilled continuously), answering 429 with Retry-After
 * when a request does not fit; and a latency per answer. It counts what it saw.
 */
export interface ServerLimits {
  readonly requestsPerMinute?: number
  readonly tokensPerMinute?: number
  /** tokens a request is charged at admission */
  readonly tokensOf?: (body: any) => number
  readonly latencyMs?: number | (() => number)
  /** announce the limits in OpenAI's x-ratelimit-limit-* headers on every answer */
  readonly announce?: boolean
  /**
   * The buckets' clock, in ms (default: the wall clock). A test that drives time (Effect's TestClock)
   * passes its clock, so that pacing is judged the same at any machine speed.
   */
  readonly now?: () => number
}

export interface LimitCounters {
  accepted: number
  rejected: number
  inFlight: number
  maxInFlight: number
  /** when the first and the last accepted request arrived (ms on the server's clock) */
  firstAcceptedAt: number
  lastAcceptedAt: number
}

const bucket = (perMinute: number, clock: () => number) => {
  const capacity = Math.max(1, Math.floor(perMinute / 60))
  const perMs = perMinute / 60_000
  let tokens = capacity
  let at = clock()
  return {
    /** takes `n` tokens if they are there; else how long until they are */
    take(n: number): number {
      const now = clock()
      tokens = Math.min(capacity, tokens + (now - at) * perMs)
      at = now
      if (tokens >= Math.min(n, capacity)) {
        tokens -= n
        return 0
      }
      return Math.ceil((Math.min(n, capacity) - tokens) / perMs)
    }
  }
}

export const limitedReply = (inner: (request: RecordedRequest) => Reply, limits: ServerLimits) => {
  const counters: LimitCounters = {
    accepted: 0,
    rejected: 0,
    inFlight: 0,
    maxInFlight: 0,
    firstAcceptedAt: 0,
    lastAcceptedAt: 0
  }
  const clock = limits.now ?? Date.now
  const rpm = limits.requestsPerMinute === undefined ? undefined : bucket(limits.requestsPerMinute, clock)
  const tpm = limits.tokensPerMinute === undefined ? undefined : bucket(limits.tokensPerMinute, clock)
  const handler = async (request: RecordedRequest): Promise<Reply> => {
    const waitRequests = rpm?.take(1) ?? 0
    const waitTokens = waitRequests > 0 ? 0 : (tpm?.take(limits.tokensOf?.(request.body) ?? 0) ?? 0)
    const wait = Math.max(waitRequests, waitTokens)
    if (wait > 0) {
      counters.rejected++
      return {
        status: 429,
        headers: { "retry-after-ms": String(wait), "retry-after": String(Math.ceil(wait / 1000)) },
        body: {
          error: {
            message: `Rate limit reached for ${waitRequests > 0 ? "requests" : "tokens"}`,
            type: waitRequests > 0 ? "requests" : "tokens"
          }
        }
      }
    }
    counters.accepted++
    counters.lastAcceptedAt = clock()
    if (counters.accepted === 1) counters.firstAcceptedAt = counters.lastAcceptedAt
    counters.inFlight++
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight)
    const latency = typeof limits.latencyMs === "function" ? limits.latencyMs() : (limits.latencyMs ?? 0)
    if (latency > 0) await new Promise((r) => setTimeout(r, latency))
    counters.inFlight--
    const reply = inner(request)
    if (!limits.announce) return reply
    const announced = {
      ...(limits.requestsPerMinute === undefined
        ? {}
        : { "x-ratelimit-limit-requests": String(limits.requestsPerMinute) }),
      ...(limits.tokensPerMinute === undefined ? {} : { "x-ratelimit-limit-tokens": String(limits.tokensPerMinute) })
    }
    return { ...reply, headers: { ...reply.headers, ...announced } }
  }
  return { handler, counters }
}
