import { readFile } from "node:fs/promises"
import { Effect } from "effect"
import { Media, MediaError, type SamplingSpec } from "../Media.ts"
import type { ContentPart } from "../ModelProvider.ts"

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
