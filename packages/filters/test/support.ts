import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { BadRequest, type BoundModel, type ChatRequest, Media, ModelRegistry, ModelUnavailable, type PickContext } from "@videokr/core"

/**
 * A registry whose models answer from a function of (model, prompt text, image count): enough to test
 * the checks' own logic; the real providers and wire protocols are exercised end to end by the CLI tests.
 * `pool` lists the models "pool:test" draws from, in order, skipping excluded ones. Media is the real
 * ffmpeg service over generated test videos.
 */
export interface Asked {
  readonly model: string
  readonly text: string
  readonly images: number
}

export const registryWith = (answer: (asked: Asked) => string, pool: ReadonlyArray<string> = ["test:a", "test:b", "test:c"]) => {
  const asked: Array<Asked> = []
  const model = (id: string): BoundModel => ({
    id,
    chat: (request: Omit<ChatRequest, "model">) => {
      const content = request.messages[0]!.content
      const parts = typeof content === "string" ? [{ type: "text" as const, text: content }] : content
      const text = [...parts.flatMap((p) => (p.type === "text" ? [p.text] : [])), ...request.messages.slice(1).map((m) => String(m.content))].join("\n")
      const a = { model: id, text, images: parts.filter((p) => p.type === "image").length }
      asked.push(a)
      const reply = answer(a)
      return reply === "FAIL"
        ? Effect.fail(new BadRequest({ provider: "test", model: id, detail: "refused" }))
        : Effect.succeed({ text: reply, finishReason: "stop", usage: { inputTokens: 1, outputTokens: 1 }, provider: "test", model: id })
    }
  })
  const pick = (spec: string, context: PickContext) => {
    if (spec !== "pool:test") return Effect.succeed(spec)
    const eligible = pool.filter((m) => !context.excluded?.has(m))
    const chosen = eligible[(context.draw ?? 0) % Math.max(eligible.length, 1)]
    return chosen === undefined ? Effect.fail(new ModelUnavailable({ modelId: spec, reason: "every member excluded" })) : Effect.succeed(chosen)
  }
  const layer = Layer.mergeAll(
    Layer.succeed(ModelRegistry, { resolve: (id: string) => Effect.succeed(model(id)), pick }),
    Media.layer({ cacheDir: mkdtempSync(join(tmpdir(), "videokr-filters-frames-")) })
  )
  return { asked, layer }
}
