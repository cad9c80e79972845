import type { ScriptedRule } from "./Scripted.ts"
import { requestText } from "./Scripted.ts"

/**
 * Built-in scripts of the scripted model, by name (`scripted:<name>`). "echo" repeats the request's text
 * (and answers the JSON probe of `videokr models check`); the pipeline's demo script joins with the pipeline.
 */
/** The knowledge point a scenarios prompt is about (its "Knowledge point:" line). */
const knowledgePointOf = (text: string) => /Knowledge point: (.*)/.exec(text)?.[1]?.trim() ?? "the topic"

export const builtinScripts: Record<string, ReadonlyArray<ScriptedRule>> = {
  /**
   * The demo's model. Metadata relevance: by shared words. Scenarios: three filmable settings per knowledge point, except that it finds none
   * for knowledge points about history or economics (so the demo shows a drop), and answers
   * "Fracture" ones with broken JSON (so it shows an error verdict, after the repair attempt).
   */
  demo: [
    {
      // metadata relevance: relevant when the title, description or tags share a word with the knowledge point
      when: (r) => requestText(r).includes("TASK: metadata relevance"),
      reply: (r) => {
        const text = requestText(r)
        const words = (s: string) => new Set(s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 3))
        const kp = words(knowledgePointOf(text))
        const meta = words(["Video title:", "Video description:", "Video tags:"].map((k) => text.split("\n").find((l) => l.startsWith(k)) ?? "").join(" "))
        const shared = [...kp].filter((w) => meta.has(w))
        return JSON.stringify(shared.length > 0
          ? { relevant: true, reason: `the metadata mentions ${shared.join(", ")}` }
          : { relevant: false, reason: "nothing in the title, description or tags is about the knowledge point" })
      }
    },
    {
      when: (r) => requestText(r).includes("TASK: scenarios"),
      reply: (r) => {
        const text = requestText(r)
        const kp = knowledgePointOf(text)
        if (/fracture/i.test(kp)) return "Sure! Here are some ideas: a lab, a lecture"
        if (/History|Economics/.test(text.split("\n").find((l) => l.startsWith("Path:")) ?? "")) return JSON.stringify({ scenarios: [] })
        return JSON.stringify({ scenarios: [`laboratory demonstration of ${kp.toLowerCase()}`, `${kp.toLowerCase()} explained with a hands-on experiment`, `real-world footage showing ${kp.toLowerCase()}`] })
      }
    }
  ],
  echo: [
    { when: (r) => r.responseFormat !== undefined, reply: '{"ok": true}' },
    { when: /.*/s, reply: (r) => `echo: ${requestText(r).split("\n").at(-1) ?? ""}` }
  ]
}
