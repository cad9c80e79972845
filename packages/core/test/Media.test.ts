import { describe, expect, it } from "@effect/vitest"
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { createRequire } from "node:module"
import { Effect, Exit } from "effect"
import sharp from "sharp"
import { publishFrames } from "../src/internal/ffmpegMedia.ts"
import { hammingHex } from "../src/internal/phash.ts"
import * as Media from "../src/Media.ts"
import { scratchDir } from "./support.ts"
import { testVideos } from "../src/testing/videos.ts"

const videos = testVideos()
const layer = () => Media.layer({ cacheDir: scratchDir("videokr-frames-") })
const failure = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined

describe("media: probe (real ffprobe on generated videos)", () => {
  it.effect("reads duration, size, frame rate, codecs and streams", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const p = yield* media.probe(videos.base!)
      expect(p).toMatchObject({
        width: 320,
        height: 240,
        fps: 30,
        videoCodec: "h264",
        audioCodec: undefined,
        frameCount: 300
      })
      expect(p.duration).toBeCloseTo(10, 1)
      const bars = yield* media.probe(videos.bars!)
      expect(bars.audioCodec).toBe("aac")
      expect(bars.streams.map((s) => s.type).sort()).toEqual(["audio", "video"])
    }).pipe(Effect.provide(layer()))
  )

  it.effect("missing, empty, corrupt, truncated and non-video files are typed errors", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const kinds: Record<string, string> = {}
      for (const name of ["empty", "corrupt", "truncated", "notes"])
        kinds[name] = failure(yield* Effect.exit(media.probe(videos[name]!)))?.kind
      kinds.missing = failure(yield* Effect.exit(media.probe("/nonexistent/video.mp4")))?.kind
      expect(kinds).toEqual({
        empty: "not-a-video",
        corrupt: "corrupt",
        truncated: "corrupt",
        notes: "corrupt",
        missing: "missing"
      })
    }).pipe(Effect.provide(layer()))
  )
})

describe("media: which ffprobe", () => {
  it("the one $VIDEOKR_FFPROBE or the options name, else the npm-shipped static build (it starts sooner than a linked one)", async () => {
    const saved = process.env.VIDEOKR_FFPROBE
    const binaries = (options: Partial<Media.MediaOptions> = {}) =>
      Effect.runPromise(
        Effect.provide(
          Effect.map(Media.Media, (m) => m.binaries.ffprobe),
          Media.layer({ cacheDir: scratchDir("videokr-frames-"), ...options })
        )
      )
    try {
      delete process.env.VIDEOKR_FFPROBE
      const shipped = (createRequire(import.meta.url)("@ffprobe-installer/ffprobe") as { path: string }).path
      expect(await binaries()).toBe(shipped)
      expect(await binaries({ ffprobePath: "/opt/ffprobe" })).toBe("/opt/ffprobe")
      process.env.VIDEOKR_FFPROBE = "/somewhere/ffprobe"
      expect(await binaries()).toBe("/somewhere/ffprobe")
    } finally {
      if (saved === undefined) delete process.env.VIDEOKR_FFPROBE
      else process.env.VIDEOKR_FFPROBE = saved
    }
  })
})

