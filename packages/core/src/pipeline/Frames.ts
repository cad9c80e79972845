import { readFile } from "node:fs/promises"
import { Effect } from "effect"
import { Media, MediaError, type SamplingSpec } from "../Media.ts"
import type { ContentPart } from "../ModelProvider.ts"

/**
 * Sampled frames of a video as image parts of a model request. Frames are cached on disk by video content
 * and spec (Media), so the stages that look at the same video share one decode.
 */
export const defaultFrames: SamplingSpec = { mode: "uniform", count: 8, maxPixels: 448 * 448 }

export const frameParts = (path: string, spec: SamplingSpec, detail: "low" | "high" | "auto" = "low") =>
  Effect.gen(function* () {
    const media = yield* Media
    const frames = yield* media.sampleFrames(path, spec)
    return yield* Effect.forEach(frames, (f) =>
      Effect.tryPromise({
        try: async (): Promise<ContentPart> => ({ type: "image", mediaType: "image/jpeg", data: (await readFile(f.path)).toString("base64"), detail }),
        catch: (e) => new MediaError({ path: f.path, kind: "missing", reason: e instanceof Error ? e.message : String(e) })
      }))
  })
