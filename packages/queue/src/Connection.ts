import { Effect } from "effect"
import { Redis } from "ioredis"
import type { QueueAddress } from "./QueueUrl.ts"

/**
 * An ioredis client for BullMQ, closed with its scope. `maxRetriesPerRequest: null`: a command waits
 * for Redis to come back (a restart costs time, never a job); BullMQ's workers require it.
 */
export const redisClient = (address: QueueAddress) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      new Redis({
        host: address.host,
        port: address.port,
        db: address.db,
        ...(address.username === undefined ? {} : { username: address.username }),
        ...(address.password === undefined ? {} : { password: address.password }),
        ...(address.tls ? { tls: {} } : {}),
        maxRetriesPerRequest: null,
        // reconnect every half second at most, for as long as it takes
        retryStrategy: (times: number) => Math.min(500, 50 * times)
      })
    ),
    (client) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
  )
