import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { type SourceSubject, sourceConformance } from "@videokr/core/testing"
import plugin, { makeCommonsSource } from "videokr-plugin-commons"
import { type CommonsServer, startCommonsServer } from "./CommonsServer.ts"

// through the public API alone: the plugin as a project loads it, the source kit of @videokr/core/testing,
// recorded API answers on loopback
let server: CommonsServer
beforeAll(async () => (server = await startCommonsServer()))
afterAll(() => server.close())

const make = () => makeCommonsSource({ api: server.api, contact: "https://example.org/videokr-tests" })
const subject = (): SourceSubject => ({
  make,
  query: "titration",
  nothing: "xylophone",
  faults: {
    breakNextDownload: () => void server.faults.cut++,
    refuseNextSearch: () => void server.faults.refuse++,
    gone: {
      video: {
        id: "commons:404404",
        source: "commons",
        source_id: "404404",
        url: "https://commons.wikimedia.org/wiki/File:Gone.webm",
        license: "CC BY 4.0",
        duration: 10,
        title: "Gone"
      }
    }
  }
})

describe("the Commons source passes the source kit", () => {
  for (const check of sourceConformance) it(check.name, () => check.run(subject()))
})

describe("the Commons source", () => {
  it("finds videos in rank order across pages, with their licenses, authors and descriptions as text", async () => {
    const before = server.requests.length
    const found = await Effect.runPromise(make().search("acid-base titration", { limit: 10 }))
    expect(found.map((c) => c.video.id)).toEqual([
      "commons:123456789",
      "commons:9000029",
      "commons:7770002",
      "commons:8880003",
      "commons:6660004"
    ])
    expect(found[0]!.video).toEqual({
      id: "commons:123456789",
      source: "commons",
      source_id: "123456789",
      url: "https://commons.wikimedia.org/wiki/File:Acid-base_titration_with_phenolphthalein.webm",
      license: "CC BY-SA 4.0",
      duration: 30.03,
      title: "Acid-base titration with phenolphthalein",
      description:
        "Titration of hydrochloric acid with 0.1 M sodium hydroxide; the indicator turns pink at the end point.",
      tags: ["Titration", "Phenolphthalein"],
      channel: "LabTeacher"
    })
    expect(found.map((c) => [c.video.license, c.video.channel ?? null, c.video.title])).toEqual([
      ["CC BY-SA 4.0", "LabTeacher", "Acid-base titration with phenolphthalein"],
      ["CC BY 3.0", "Blender Foundation", "Big Buck Bunny medium"],
      ["unknown", null, "Burette reading close-up"], // extmetadata: [] — the license gate drops it
      ["CC BY-NC 2.0", "Science Class 4B", "Titration in a school laboratory"],
      ["Public domain", "Unknown author", "Neutralisation (1931 educational film)"]
    ])
    // two requests, the second continuing the first; the descriptive User-Agent on each
    const asked = server.requests.slice(before)
    expect(asked.map((r) => r.params.get("gsroffset"))).toEqual([null, "3"])
    expect(asked[0]!.params.get("gsrsearch")).toBe("filetype:video acid-base titration")
    expect(asked[0]!.params.get("prop")).toBe("videoinfo")
    expect(asked[0]!.userAgent).toMatch(
      /^videokr-plugin-commons\/0\.1\.0 \(https:\/\/example\.org\/videokr-tests\) node\//
    )
  })

  it("waits out a maxlag refusal as its Retry-After says; a 429 is a fault of the moment", async () => {
    server.faults.maxlag = 2
    const found = await Effect.runPromise(make().search("titration", { limit: 2 }))
    expect(found).toHaveLength(2)
    server.faults.refuse = 1
    const exit = await Effect.runPromiseExit(make().search("titration", { limit: 2 }))
    expect(Exit.isFailure(exit) && (exit.cause.reasons[0] as any).error).toMatchObject({
      _tag: "SourceError",
      source: "commons",
      transient: true,
      reason: expect.stringContaining("HTTP 429")
    })
  })

  it("downloads the file at its current address, resuming a cut transfer, and checks its SHA-1", async () => {
    const [first] = await Effect.runPromise(make().search("titration", { limit: 1 }))
    server.faults.cut = 1
    const before = server.requests.length
    const dir = mkdtempSync(join(tmpdir(), "videokr-commons-"))
    const path = await Effect.runPromise(make().download(first!, dir))
    expect(path).toBe(join(dir, "123456789.webm"))
    expect(readFileSync(path).equals(server.media.get(123456789)!)).toBe(true)
    const files = server.requests.slice(before).filter((r) => r.path.startsWith("/wikipedia/"))
    expect(files.map((r) => (r.range === undefined ? "whole" : "resumed"))).toEqual(["whole", "resumed"])
  })

  it('is offered by the plugin as the source "commons", and refuses to run without a contact', () => {
    expect(plugin.sources!.commons!({ options: { contact: "ops@example.org" }, projectDir: "." }).id).toBe("commons")
    expect(() => plugin.sources!.commons!({ options: {}, projectDir: "." })).toThrow(/option "contact" is required/)
  })
})