describe("media: frame sampling (one ffmpeg process per video, cached)", () => {
  it.effect("uniform: N frames at the centres, as JPEGs of the video's size or within a pixel budget", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const frames = yield* media.sampleFrames(videos.base!, { mode: "uniform", count: 8 })
      expect(frames.map((f) => f.time)).toEqual([0.625, 1.875, 3.125, 4.375, 5.625, 6.875, 8.125, 9.375])
      for (const f of frames)
        expect(yield* Effect.promise(() => sharp(f.path).metadata())).toMatchObject({
          format: "jpeg",
          width: 320,
          height: 240
        })
      // testsrc draws a running counter: frames at different times differ
      const hashes = yield* Effect.forEach(frames, (f) => media.imageHash(f.path))
      expect(new Set(hashes).size).toBeGreaterThan(4)
      const small = yield* media.sampleFrames(videos.base!, { mode: "uniform", count: 4, maxPixels: 20_000 })
      expect(small[0]).toMatchObject({ width: 162, height: 122 }) // aspect kept, even sizes, 19,764 <= 20,000
      expect(yield* Effect.promise(() => sharp(small[0]!.path).metadata())).toMatchObject({ width: 162, height: 122 })
    }).pipe(Effect.provide(Media.layer({ cacheDir: scratchDir() })))
  )

  it.effect(
    "fps mode follows the trainers (round(duration x fps) clamped, evenly spaced indices); middle mode gives one frame",
    () =>
      Effect.gen(function* () {
        const media = yield* Media.Media
        const two = yield* media.sampleFrames(videos.base!, { mode: "fps", fps: 2, minFrames: 4, maxFrames: 128 })
        expect(two).toHaveLength(20)
        expect(two[0]!.time).toBe(0)
        expect(two.at(-1)!.time).toBeCloseTo(299 / 30, 3)
        expect(
          yield* media.sampleFrames(videos.base!, { mode: "fps", fps: 2, minFrames: 4, maxFrames: 8 })
        ).toHaveLength(8)
        expect(
          yield* media.sampleFrames(videos.base!, { mode: "fps", fps: 0.1, minFrames: 4, maxFrames: 8 })
        ).toHaveLength(4)
        const middle = yield* media.sampleFrames(videos.base!, { mode: "middle" })
        expect(middle.map((f) => f.time)).toEqual([5])
      }).pipe(Effect.provide(layer()))
  )

  const cacheDir = scratchDir("videokr-frames-")
  it.effect("a second request for the same video and spec is served from the frame cache", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const first = yield* media.sampleFrames(videos.life!, { mode: "uniform", count: 3 })
      const again = yield* media.sampleFrames(videos.life!, { mode: "uniform", count: 3 })
      expect(again).toEqual(first)
      expect(readdirSync(cacheDir)).toHaveLength(1) // one folder per video content
    }).pipe(Effect.provide(Media.layer({ cacheDir })))
  )

  // Benchmarks stage a copy of a video per task; evaluating them concurrently once replaced a finished
  // frame folder under a reader's feet ("frame_0002.jpg: no such file", a sample failed for good).
  const copiesCache = scratchDir("videokr-frames-")
  it.effect("copies of one video sampled at once share one frame folder, whole and never replaced while read", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const copies = Array.from({ length: 4 }, (_, i) => {
        const path = join(scratchDir(), `copy-${i}.mp4`)
        copyFileSync(videos.lecture!, path)
        return path
      })
      const frames = yield* Effect.forEach(
        copies,
        (path) =>
          Effect.tap(media.sampleFrames(path, { mode: "uniform", count: 4 }), (fs) =>
            // read as soon as they are given: the other samplers may still be finishing
            Effect.sync(() => fs.forEach((f) => expect(readFileSync(f.path).length).toBeGreaterThan(0)))
          ),
        { concurrency: "unbounded" }
      )
      for (const f of frames) expect(f).toEqual(frames[0])
      expect(readdirSync(copiesCache)).toEqual([basename(dirname(dirname(frames[0]![0]!.path)))]) // no temporary folder left
    }).pipe(Effect.provide(Media.layer({ cacheDir: copiesCache })))
  )

  it("a finished frame folder is kept when another sampler finishes second; one without frames.json is replaced", async () => {
    const root = scratchDir()
    const folder = (name: string, manifest: boolean) => {
      const dir = join(root, name)
      mkdirSync(dir)
      writeFileSync(join(dir, "frame_0001.jpg"), name)
      if (manifest) writeFileSync(join(dir, "frames.json"), "[]")
      return dir
    }
    const kept = folder("spec", true)
    const inode = statSync(join(kept, "frame_0001.jpg")).ino
    await publishFrames(folder("spec.1.tmp", true), kept)
    expect(statSync(join(kept, "frame_0001.jpg")).ino).toBe(inode)
    expect(readdirSync(root)).toEqual(["spec"])
    const stale = folder("old", false)
    await publishFrames(folder("old.1.tmp", true), stale)
    expect(readFileSync(join(stale, "frame_0001.jpg"), "utf8")).toBe("old.1.tmp")
    expect(readdirSync(root).sort()).toEqual(["old", "spec"])
    await publishFrames(folder("new.1.tmp", true), join(root, "new"))
    expect(readdirSync(root).sort()).toEqual(["new", "old", "spec"])
  })
})

describe("media: perceptual hashes", () => {
  it.effect("near-duplicate variants stay close to the original; different videos are far", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const spec = { mode: "uniform" as const, count: 8 }
      const fp = (name: string) => media.fingerprint(videos[name]!, spec)
      const base = yield* fp("base")
      const distance = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
        Math.min(...a.flatMap((x) => b.map((y) => hammingHex(x, y))))
      // measured: variants have frames at distance 0-2 of the original's; other videos 22 or more
      for (const variant of ["reencoded", "rescaled", "trimmed", "watermarked"])
        expect([variant, distance(base, yield* fp(variant))]).toEqual([variant, 0])
      for (const other of ["mandelbrot", "life", "bars", "lecture"])
        expect(distance(base, yield* fp(other))).toBeGreaterThanOrEqual(16)
    }).pipe(Effect.provide(layer()))
  )
})
