import { readFile } from "node:fs/promises"
import { Effect } from "effect"
import { Media, MediaError, type SamplingSpec } from "../Media.ts"
import type { ContentPart } from "../ModelProvider.ts"
import { ModelRegistry } from "../ModelRegistry.ts"

/**
 * Sampled frames of a video as image parts of a model request. Frames are cached on disk by video content
 * and spec (Media), so the stages that look at the same video share one decode.
 */
export const defaultFrames: SamplingSpec = { mode: "uniform", count: 8, maxPixels: 448 * 448 }

// the frames most recently read, as base64: the stages after generation look at the same frames again
const recent = new Map<string, string>()
const recentLimit = 512

const readBase64 = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      const hit = recent.get(path)
      if (hit !== undefined) return hit
      const data = (await readFile(path)).toString("base64")
      recent.set(path, data)
      if (recent.size > recentLimit) recent.delete(recent.keys().next().value!)
      return data
    },
    catch: (e) => new MediaError({ path, kind: "missing", reason: e instanceof Error ? e.message : String(e) })
  })

export const frameParts = (path: string, spec: SamplingSpec, detail: "low" | "high" | "auto" = "low") =>
  Effect.gen(function* () {
    const media = yield* Media
    const frames = yield* media.sampleFrames(path, spec)
    return yield* Effect.forEach(frames, (f) =>
      Effect.map(readBase64(f.path), (data): ContentPart => ({ type: "image", mediaType: "image/jpeg", data, detail }))
    )
  })

/**
 * What a request shows of a video: the video itself to a model that takes one (`acceptsVideo`: Gemini
 * through its plugin), else frames sampled by `spec`. `frames` is how many images were sent (undefined
 * for the video); the video is probed first, so that an unreadable one fails as its frames would.
 */
export const videoInput = (
  modelId: string,
  path: string,
  spec: SamplingSpec,
  detail: "low" | "high" | "auto" = "low"
) =>
  Effect.gen(function* () {
    const model = yield* (yield* ModelRegistry).resolve(modelId)
    if (model.acceptsVideo === true) {
      yield* (yield* Media).probe(path)
      return { parts: [{ type: "video", url: path }] as ReadonlyArray<ContentPart>, frames: undefined }
    }
    const parts = yield* frameParts(path, spec, detail)
    return { parts, frames: parts.length as number | undefined }
  })
