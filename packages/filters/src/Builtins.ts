import { definePlugin } from "@videokr/core"
import { openAiModeration } from "./OpenAiModeration.ts"

/**
 * The built-in checks that are not a default stage, offered as a plugin is (`pipeline.checks`):
 * `openai-moderation` (options: model, baseURL, apiKeyEnv).
 */
export const builtinChecks = definePlugin({
  name: "videokr-filters",
  filters: {
    "openai-moderation": ({ options }) =>
      openAiModeration({
        model: typeof options.model === "string" ? options.model : undefined,
        baseURL: typeof options.baseURL === "string" ? options.baseURL : undefined,
        apiKeyEnv: typeof options.apiKeyEnv === "string" ? options.apiKeyEnv : undefined
      })
  }
})
