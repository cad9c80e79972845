import { describe, expect, it } from "@effect/vitest"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import * as Media from "../src/Media.ts"
import { findNearDuplicates, packFingerprints } from "../src/NearDuplicates.ts"
import { VideosKind } from "../src/RecordKind.ts"
import { makeLocalSource } from "../src/sources/LocalSource.ts"
import { markDownloaded, readFingerprints, storeFingerprint } from "../src/VideoStore.ts"
import { scratchDir } from "./support.ts"
import { testVideos } from "../src/testing/videos.ts"

const folder = () => {
  const v = testVideos()
  const root = scratchDir("videokr-local-")
  mkdirSync(join(root, "lab"), { recursive: true })
  copyFileSync(v.base!, join(root, "lab", "titration.mp4"))
  copyFileSync(v.reencoded!, join(root, "titration-copy.mp4"))
  copyFileSync(v.mandelbrot!, join(root, "fractal.mp4"))
  copyFileSync(v.life!, join(root, "cells.webm.mp4"))
  copyFileSync(v.corrupt!, join(root, "broken.mp4"))
  copyFileSync(v.notes!, join(root, "notes.mp4"))
  writeFileSync(join(root, "README.txt"), "not a video, not even by name\n")
  const sidecar = join(root, "videos.jsonl")
  writeFileSync(
    sidecar,
    [
      {
        file: "lab/titration.mp4",
        title: "Acid-base titration with a burette",
        description: "0.1 M NaOH into HCl, phenolphthalein endpoint",
        tags: ["chemistry", "titration"],
        license: "CC BY 4.0",
        channel: "Teaching Lab",
        knowledge_point_id: "kp-chem-002"
      },
      {
        file: "fractal.mp4",
        title: "Zooming into the Mandelbrot set",
        license: "CC BY-SA 4.0",
        tags: "mathematics; fractals"
      }
    ]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n"
  )
  return { root, sidecar }
}

describe("the local source, offline end to end", () => {
  it.effect(
    "scans, probes (refusing what is not a video), reads the sidecar, searches, fingerprints and finds the copy",
    () =>
      Effect.gen(function* () {
        const { root, sidecar } = folder()
        const source = yield* makeLocalSource({ root, sidecar, defaultLicense: "own recording" })
        const ids = source.scan.candidates.map((c) => c.video.id)
        expect(ids).toEqual([
          "local:cells.webm.mp4",
          "local:fractal.mp4",
          "local:lab/titration.mp4",
          "local:titration-copy.mp4"
        ])
        // every other file is skipped with why (the sidecar is not a file of the folder's videos)
        expect(
          source.scan.files.filter((f) => f.decision === "drop").map((f) => [f.id, f.reason.split(":")[0]])
        ).toEqual([
          ["local:broken.mp4", "not a readable video (corrupt)"],
          ["local:notes.mp4", "not a readable video (corrupt)"],
          ["local:README.txt", "skipped"]
        ])
        expect(source.scan.files.filter((f) => f.decision === "keep").map((f) => f.id)).toEqual(ids)
        const titration = source.scan.candidates.find((c) => c.video.id === "local:lab/titration.mp4")!.video
        expect(titration).toMatchObject({
          source: "local",
          license: "CC BY 4.0",
          title: "Acid-base titration with a burette",
          tags: ["chemistry", "titration"],
          knowledge_point_id: "kp-chem-002"
        })
        expect(titration.duration).toBeCloseTo(10, 1)
        expect(source.scan.candidates.find((c) => c.video.id === "local:fractal.mp4")!.video.tags).toEqual([
          "mathematics",
          "fractals"
        ])
        expect(source.scan.candidates.find((c) => c.video.id === "local:cells.webm.mp4")!.video.license).toBe(
          "own recording"
        )

        const onlyLab = yield* makeLocalSource({ root, glob: "lab/**/*.mp4" })
        expect(onlyLab.scan.candidates.map((c) => c.video.id)).toEqual(["local:lab/titration.mp4"])

        const found = yield* source.search("burette titration of an acid", { limit: 5 })
        expect(found.map((c) => c.video.id)).toEqual(["local:lab/titration.mp4", "local:titration-copy.mp4"])
        expect(yield* source.download(found[0]!, "/unused")).toBe(join(root, "lab", "titration.mp4"))

        // sample, hash, and find the near-duplicate, all offline
        const media = yield* Media.Media
        const fingerprints = yield* Effect.forEach(source.scan.candidates, (c) =>
          Effect.map(media.fingerprint(c.localPath!, { mode: "uniform", count: 8 }), (hashes) => ({
            id: c.video.id,
            hashes
          }))
        )
        const pairs = findNearDuplicates(fingerprints, { maxDistance: 6, minMatches: 2 })
        expect(pairs.map((p) => [p.a, p.b])).toEqual([["local:lab/titration.mp4", "local:titration-copy.mp4"]])

        // and the videos go into the corpus through the same ingest path as any import
        const store = yield* CorpusStore
        yield* store.ingest(
          VideosKind,
          Stream.make(source.scan.candidates.map((c, i) => ({ value: c.video, extra: undefined, line: i + 1 }))),
          { file: root, sha256: "scan", replace: false }
        )
        expect(yield* store.query("SELECT id, license, download_state FROM videos ORDER BY id")).toEqual(
          source.scan.candidates
            .map((c) => ({ id: c.video.id, license: c.video.license, download_state: "pending" }))
            .sort((a, b) => a.id.localeCompare(b.id))
        )
        // the local files are the downloads; fingerprints are stored per spec and read back for the search
        const spec = { mode: "uniform" as const, count: 8 }
        for (const c of source.scan.candidates) {
          yield* markDownloaded(c.video.id, c.localPath!)
          const frames = yield* media.sampleFrames(c.localPath!, spec)
          yield* storeFingerprint(c.video.id, spec, frames, fingerprints.find((f) => f.id === c.video.id)!.hashes)
        }
        expect(
          yield* store.query(
            "SELECT count(*)::INT AS n FROM videos WHERE download_state = 'downloaded' AND local_path IS NOT NULL"
          )
        ).toEqual([{ n: 4 }])
        const stored = yield* readFingerprints(spec)
        // packed as they stream in: the same hashes, videos and order
        expect(stored).toEqual(packFingerprints(fingerprints))
        expect(findNearDuplicates(stored, { maxDistance: 6, minMatches: 2 }).map((p) => [p.a, p.b])).toEqual([
          ["local:lab/titration.mp4", "local:titration-copy.mp4"]
        ])
      }).pipe(Effect.provide([Media.layer({ cacheDir: scratchDir("videokr-frames-") }), layerMemory]))
  )
})
