import { Effect } from "effect"
import { Redis } from "ioredis"
import type { QueueAddress } from "./QueueUrl.ts"

/**
 * An ioredis client for BullMQ, closed with its scope. `maxRetriesPerRequest: null`: a command waits
 * for Redis to come back (a restart costs time, never a job); BullMQ's workers require it. An outage is
 * logged once when it starts and once when it ends, not at every reconnect attempt (connections
 * duplicated from it for BullMQ say nothing: this one speaks for them).
 */
export const redisClient = (address: QueueAddress) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const log = Effect.runForkWith(yield* Effect.context<never>())
      const client = new Redis({
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
      let away = false
      client.on("error", (e: Error) => {
        if (away) return
        away = true
        log(Effect.logWarning(`Redis at ${address.display} is unreachable (${e.message}): waiting for it to come back`))
      })
      client.on("ready", () => {
        if (!away) return
        away = false
        log(Effect.logInfo(`Redis at ${address.display} is back`))
      })
      return client
    }),
    (client) => Effect.promise(() => closeRedis(client))
  )

/** A client's own connection for a BullMQ part that blocks on it; its outages are the first one's to report. */
export const duplicateOf = (client: Redis): Redis => client.duplicate().on("error", () => undefined)

/**
 * What a BullMQ part (queue, events, worker) does with the errors it emits: those of the connection (Redis
 * away) are the client's to report, once per outage; any other is logged as a warning naming the part.
 */
export const partErrors = Effect.map(Effect.context<never>(), (context) => {
  const log = Effect.runForkWith(context)
  return (part: string) => (e: Error) => {
    const code = (e as { code?: unknown }).code
    if (
      (typeof code === "string" && /^E[A-Z]+$/.test(code)) ||
      /Connection is closed|connect E[A-Z]+|Stream isn't writeable/.test(e.message)
    )
      return
    log(Effect.logWarning(`${part}: ${e.message}`))
  }
})

/**
 * Closes a connection: politely (QUIT) when Redis is there; at once when it is not, since a command would
 * wait for Redis to come back and a process told to stop would hang.
 */
export const closeRedis = async (client: Redis): Promise<void> => {
  if (!(await reachable(client))) return client.disconnect()
  await client.quit().catch(() => client.disconnect())
}

/**
 * Whether Redis answers a PING within a second: a connection's status can still say "ready" just after
 * Redis went away, and a command to an absent Redis waits for it to come back.
 */
export const reachable = (client: Redis): Promise<boolean> =>
  client.status !== "ready"
    ? Promise.resolve(false)
    : Promise.race([
        client.ping().then(
          () => true,
          () => false
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1_000).unref())
      ])
