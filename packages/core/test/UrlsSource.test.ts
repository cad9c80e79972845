import { afterEach, describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { makeUrlsSource } from "../src/sources/UrlsSource.ts"
import { fileWith, scratchDir } from "./support.ts"
import { testVideos } from "../src/testing/videos.ts"

let server: Server | undefined
afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())))

/** bytes of the download in progress in `dir` (its "<id>.part" file) */
const partBytes = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".part"))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0)

/**
 * A server of `file` that cuts the first `cuts` transfers after a third of the body, once the client has
 * written some of it to `dir` (so that it has something to resume from, however busy the machine).
 */
const serve = async (file: Buffer, cuts: number, dir: string, honourRange = true) => {
  const seen: Array<string | undefined> = []
  let dropped = 0
  server = createServer((req, res) => {
    seen.push(req.headers.range)
    const m = honourRange ? /^bytes=(\d+)-$/.exec(req.headers.range ?? "") : null
    const start = m ? Number(m[1]) : 0
    const body = file.subarray(start)
    res.writeHead(m ? 206 : 200, {
      "content-type": "video/mp4",
      "content-length": String(body.length),
      "accept-ranges": "bytes",
      ...(m ? { "content-range": `bytes ${start}-${file.length - 1}/${file.length}` } : {})
    })
    if (dropped < cuts) {
      dropped++
      res.write(body.subarray(0, Math.floor(body.length / 3)))
      const cut = () => (partBytes(dir) > start ? res.destroy() : setTimeout(cut, 5))
      return cut()
    }
    res.end(body)
  })
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/lab/titration.mp4`, seen }
}

describe("the urls source", () => {
  it.live("reads a list with licenses and downloads over HTTP, resuming cut transfers with Range requests", () =>
    Effect.gen(function* () {
      const original = readFileSync(testVideos().base!)
      const dir = scratchDir("videokr-urls-")
      const { url, seen } = yield* Effect.promise(() => serve(original, 2, dir))
      const list = fileWith(
        "urls.jsonl",
        JSON.stringify({
          url,
          license: "CC BY 4.0",
          title: "Titration demo",
          tags: "chemistry; titration",
          duration: 10
        }) + "\n"
      )
      const source = yield* makeUrlsSource({ list })
      const [candidate] = yield* source.search("anything", { limit: 5 })
      expect(candidate!.video).toMatchObject({
        source: "urls",
        license: "CC BY 4.0",
        title: "Titration demo",
        tags: ["chemistry", "titration"],
        duration: 10
      })
      const path = yield* source.download(candidate!, dir)
      expect(readFileSync(path).equals(original)).toBe(true)
      expect(seen[0]).toBeUndefined()
      // each retry resumes from what is on disk, with a Range request from a growing offset
      expect(seen).toHaveLength(3)
      expect(seen.slice(1).every((r) => /^bytes=[1-9]\d*-$/.test(r ?? ""))).toBe(true)
      expect(Number(/\d+/.exec(seen[2]!)![0])).toBeGreaterThan(Number(/\d+/.exec(seen[1]!)![0]))
    })
  )

  it.live("starts over when the server ignores Range, and refuses a list without licenses", () =>
    Effect.gen(function* () {
      const original = readFileSync(testVideos().life!)
      const dir = scratchDir("videokr-urls-")
      const { url } = yield* Effect.promise(() => serve(original, 1, dir, false))
      const list = join(dir, "urls.csv")
      writeFileSync(list, `url,license\n${url},CC0\n`)
      const source = yield* makeUrlsSource({ list })
      const path = yield* source.download(source.candidates[0]!, dir)
      expect(readFileSync(path).equals(original)).toBe(true)
      const bad = fileWith("bad.jsonl", JSON.stringify({ url }) + "\n")
      const exit = yield* Effect.exit(makeUrlsSource({ list: bad }))
      expect(Exit.isFailure(exit) && (exit.cause.reasons[0] as any).error.message).toMatch(
        /line 1: field "license": required/
      )
    })
  )

  it.live(
    "a server that is down or overloaded is a transient failure (the video stays pending); a missing file is final",
    () =>
      Effect.gen(function* () {
        const statuses = [503, 429, 404]
        server = createServer((_req, res) => {
          const status = statuses[0]!
          res.writeHead(status, { "content-type": "text/plain" })
          res.end(`status ${status}`)
        })
        yield* Effect.promise(() => new Promise<void>((r) => server!.listen(0, "127.0.0.1", r)))
        const port = (server!.address() as AddressInfo).port
        const list = fileWith(
          "urls.jsonl",
          JSON.stringify({ url: `http://127.0.0.1:${port}/a.mp4`, license: "CC0" }) + "\n"
        )
        const source = yield* makeUrlsSource({ list, attempts: 1 })
        const failure = () => Effect.flip(source.download(source.candidates[0]!, scratchDir("videokr-urls-")))
        expect(yield* failure()).toMatchObject({
          _tag: "SourceError",
          transient: true,
          reason: expect.stringContaining("HTTP 503")
        })
        statuses.shift()
        expect(yield* failure()).toMatchObject({ transient: true, reason: expect.stringContaining("HTTP 429") })
        statuses.shift()
        const gone = yield* failure()
        expect(gone.reason).toContain("HTTP 404")
        expect(gone.transient).toBeUndefined()
        // nothing listening: connection refused
        yield* Effect.promise(() => new Promise<void>((r) => (server!.closeAllConnections(), server!.close(() => r()))))
        server = undefined
        expect(yield* failure()).toMatchObject({ transient: true })
      })
  )
})
