import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { sendBytes, testVideos } from "@videokr/core/testing"

/**
 * The MediaWiki API and upload host on loopback, replaying recorded answers (fixtures/): searches by
 * page, a file's `pageids=` lookup, and the files themselves (Range honoured), each a real test clip.
 * Faults for the next request: a 429, a maxlag refusal, a download cut off after a third.
 */
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"))

export const startCommonsServer = async () => {
  const pages = [...fixture("search-page1.json").query.pages, ...fixture("search-page2.json").query.pages] as Array<any>
  const clips = testVideos()
  const media = new Map<number, Buffer>(
    pages.map((p, i) => [
      p.pageid,
      readFileSync([clips.base!, clips.lecture!, clips.life!, clips.mandelbrot!, clips.bars!, clips.reencoded!][i % 6]!)
    ])
  )
  const faults = { refuse: 0, maxlag: 0, cut: 0 }
  const requests: Array<{
    readonly path: string
    readonly params: URLSearchParams
    readonly userAgent: string
    readonly range: string | undefined
  }> = []
  let base = ""
  const fileUrl = (p: any) =>
    `${base}/wikipedia/commons/${p.pageid}/${encodeURIComponent(p.title.replace(/^File:/, "").replace(/ /g, "_"))}`

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    requests.push({
      path: url.pathname,
      params: url.searchParams,
      userAgent: req.headers["user-agent"] ?? "",
      range: req.headers.range
    })
    const json = (body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body))
    if (!/^videokr-plugin-commons\/\S+ \(.+\)/.test(req.headers["user-agent"] ?? ""))
      return res.writeHead(403).end("Please set a user-agent and respect our robot policy")
    if (url.pathname === "/w/api.php") {
      if (faults.refuse > 0)
        return (faults.refuse--, res.writeHead(429, { "retry-after": "1" }).end("Too many requests"))
      if (faults.maxlag > 0) return (faults.maxlag--, json(fixture("maxlag.json"), { "retry-after": "0" }))
      const q = url.searchParams
      if (q.get("formatversion") !== "2" || q.get("maxlag") !== "5")
        return res.writeHead(400).end("the client must ask formatversion=2 with maxlag=5")
      const ids = q.get("pageids")
      if (ids !== null) {
        const p = pages.find((x) => String(x.pageid) === ids)
        if (p === undefined)
          return json({ batchcomplete: true, query: { pages: [{ pageid: Number(ids), missing: true }] } })
        const bytes = media.get(p.pageid)!
        return json({
          batchcomplete: true,
          query: {
            pages: [
              {
                ...p,
                videoinfo: [
                  {
                    ...p.videoinfo[0],
                    url: fileUrl(p),
                    size: bytes.length,
                    sha1: createHash("sha1").update(bytes).digest("hex")
                  }
                ]
              }
            ]
          }
        })
      }
      if (q.get("generator") !== "search" || !q.get("gsrsearch")?.startsWith("filetype:video "))
        return res.writeHead(400).end("unexpected request")
      if (/xylophone/i.test(q.get("gsrsearch")!)) return json(fixture("search-empty.json"))
      return json(
        fixture(
          q.get("gsroffset") === "3" && q.get("continue") === "gsroffset||" ? "search-page2.json" : "search-page1.json"
        )
      )
    }
    const m = /^\/wikipedia\/commons\/(\d+)\//.exec(url.pathname)
    const file = m ? media.get(Number(m[1])) : undefined
    if (file === undefined) return res.writeHead(404).end("Not Found")
    const cut = faults.cut > 0
    if (cut) faults.cut--
    sendBytes(req, res, file, { cut, contentType: "video/webm" })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    api: `${base}/w/api.php`,
    faults,
    requests,
    media,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())))
  }
}
export type CommonsServer = Awaited<ReturnType<typeof startCommonsServer>>
