import ffmpeg from "fluent-ffmpeg"
import { createRequire } from "node:module"
import sharp from "sharp"
import { execFile } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { accessSync, constants, existsSync, statSync } from "node:fs"
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import {
  type Frame,
  MediaError,
  type MediaOptions,
  type MediaShape,
  type SamplingSpec,
  type VideoProbe
} from "../Media.ts"
import { phashOfGray32 } from "./phash.ts"

const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? "")
    .split(":")
    .map((d) => join(d, name))
    .find((p) => existsSync(p))

/** The npm-shipped static builds, loaded only when needed (they throw on platforms they lack). */
const shipped = (name: "@ffmpeg-installer/ffmpeg" | "@ffprobe-installer/ffprobe"): string =>
  (createRequire(import.meta.url)(name) as { path: string }).path

/** The shipped build if this platform has one and it may be run (npm may not have run its chmod). */
const shippedExecutable = (name: "@ffprobe-installer/ffprobe"): string | undefined => {
  try {
    const path = shipped(name)
    accessSync(path, constants.X_OK)
    return path
  } catch {
    return undefined
  }
}

// ffprobe: the shipped static build first. A run probes every video it scans or downloads, and a
// distribution's dynamically linked ffprobe spends about 0.17 CPU-seconds linking its libraries at each
// start, the static one about 0.02 (measured on Debian 12). ffmpeg: the system's first, for its decoders
// (the shipped ffmpeg is a 2018 build).
const resolveBinaries = (options: MediaOptions) => ({
  ffmpeg: options.ffmpegPath ?? process.env.VIDEOKR_FFMPEG ?? onPath("ffmpeg") ?? shipped("@ffmpeg-installer/ffmpeg"),
  ffprobe:
    options.ffprobePath ??
    process.env.VIDEOKR_FFPROBE ??
    shippedExecutable("@ffprobe-installer/ffprobe") ??
    onPath("ffprobe") ??
    shipped("@ffprobe-installer/ffprobe")
})

const rate = (r: string | undefined): number => {
  if (r === undefined) return 0
  const [n, d] = r.split("/").map(Number)
  return d ? n! / d : Number(n)
}

/** Frame times for a spec, given what the probe says. */
export const frameTimes = (
  probe: Pick<VideoProbe, "duration" | "fps" | "frameCount">,
  spec: SamplingSpec
): Array<number> => {
  const last = Math.max(0, probe.duration - 1 / Math.max(probe.fps, 1))
  switch (spec.mode) {
    case "middle":
      return [Math.min(probe.duration / 2, last)]
    case "uniform":
      return Array.from({ length: spec.count }, (_, i) => Math.min((probe.duration * (i + 0.5)) / spec.count, last))
    case "fps": {
      const total = Math.max(1, probe.frameCount)
      const n = Math.min(Math.max(Math.round(probe.duration * spec.fps), spec.minFrames), spec.maxFrames)
      return Array.from({ length: n }, (_, i) => {
        const index = n === 1 ? 0 : Math.round((i * (total - 1)) / (n - 1))
        return Math.min(index / Math.max(probe.fps, 1), last)
      })
    }
  }
}

/** The largest even size within `maxPixels` that keeps the aspect ratio. */
export const fitPixels = (width: number, height: number, maxPixels: number | undefined) => {
  if (maxPixels === undefined || width * height <= maxPixels) return { width, height }
  const s = Math.sqrt(maxPixels / (width * height))
  return { width: Math.max(2, Math.floor((width * s) / 2) * 2), height: Math.max(2, Math.floor((height * s) / 2) * 2) }
}

const specKey = (spec: SamplingSpec) => createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16)

/**
 * Moves a finished frame folder (`tmp`, with its frames.json) to its place in the cache. The folder
 * appears whole or not at all, and one that is there is never replaced: a sampler of the same content
 * and spec that finished first (a concurrent task with its own copy of the video, another run) keeps
 * its frames, which are the same and may be being read. Only a folder without frames.json (left by an
 * older videokr) is replaced.
 */
