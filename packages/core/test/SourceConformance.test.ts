import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { copyFileSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import * as Media from "../src/Media.ts"
import { makeLocalSource, makeUrlsSource } from "../src/index.ts"
import { sendBytes, type SourceSubject, sourceConformance } from "../src/testing/index.ts"
import { testVideos } from "../src/testing/videos.ts"
import { scratchDir } from "./support.ts"

// the built-in sources pass the kit that plugin sources pass (@videokr/core/testing)

const localSubject = (): SourceSubject => {
  const v = testVideos()
  const root = scratchDir("videokr-local-kit-")
  copyFileSync(v.base!, join(root, "titration.mp4"))
  copyFileSync(v.life!, join(root, "titration-cells.mp4"))
  writeFileSync(
    join(root, "videos.jsonl"),
    [
      { file: "titration.mp4", title: "Acid-base titration with a burette", license: "CC BY 4.0" },
      { file: "titration-cells.mp4", title: "Titration seen under a microscope", license: "CC0" }
    ]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n"
  )
  const frames = scratchDir("videokr-local-kit-frames-")
  return {
    make: () =>
      Effect.runPromise(
        makeLocalSource({ root, sidecar: join(root, "videos.jsonl") }).pipe(
          Effect.provide(Media.layer({ cacheDir: frames }))
        )
      ),
    query: "titration",
    nothing: "xylophone"
  }
}

/** Two video files over HTTP (Range honoured), a missing one, and a fault: the next download cut after a third. */
let server: Server | undefined
let cutNext = false
const files: Record<string, Buffer> = {}
beforeAll(async () => {
  const v = testVideos()
  files["/titration.mp4"] = readFileSync(v.base!)
  files["/cells.mp4"] = readFileSync(v.life!)
  server = createServer((req, res) => {
    const file = files[req.url ?? ""]
    if (file === undefined) return res.writeHead(404).end("not found")
    sendBytes(req, res, file, { cut: cutNext })
    cutNext = false
  })
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r))
})
afterAll(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())))

const urlsSubject = (attempts?: number): SourceSubject => {
  const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`
  const list = join(scratchDir("videokr-urls-kit-"), "urls.jsonl")
  writeFileSync(
    list,
    [
      { url: `${base}/titration.mp4`, license: "CC BY 4.0", title: "Titration", duration: 10 },
      { url: `${base}/cells.mp4`, license: "CC0", title: "Cells", duration: 10 }
    ]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n"
  )
  const make = () => Effect.runPromise(makeUrlsSource({ list, attempts }))
  return {
    make,
    query: "titration",
    // a list has no search engine: every query finds every listed video, so "nothing" is an empty list
    nothing: "xylophone",
    faults: {
      breakNextDownload: () => (cutNext = true),
      refuseNextSearch: () => {}, // searching a list asks no server
      gone: {
        video: {
          id: "urls:gone",
          source: "urls",
          source_id: "gone",
          url: `${base}/gone.mp4`,
          license: "CC0",
          duration: 10,
          title: "Gone"
        }
      }
    }
  }
}

describe("the local source passes the source kit", () => {
  for (const check of sourceConformance) it(check.name, () => check.run(localSubject()))
})

describe("the urls source passes the source kit", () => {
  for (const check of sourceConformance.filter((c) => !c.name.startsWith("keeps to the limit")))
    it(check.name, () => check.run(urlsSubject()))
  it("keeps to the limit and finds the same again (a list finds every video for every query)", async () => {
    const source = await urlsSubject().make()
    const once = await Effect.runPromise(source.search("titration", { limit: 1 }))
    expect(once).toHaveLength(1)
    expect(Exit.isSuccess(await Effect.runPromiseExit(source.search("xylophone", { limit: 10 })))).toBe(true)
  })
})

describe("the source kit", () => {
  const kit = (name: string) => sourceConformance.find((c) => c.name.startsWith(name))!
  it("rejects a source that gives up on a broken download, and videos without their source's id or a license", async () => {
    await expect(kit("a download broken off").run(urlsSubject(1))).rejects.toThrow(/after a break failed/)
    const subject = urlsSubject()
    const careless: SourceSubject = {
      ...subject,
      make: async () => {
        const source = await subject.make()
        return {
          ...source,
          search: (q, o) =>
            Effect.map(source.search(q, o), (found) =>
              found.map((c) => ({ ...c, video: { ...c.video, id: c.video.source_id, license: "" } }))
            )
        }
      }
    }
    await expect(kit("finds videos").run(careless)).rejects.toThrow(/id is <source>:<source_id>/)
  })
})
