import { NodeRedis } from "@effect/platform-node"
import { Effect, Layer, Schedule } from "effect"
import { RateLimiter, Redis } from "effect/persistence"
import type { ModelsConfig } from "@videokr/core"
import { ConcurrencyGate, type ConcurrencyGateShape, middlewareLayerFor } from "@videokr/providers"
import type { QueueAddress } from "./QueueUrl.ts"

/**
 * Provider limits held by all workers together: the rate limiters' buckets live in Redis (Effect's
 * Redis-backed store: one Lua script per admission, so no two workers take the same token), and the
 * concurrency permits are leases in a sorted set, each renewed while its call runs, so that a worker
 * killed mid-call gives its permits back once their lease runs out.
 */
export const redisLayer = (address: QueueAddress) =>
  NodeRedis.layer({
    url: address.url,
    socket: { reconnectStrategy: (retries: number) => Math.min(500, 50 * (retries + 1)) }
  })

/** The limiters' store in Redis (the Redis service: redisLayer), under `<prefix>:limits:`. */
export const limiterStoreLayer = (prefix: string) => RateLimiter.layerStoreRedis({ prefix: `${prefix}:limits:` })

const leaseMillis = 30_000

// take a permit if fewer than `limit` leases are alive (expired ones are dropped first), by Redis's clock
const acquireScript = Redis.script((key: string, limit: number, lease: number, id: string) => [key, limit, lease, id], {
  numberOfKeys: 1,
  lua: `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[1]) then
  redis.call("ZADD", KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`
}).withReturnType<number>()

const renewScript = Redis.script((key: string, lease: number, id: string) => [key, lease, id], {
  numberOfKeys: 1,
  lua: `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZADD", KEYS[1], "XX", now + tonumber(ARGV[1]), ARGV[2])
redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[1]) * 2)
return 1`
}).withReturnType<number>()

let leases = 0

/** Concurrency permits shared through Redis: a call waits (polling, jittered) until fewer than the limit are in flight anywhere. */
export const redisConcurrencyGate = (prefix: string) =>
  Effect.map(Redis.Redis, (redis): ConcurrencyGateShape => {
    const acquire = redis.eval(acquireScript)
    const renew = redis.eval(renewScript)
    return {
      withPermit: (key, permits) => (call) =>
        Effect.gen(function* () {
          const zset = `${prefix}:gate:${key}`
          const id = `${process.pid}-${Date.now()}-${leases++}`
          // Redis away: the call waits for it (a restart costs time), never runs unpermitted
          const take = Effect.orElseSucceed(acquire(zset, permits, leaseMillis, id), () => 0)
          yield* take.pipe(
            Effect.repeat({ until: (got) => got === 1, schedule: Schedule.spaced("50 millis").pipe(Schedule.jittered) })
          )
          const renewing = Effect.forever(
            Effect.andThen(Effect.sleep(leaseMillis / 3), Effect.ignore(renew(zset, leaseMillis, id)))
          )
          return yield* Effect.raceFirst(call, Effect.andThen(renewing, Effect.never)).pipe(
            Effect.ensuring(Effect.ignore(redis.send("ZREM", zset, id)))
          )
        })
    }
  })

/**
 * What a process that asks models for a queued run runs within: the providers' middleware with its rate
 * limiters' buckets and its concurrency permits in Redis, over one Redis connection.
 */
export const withGlobalLimits =
  (address: QueueAddress, prefix: string, models: ModelsConfig | undefined) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.provideServiceEffect(ConcurrencyGate, redisConcurrencyGate(prefix)),
      Effect.provide(Layer.provideMerge(middlewareLayerFor(models, limiterStoreLayer(prefix)), redisLayer(address)))
    )
