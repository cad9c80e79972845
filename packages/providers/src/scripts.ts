import type { ScriptedRule } from "./Scripted.ts"
import { requestText } from "./Scripted.ts"

/**
 * Built-in scripts of the scripted model, by name (`scripted:<name>`). "echo" repeats the request's text
 * (and answers the JSON probe of `videokr models check`); the pipeline's demo script joins with the pipeline.
 */
export const builtinScripts: Record<string, ReadonlyArray<ScriptedRule>> = {
  echo: [
    { when: (r) => r.responseFormat !== undefined, reply: '{"ok": true}' },
    { when: /.*/s, reply: (r) => `echo: ${requestText(r).split("\n").at(-1) ?? ""}` }
  ]
}
