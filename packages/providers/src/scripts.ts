import type { ChatRequest } from "@videokr/core"
import { demoReply, isBenchmarkPrompt, optionLetters } from "./DemoScript.ts"
import { requestText, type ScriptedRule } from "./Scripted.ts"

/**
 * Built-in scripts of the scripted model, by name (`scripted:<name>`). "echo" repeats the request's text
 * (and answers the JSON probe of `videokr models check`); "demo" answers every prompt of the pipeline.
 */
const imagesIn = (r: ChatRequest) =>
  r.messages.reduce(
    (n, m) => n + (typeof m.content === "string" ? 0 : m.content.filter((p) => p.type === "image").length),
    0
  )

/** The demo script as rules: every pipeline prompt (DemoScript.ts). */
const demoRules: ReadonlyArray<ScriptedRule> = [
  {
    when: (r) => demoReply(requestText(r), imagesIn(r)) !== undefined,
    reply: (r) => demoReply(requestText(r), imagesIn(r))!
  }
]

export const builtinScripts: Record<string, ReadonlyArray<ScriptedRule>> = {
  /** The demo's model, and a second one with the same script so that the demo's pool has two members. */
  demo: demoRules,
  "demo-alt": demoRules,
  /** a baseline for the demo's leaderboard: the first option of every benchmark question */
  "demo-first": [
    {
      when: (r) => isBenchmarkPrompt(requestText(r)),
      reply: (r) =>
        `<think>Always the first option.</think>\n<answer>${optionLetters(requestText(r))[0] ?? "unknown"}</answer>`
    }
  ],
  echo: [
    { when: (r) => r.responseFormat !== undefined, reply: '{"ok": true}' },
    { when: /.*/s, reply: (r) => `echo: ${requestText(r).split("\n").at(-1) ?? ""}` }
  ]
}
