import { afterEach, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  chatCompletionReply,
  lastUserText,
  limitedReply,
  startLoopbackServer,
  type LoopbackServer
} from "../src/testing/index.ts"

const client = fileURLToPath(new URL("./support/client.ts", import.meta.url))
let server: LoopbackServer
afterEach(() => server?.close())

const run = (args: Array<string>) => {
  const child = spawn(
    process.execPath,
    ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", client, ...args],
    {
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  let out = ""
  let err = ""
  child.stdout.on("data", (d) => (out += d))
  child.stderr.on("data", (d) => (err += d))
  return { child, output: () => out, errors: () => err }
}

describe("a run killed mid-way and restarted", () => {
  it("loses no request and pays again only for those in flight at the kill; the key is in no file or log", async () => {
    const limited = limitedReply(
      chatCompletionReply((b) => `answer to ${lastUserText(b)}`),
      { latencyMs: 25 }
    )
    server = await startLoopbackServer(limited.handler)
    const cacheDir = mkdtempSync(join(tmpdir(), "videokr-restart-"))
    const n = 200

    const first = run([server.url, cacheDir, String(n)])
    while (server.requests.length < 60) await new Promise((r) => setTimeout(r, 10))
    first.child.kill("SIGKILL")
    await once(first.child, "exit")
    const paidBefore = server.requests.length

    const second = run([server.url, cacheDir, String(n)])
    const [code] = await once(second.child, "exit")
    expect(second.errors()).toBe("")
    expect(code).toBe(0)

    // every question answered once by the second run
    const answered = second
      .output()
      .trim()
      .split("\n")
      .map((l) => Number(l.split(" ")[0]))
    expect(new Set(answered).size).toBe(n)
    // asked of the server: each question once, except at most those in flight when the first run died
    const asked = new Map<string, number>()
    for (const r of server.requests) asked.set(lastUserText(r.body), (asked.get(lastUserText(r.body)) ?? 0) + 1)
    const repeats = [...asked.values()].filter((c) => c > 1).length
    expect(asked.size).toBe(n)
    expect(repeats).toBeLessThanOrEqual(4) // the client's concurrency
    expect(server.requests.length).toBe(n + repeats)
    expect(paidBefore).toBeGreaterThanOrEqual(60)
    expect(limited.counters.maxInFlight).toBeLessThanOrEqual(4)
    // the key went to the server, and nowhere else
    const secret = "sk-restart-SECRET-KEY"
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${secret}`)).toBe(true)
    for (const f of readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())) {
      expect(readFileSync(join(f.parentPath, f.name), "utf8")).not.toContain(secret)
    }
    expect(first.output() + first.errors() + second.output() + second.errors()).not.toContain(secret)
  })
})
