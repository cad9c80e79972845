import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
// through the package's index, as a plugin imports it (its modules' order of evaluation)
import {
  type BoundModel,
  type ChatRequest,
  Media,
  ModelRegistry,
  ModelUnavailable,
  type PickContext,
  type ProviderError
} from "../index.ts"

/** One request a scripted model was asked: the model, its text parts (then later turns), images and videos. */
export interface Asked {
  readonly model: string
  readonly text: string
  readonly images: number
  readonly videos: number
}

// frames sampled for one test are good for the next (same files, same specs): one cache per process
let framesDir: string | undefined
const frames = () => (framesDir ??= mkdtempSync(join(tmpdir(), "videokr-check-frames-")))

/**
 * The models a check asks, answering from a function of what they were asked (a text, or a provider
 * error to fail with), plus the real ffmpeg Media service: enough to test a check's own logic without a
 * provider. `pool` lists the members "pool:test" draws from, in order, skipping excluded ones; every
 * request is recorded in `asked`.
 */
export const scriptedModels = (
  answer: (asked: Asked) => string | ProviderError,
  pool: ReadonlyArray<string> = ["test:a", "test:b", "test:c"],
  options: {
    /** the models that take a whole video (as Gemini's do): the stages send them the video instead of frames */
    readonly acceptsVideo?: (model: string) => boolean
  } = {}
) => {
  const asked: Array<Asked> = []
  const model = (id: string): BoundModel => ({
    id,
    acceptsVideo: options.acceptsVideo?.(id) === true,
    chat: (request: Omit<ChatRequest, "model">) => {
      const content = request.messages[0]!.content
      const parts = typeof content === "string" ? [{ type: "text" as const, text: content }] : content
      const text = [
        ...parts.flatMap((p) => (p.type === "text" ? [p.text] : [])),
        ...request.messages.slice(1).map((m) => String(m.content))
      ].join("\n")
      const a = {
        model: id,
        text,
        images: parts.filter((p) => p.type === "image").length,
        videos: parts.filter((p) => p.type === "video").length
      }
      asked.push(a)
      const reply = answer(a)
      return typeof reply === "string"
        ? Effect.succeed({
            text: reply,
            finishReason: "stop",
            usage: { inputTokens: 1, outputTokens: 1 },
            provider: "test",
            model: id
          })
        : Effect.fail(reply)
    }
  })
  const pick = (spec: string, context: PickContext) => {
    if (spec !== "pool:test") return Effect.succeed(spec)
    const eligible = pool.filter((m) => !context.excluded?.has(m))
    const chosen = eligible[(context.draw ?? 0) % Math.max(eligible.length, 1)]
    return chosen === undefined
      ? Effect.fail(new ModelUnavailable({ modelId: spec, reason: "every member excluded" }))
      : Effect.succeed(chosen)
  }
  const layer = Layer.mergeAll(
    Layer.succeed(ModelRegistry, { resolve: (id: string) => Effect.succeed(model(id)), pick }),
    Media.layer({ cacheDir: frames() })
  )
  return { asked, layer }
}
