/**
 * videokr-plugin-commons: Creative-Commons videos from Wikimedia Commons as a videokr video source.
 * Enable it in videokr.config.ts (see the README): `plugins: ["videokr-plugin-commons"]` and a
 * `pipeline.sources` entry `{ use: "commons", options: { contact: "you@example.org" } }`.
 */
import { definePlugin } from "@videokr/core"
import { makeCommonsSource } from "./CommonsSource.ts"

export { type CommonsOptions, defaultApi, licenseOf, makeCommonsSource, plainText } from "./CommonsSource.ts"

export default definePlugin({
  name: "commons",
  sources: {
    commons: ({ options }) =>
      makeCommonsSource({
        contact: typeof options.contact === "string" ? options.contact : "",
        api: typeof options.api === "string" ? options.api : undefined,
        pages: typeof options.pages === "number" ? options.pages : undefined,
        attempts: typeof options.attempts === "number" ? options.attempts : undefined
      })
  }
})
