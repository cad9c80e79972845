/**
 * videokr-plugin-gemini: Google's Gemini models as a videokr provider, for model ids "gemini:<model>"
 * (e.g. "gemini:gemini-2.5-flash"), with the key from GEMINI_API_KEY. Enable it in videokr.config.ts:
 * `plugins: ["videokr-plugin-gemini"]` (see the README).
 */
import { definePlugin } from "@videokr/core"
import { makeGemini } from "./GeminiProvider.ts"

export { type GeminiOptions, makeGemini } from "./GeminiProvider.ts"

export default definePlugin({
  name: "gemini",
  providers: {
    gemini: ({ key, settings, apiKey }) =>
      makeGemini({ id: key, apiKey, baseURL: settings.baseURL, timeoutMs: settings.timeoutMs })
  },
  apiKeyEnv: { gemini: "GEMINI_API_KEY" }
})
