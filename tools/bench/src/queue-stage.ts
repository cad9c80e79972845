import { Effect } from "effect"
import { askText, frameParts, hashOf, type ModelRegistry, type Media, onePage, type Stage } from "@videokr/core"

/**
 * The queue benchmark's stage: what a worker does for a `visual`-like item, with the CPU and the waiting
 * of a real one: sample frames of a real clip with ffmpeg (each item at its own pixel budget, so that no
 * frame comes from the cache) and ask a model about them (a loopback server of realistic latency).
 */
export interface BenchItem {
  readonly clip: string
  readonly maxPixels: number
}

export const benchStage = (
  model: string,
  clips: ReadonlyArray<string>,
  items: number
): Stage<BenchItem, undefined, ModelRegistry | Media.Media> => ({
  name: "frames",
  pending: onePage(
    "frames",
    Effect.sync(() =>
      Array.from({ length: items }, (_, i) => {
        const input = { clip: clips[i % clips.length]!, maxPixels: 160 * 120 + i }
        return { id: `item-${String(i).padStart(5, "0")}`, input, inputHash: hashOf(model, input) }
      })
    )
  ),
  process: (item) =>
    Effect.gen(function* () {
      const images = yield* frameParts(item.input.clip, { mode: "uniform", count: 4, maxPixels: item.input.maxPixels })
      const answer = yield* askText(
        model,
        "frames",
        `Is there a pendulum in these frames (${item.id})? Answer yes or no.`,
        images,
        {
          temperature: 0,
          maxTokens: 8
        }
      )
      return {
        verdict: {
          decision: answer.includes("yes") ? ("keep" as const) : ("drop" as const),
          reason: answer,
          modelId: model
        }
      }
    }).pipe(
      Effect.catch((e: { message: string }) =>
        Effect.succeed({ verdict: { decision: "error" as const, reason: e.message, modelId: model, transient: true } })
      )
    ),
  commit: () => Effect.void
})
