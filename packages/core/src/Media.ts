import { Context, Effect, Layer, Schema } from "effect"

/**
 * The media port: probe a video, sample frames (one ffmpeg process per video, cached on disk by video
 * content and sampling spec), perceptual hashes of frames. Live on real ffmpeg/ffprobe.
 */
export interface VideoProbe {
  readonly path: string
  readonly sizeBytes: number
  readonly format: string
  readonly duration: number
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly frameCount: number
  readonly videoCodec: string
  readonly audioCodec: string | undefined
  readonly bitRate: number | undefined
  readonly streams: ReadonlyArray<{ readonly index: number; readonly type: string; readonly codec: string }>
}

/**
 * How frames are chosen:
 * - uniform: `count` frames at the centres of equal parts of the video;
 * - fps: as the trainers (Qwen-VL) do: round(duration x fps) frames, clamped to [minFrames, maxFrames],
 *   at evenly spaced frame indices from the first frame to the last;
 * - middle: the one middle frame (the single-frame answerability and video-dependency checks).
 * `maxPixels` bounds width x height of each frame (aspect kept; default: the video's own size).
 */
export type SamplingSpec =
  | { readonly mode: "uniform"; readonly count: number; readonly maxPixels?: number | undefined }
  | {
      readonly mode: "fps"
      readonly fps: number
      readonly minFrames: number
      readonly maxFrames: number
      readonly maxPixels?: number | undefined
    }
  | { readonly mode: "middle"; readonly maxPixels?: number | undefined }

export interface Frame {
  readonly index: number
  /** seconds from the start */
  readonly time: number
  /** a JPEG file */
  readonly path: string
  readonly width: number
  readonly height: number
}

export class MediaError extends Schema.TaggedError<MediaError>()("MediaError", {
  path: Schema.String,
  kind: Schema.Literals(["missing", "not-a-video", "corrupt", "ffmpeg"]),
  reason: Schema.String
}) {
  override get message() {
    const what = {
      missing: "no such file",
      "not-a-video": "not a video",
      corrupt: "corrupt or unreadable video",
      ffmpeg: "ffmpeg failed"
    }[this.kind]
    return `${this.path}: ${what}: ${this.reason}`
  }
}

export interface MediaShape {
  readonly probe: (path: string) => Effect.Effect<VideoProbe, MediaError>
  readonly sampleFrames: (path: string, spec: SamplingSpec) => Effect.Effect<ReadonlyArray<Frame>, MediaError>
  /** 64-bit DCT perceptual hash of an image file, as 16 hex digits */
  readonly imageHash: (imagePath: string) => Effect.Effect<string, MediaError>
  /** a video's fingerprint: the perceptual hashes of its sampled frames */
  readonly fingerprint: (path: string, spec: SamplingSpec) => Effect.Effect<ReadonlyArray<string>, MediaError>
  /** the ffmpeg and ffprobe executables in use */
  readonly binaries: { readonly ffmpeg: string; readonly ffprobe: string }
  /** ffmpeg and ffprobe versions, for `videokr doctor` and result provenance */
  readonly versions: Effect.Effect<{ readonly ffmpeg: string; readonly ffprobe: string }, MediaError>
}

export class Media extends Context.Service<Media, MediaShape>()("@videokr/core/Media") {}

export interface MediaOptions {
  /** where sampled frames are cached */
  readonly cacheDir: string
  /** default: $VIDEOKR_FFMPEG, else ffmpeg on PATH, else the npm-shipped build */
  readonly ffmpegPath?: string | undefined
  /** default: $VIDEOKR_FFPROBE, else the npm-shipped static build (it starts far sooner), else ffprobe on PATH */
  readonly ffprobePath?: string | undefined
}

/** The live media service; ffmpeg bindings and sharp are loaded when it is first provided, not at start-up. */
export const layer = (options: MediaOptions): Layer.Layer<Media> =>
  Layer.effect(
    Media,
    Effect.promise(() => import("./internal/ffmpegMedia.ts")).pipe(Effect.map((m) => m.makeFfmpegMedia(options)))
  )
