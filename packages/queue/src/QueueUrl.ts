import { Effect } from "effect"
import { UsageError } from "@videokr/core"

/**
 * Where the queue is: `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). The password
 * may also come from $VIDEOKR_REDIS_PASSWORD, so that it never stands in a command line; `display` is
 * the address without it, for messages and status.
 */
export interface QueueAddress {
  readonly host: string
  readonly port: number
  readonly db: number
  readonly username: string | undefined
  readonly password: string | undefined
  readonly tls: boolean
  /** the URL without its password */
  readonly display: string
  /** the URL as node-redis takes it (with the password) */
  readonly url: string
}

export const parseQueueUrl = (
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env
): QueueAddress => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError({ reason: `--queue: "${text}" is not a Redis URL (redis://host:6379/0)` })
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new UsageError({
      reason: `--queue: "${text}" is not a Redis URL: it must start with redis:// (or rediss://)`
    })
  const db = url.pathname === "" || url.pathname === "/" ? 0 : Number(url.pathname.slice(1))
  if (!Number.isInteger(db) || db < 0)
    throw new UsageError({
      reason: `--queue: "${url.pathname.slice(1)}" is not a database number (redis://host:6379/0)`
    })
  const port = url.port === "" ? 6379 : Number(url.port)
  const password = url.password === "" ? env.VIDEOKR_REDIS_PASSWORD : decodeURIComponent(url.password)
  const username = url.username === "" ? undefined : decodeURIComponent(url.username)
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  const display = `${url.protocol}//${username === undefined ? "" : `${username}@`}${url.hostname}:${port}/${db}`
  const auth = password === undefined ? "" : `${encodeURIComponent(username ?? "")}:${encodeURIComponent(password)}@`
  return {
    host,
    port,
    db,
    username,
    password,
    tls: url.protocol === "rediss:",
    display,
    url: `${url.protocol}//${auth}${url.hostname}:${port}/${db}`
  }
}

/** The address of `--queue`, as a usage error when it is not one. */
export const queueAddress = (text: string): Effect.Effect<QueueAddress, UsageError> =>
  Effect.try({
    try: () => parseQueueUrl(text),
    catch: (e) => (e instanceof UsageError ? e : new UsageError({ reason: String(e) }))
  })
