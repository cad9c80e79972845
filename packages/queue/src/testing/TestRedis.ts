import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A redis-server of the test's own, on a free loopback port, with persistence on (an append-only file in
 * its own folder), so that a restart keeps the queue as a production Redis does. The set-up installs
 * redis-server and names it in $VIDEOKR_REDIS_SERVER.
 */
export interface TestRedis {
  readonly port: number
  readonly url: string
  /** stops it (SIGTERM: the append-only file is flushed) and starts it again on the same port and folder */
  readonly restart: () => Promise<void>
  /** stops it for good and removes its folder */
  readonly stop: () => Promise<void>
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })

const binary = () => {
  const path = process.env.VIDEOKR_REDIS_SERVER
  if (path === undefined || path === "")
    throw new Error(
      "no redis-server: the set-up (tools/setup/setup.sh) installs it and names it in $VIDEOKR_REDIS_SERVER"
    )
  return path
}

export const startRedis = async (): Promise<TestRedis> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "videokr-redis-"))
  let child: ChildProcess | undefined
  const start = async () => {
    const c = spawn(
      binary(),
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--maxmemory-policy",
        "noeviction"
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let log = ""
    await new Promise<void>((resolve, reject) => {
      c.stdout!.on("data", (d) => {
        log += d
        if (/Ready to accept connections/.test(log)) resolve()
      })
      c.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${log}`)))
    })
    child = c
  }
  const stop = async () => {
    const c = child
    child = undefined
    if (c === undefined || c.exitCode !== null) return
    const exited = once(c, "exit")
    c.kill("SIGTERM")
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    restart: async () => (await stop(), await start()),
    stop: async () => (await stop(), rmSync(dir, { recursive: true, force: true }))
  }
}