export const publishFrames = async (tmp: string, dir: string): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(tmp, dir)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e
      if (existsSync(join(dir, "frames.json")) || attempt > 0) return rm(tmp, { recursive: true, force: true })
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export const makeFfmpegMedia = (options: MediaOptions): MediaShape => {
  const bin = resolveBinaries(options)
  const hashes = new Map<string, string>()

  // Stages ask about the same video one after another (sampling, fingerprints, checks): one ffprobe per
  // content, known by (path, size, mtime). A process is spawned by forking this one, which costs more the
  // bigger this process is. The most recent answers are kept, enough for the videos a run has in flight.
  const probes = new Map<string, Exit.Exit<VideoProbe, MediaError>>()
  const probe = (path: string) =>
    Effect.gen(function* () {
      const info = yield* Effect.promise(() => stat(path).catch(() => undefined))
      if (info === undefined) return yield* new MediaError({ path, kind: "missing", reason: "the file does not exist" })
      if (info.size === 0) return yield* new MediaError({ path, kind: "not-a-video", reason: "the file is empty" })
      const memo = `${path}\u0000${info.size}\u0000${info.mtimeMs}`
      let exit = probes.get(memo)
      if (exit === undefined) {
        exit = yield* Effect.exit(ffprobe(path, info.size))
        probes.set(memo, exit)
        if (probes.size > 4096) probes.delete(probes.keys().next().value!)
      }
      return Exit.isSuccess(exit) ? exit.value : yield* Effect.failCause(exit.cause)
    })

  const ffprobe = (path: string, sizeBytes: number) =>
    Effect.gen(function* () {
      const data = yield* Effect.tryPromise({
        try: () =>
          new Promise<ffmpeg.FfprobeData>((resolve, reject) =>
            ffmpeg(path)
              .setFfprobePath(bin.ffprobe)
              .ffprobe((e, d) => (e ? reject(e) : resolve(d)))
          ),
        catch: (e) =>
          new MediaError({
            path,
            kind: "corrupt",
            reason:
              String(e instanceof Error ? e.message : e)
                .split("\n")
                .filter((l) => l.trim())
                .slice(-1)[0] ?? "ffprobe failed"
          })
      })
      const video = data.streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1)
      if (video === undefined)
        return yield* new MediaError({
          path,
          kind: "not-a-video",
          reason: `no video stream (format ${data.format.format_name ?? "unknown"})`
        })
      const duration = Number(data.format.duration ?? video.duration)
      if (!Number.isFinite(duration) || duration <= 0)
        return yield* new MediaError({ path, kind: "corrupt", reason: "no duration" })
      const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate)
      const frames = Number(video.nb_frames)
      return {
        path,
        sizeBytes,
        format: data.format.format_name ?? "unknown",
        duration,
        width: video.width ?? 0,
        height: video.height ?? 0,
        fps,
        frameCount: Number.isFinite(frames) && frames > 0 ? frames : Math.round(duration * fps),
        videoCodec: video.codec_name ?? "unknown",
        audioCodec: data.streams.find((s) => s.codec_type === "audio")?.codec_name,
        bitRate: Number(data.format.bit_rate) || undefined,
        streams: data.streams.map((s) => ({
          index: s.index,
          type: s.codec_type ?? "unknown",
          codec: s.codec_name ?? "unknown"
        }))
      } satisfies VideoProbe
    })

  /**
   * The identity of a video's content, for the frame cache: sha256 of its size and its first and last
   * 4 MiB (container headers and indexes differ between any two real videos), computed once per
   * (path, size, mtime). Reading whole files would cost more than sampling their frames.
   */
  const videoHash = (path: string) => {
    const s = statSync(path)
    const memo = `${path}\u0000${s.size}\u0000${s.mtimeMs}`
    const known = hashes.get(memo)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.tryPromise({
      try: async () => {
        const window = 4 << 20
        const handle = await open(path, "r")
        try {
          const hash = createHash("sha256").update(String(s.size))
          const head = Buffer.alloc(Math.min(window, s.size))
          await handle.read(head, 0, head.length, 0)
          hash.update(head)
          if (s.size > window) {
            const tail = Buffer.alloc(Math.min(window, s.size - window))
            await handle.read(tail, 0, tail.length, s.size - tail.length)
            hash.update(tail)
          }
          const h = hash.digest("hex")
          hashes.set(memo, h)
          return h
        } finally {
          await handle.close()
        }
      },
      catch: (e) => new MediaError({ path, kind: "missing", reason: e instanceof Error ? e.message : String(e) })
    })
  }

  // concurrent stages often want the same frames of the same video at once: one sampling serves them all
  const inFlight = new Map<string, Promise<Exit.Exit<ReadonlyArray<Frame>, MediaError>>>()
  const sampleFramesShared = (path: string, spec: SamplingSpec): Effect.Effect<ReadonlyArray<Frame>, MediaError> =>
    Effect.flatMap(
      Effect.promise(() => {
        const key = `${path}\u0000${specKey(spec)}`
        let shared = inFlight.get(key)
        if (shared === undefined) {
          shared = Effect.runPromiseExit(sampleFrames(path, spec)).finally(() => inFlight.delete(key))
          inFlight.set(key, shared)
        }
        return shared
      }),
      (exit) => (Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.failCause(exit.cause))
    )

  const sampleFrames = (path: string, spec: SamplingSpec) =>
    Effect.gen(function* () {
      const p = yield* probe(path)
      const dir = join(options.cacheDir, yield* videoHash(path), specKey(spec))
      const manifest = join(dir, "frames.json")
      const cached = yield* Effect.promise(() =>
        readFile(manifest, "utf8")
          .then((t) => JSON.parse(t) as Array<Frame>)
          .catch(() => undefined)
      )
      if (cached !== undefined) return cached.map((f) => ({ ...f, path: join(dir, f.path) }))
      const times = frameTimes(p, spec)
      const size = fitPixels(p.width, p.height, spec.maxPixels)
      const tmp = `${dir}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
      yield* Effect.promise(() => mkdir(tmp, { recursive: true }))
      // One process: each frame is its own input, seeked before decoding (fast, frame-accurate).
      const command = ffmpeg().setFfmpegPath(bin.ffmpeg)
      // milliseconds rounded down: a seek past the last frame's timestamp would yield no frame
      times.forEach((t) => command.input(path).inputOptions(["-ss", (Math.floor(t * 1000) / 1000).toFixed(3)]))
      times.forEach((_, i) =>
        command
          .output(join(tmp, `frame_${String(i + 1).padStart(4, "0")}.jpg`))
          .outputOptions([
            "-map",
            `${i}:v:0`,
            "-frames:v",
            "1",
            "-q:v",
            "2",
            "-vf",
            `scale=${size.width}:${size.height}`
          ])
      )
      yield* Effect.tryPromise({
        try: () =>
          new Promise<void>((resolve, reject) =>
            command
              .on("end", () => resolve())
              .on("error", (e, _o, stderr) => reject(new Error(`${e.message}\n${stderr ?? ""}`)))
              .run()
          ),
        catch: (e) =>
          new MediaError({
            path,
            kind: "ffmpeg",
            reason: String(e instanceof Error ? e.message : e)
              .split("\n")
              .filter((l) => l.trim())
              .slice(0, 2)
              .join(" ")
          })
      }).pipe(Effect.tapError(() => Effect.promise(() => rm(tmp, { recursive: true, force: true }))))
      const written = (yield* Effect.promise(() => readdir(tmp))).filter((f) => f.endsWith(".jpg")).sort()
      if (written.length !== times.length) {
        yield* Effect.promise(() => rm(tmp, { recursive: true, force: true }))
        return yield* new MediaError({
          path,
          kind: "corrupt",
          reason: `${written.length} of ${times.length} frames could be decoded`
        })
      }
      const frames: Array<Frame> = times.map((time, i) => ({
        index: i,
        time,
        path: written[i]!,
        width: size.width,
        height: size.height
      }))
      yield* Effect.promise(async () => {
        await writeFile(join(tmp, "frames.json"), JSON.stringify(frames))
        await publishFrames(tmp, dir)
      })
      return frames.map((f) => ({ ...f, path: join(dir, f.path) }))
    })

  const imageHash = (imagePath: string) =>
    Effect.tryPromise({
      try: async () =>
        phashOfGray32(
          await sharp(imagePath).greyscale().resize(32, 32, { fit: "fill", kernel: "lanczos3" }).raw().toBuffer()
        ),
      catch: (e) =>
        new MediaError({
          path: imagePath,
          kind: "corrupt",
          reason: `not a readable image: ${e instanceof Error ? e.message : String(e)}`
        })
    })

  const fingerprint = (path: string, spec: SamplingSpec) =>
    Effect.flatMap(sampleFramesShared(path, spec), (frames) =>
      Effect.forEach(frames, (f) => imageHash(f.path), { concurrency: 4 })
    )

  const version = (file: string) =>
    Effect.tryPromise({
      try: () =>
        new Promise<string>((resolve, reject) =>
          execFile(file, ["-version"], (e, out) => (e ? reject(e) : resolve(out.split("\n")[0] ?? "")))
        ),
      catch: (e) => new MediaError({ path: file, kind: "ffmpeg", reason: e instanceof Error ? e.message : String(e) })
    })

  return {
    binaries: bin,
    probe,
    sampleFrames: sampleFramesShared,
    imageHash,
    fingerprint,
    versions: Effect.all({ ffmpeg: version(bin.ffmpeg), ffprobe: version(bin.ffprobe) })
  }
}
