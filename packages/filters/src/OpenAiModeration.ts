import { Effect } from "effect"
import {
  type Candidate,
  defaultFrames,
  errorVerdict,
  frameParts,
  lazySdk,
  type SamplingSpec,
  type VideoFilter
} from "@videokr/core"

/**
 * Stage 6 by OpenAI's moderation endpoint instead of a model prompt: the title, description and sampled
 * frames go to /v1/moderations (omni-moderation takes text and images together); a flagged video is
 * dropped with the flagged categories and their scores as evidence. The key comes from the environment
 * (OPENAI_API_KEY unless `apiKeyEnv` says otherwise) and is never logged. Use it with
 * `pipeline.checks: [{ use: "openai-moderation", replaces: "safety" }]`.
 */
export interface OpenAiModerationOptions {
  readonly model?: string | undefined
  readonly baseURL?: string | undefined
  readonly apiKeyEnv?: string | undefined
  readonly frames?: SamplingSpec | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

export const openAiModeration = (options: OpenAiModerationOptions = {}): VideoFilter => {
  const model = options.model ?? "omni-moderation-latest"
  const variable = options.apiKeyEnv ?? "OPENAI_API_KEY"
  const frames = options.frames ?? { ...defaultFrames, count: 4 }
  const env = () => options.env ?? process.env
  // the SDK is loaded by the first video: a command that moderates nothing starts without it
  const lazy = lazySdk(
    () => import("openai").then((m) => m.default),
    (OpenAI) => new OpenAI({ apiKey: env()[variable], baseURL: options.baseURL, maxRetries: 3 })
  )
  return {
    id: "openai-moderation",
    stage: "safety",
    version: `${model}:${JSON.stringify(frames)}`,
    modelId: `openai:${model}`,
    unready: () => {
      const key = env()[variable]
      return key === undefined || key === "" ? `the moderation endpoint needs an API key: set ${variable}` : undefined
    },
    decide: (candidate: Candidate) =>
      Effect.gen(function* () {
        const key = env()[variable]
        if (key === undefined || key === "")
          return {
            decision: "error" as const,
            reason: `the moderation endpoint needs an API key: set ${variable}`,
            modelId: `openai:${model}`
          }
        if (candidate.localPath === undefined)
          return { decision: "error" as const, reason: "the video is not downloaded", modelId: `openai:${model}` }
        const images = yield* frameParts(candidate.localPath, frames)
        const text = [candidate.video.title, candidate.video.description ?? ""].join("\n").trim()
        const input = [
          { type: "text" as const, text },
          ...images.flatMap((p) =>
            p.type === "image"
              ? [{ type: "image_url" as const, image_url: { url: `data:${p.mediaType};base64,${p.data}` } }]
              : []
          )
        ]
        const response = yield* Effect.tryPromise({
          try: async () => (await lazy.client()).moderations.create({ model, input }),
          catch: (e) => {
            // no answer, a timeout, a 429 or a 5xx (after the SDK's retries) is of the moment: the video stays pending
            const sdk = lazy.sdk()
            const status = sdk !== undefined && e instanceof sdk.APIError ? e.status : undefined
            return {
              _tag: "ModerationFailed",
              message: e instanceof Error ? e.message : String(e),
              transient: status === undefined || status === 408 || status === 429 || status >= 500
            }
          }
        })
        const flagged = response.results.filter((r) => r.flagged)
        // a keep shows how close it came: each category's highest score over the inputs
        const highest = (rs: typeof response.results) =>
          Object.fromEntries(
            [...new Set(rs.flatMap((r) => Object.keys(r.category_scores)))].map((c) => [
              c,
              Math.max(...rs.map((r) => (r.category_scores as unknown as Record<string, number>)[c] ?? 0))
            ])
          )
        if (flagged.length === 0)
          return {
            decision: "keep" as const,
            reason: "nothing flagged",
            modelId: `openai:${model}`,
            evidence: { scores: highest(response.results) }
          }
        const categories = [
          ...new Set(
            flagged.flatMap((r) =>
              Object.entries(r.categories)
                .filter(([, on]) => on)
                .map(([c]) => c)
            )
          )
        ]
        const flaggedScores = highest(flagged)
        const scores = Object.fromEntries(categories.map((c) => [c, flaggedScores[c] ?? 0]))
        return {
          decision: "drop" as const,
          reason: `flagged (${categories.join(", ")}) by the moderation endpoint`,
          modelId: `openai:${model}`,
          evidence: { categories, scores }
        }
      }).pipe(
        Effect.catch((e) =>
          Effect.succeed({
            ...errorVerdict(`openai:${model}`)(e),
            ...("transient" in e && e.transient === true ? { transient: true } : {})
          })
        )
      )
  }
}
