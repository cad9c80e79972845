import { readFileSync } from "node:fs"

/**
 * How the videokr command runs Node (packages/cli/bin/node-flags.json: V8 flags and environment): each
 * benchmark runs in a Node started the same way, so that its memory and time are what a user's run has.
 */
const runtime = JSON.parse(
  readFileSync(new URL("../../../packages/cli/bin/node-flags.json", import.meta.url), "utf8")
) as { readonly flags: ReadonlyArray<string>; readonly env: Readonly<Record<string, string>> }

export const runtimeFlags = runtime.flags

/** The environment of a benchmark's process: the command's, under the user's own settings. */
export const runtimeEnv = { ...runtime.env, ...process.env }
