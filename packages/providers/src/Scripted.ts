import { Effect } from "effect"
import {
  BadRequest,
  type ChatRequest,
  type ChatResponse,
  type ModelProviderShape,
  type ScriptedRule
} from "@videokr/core"

/**
 * The scripted model: answers from rules, deterministically, for tests and the demo. Its provider id is
 * "scripted:<name>" and its model "scripted", and both are recorded with every output it produces, so a
 * scripted answer can never pass for a real model's.
 */
export type { ScriptedRule }

export const requestText = (request: ChatRequest): string =>
  request.messages
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n")
    )
    .join("\n")

/** What `videokr models check` asks every model: a scripted model answers it too, whatever its script. */
export const modelCheckPrompts = {
  text: "Reply with the single word: ok",
  image: "What colour is this image? One word.",
  json: 'Answer with the JSON object {"ok": true}.'
} as const

const modelCheckRules: ReadonlyArray<ScriptedRule> = [
  { when: (r) => requestText(r) === modelCheckPrompts.text, reply: "ok" },
  { when: (r) => requestText(r) === modelCheckPrompts.image, reply: "white" },
  // the structured request adds its schema after the prompt
  { when: (r) => requestText(r).startsWith(modelCheckPrompts.json), reply: '{"ok": true}' }
]

export const makeScripted = (name: string, script: ReadonlyArray<ScriptedRule>): ModelProviderShape => {
  const id = `scripted:${name}`
  const rules = [...modelCheckRules, ...script]
  const chat = (request: ChatRequest): Effect.Effect<ChatResponse, BadRequest> => {
    const text = requestText(request)
    const rule = rules.find((r) => (typeof r.when === "function" ? r.when(request) : r.when.test(text)))
    if (rule === undefined)
      return Effect.fail(
        new BadRequest({ provider: id, model: "scripted", detail: "no scripted rule matches this request" })
      )
    const reply = typeof rule.reply === "function" ? rule.reply(request) : rule.reply
    return Effect.succeed({
      text: reply,
      finishReason: "stop",
      usage: { inputTokens: Math.ceil(text.length / 4), outputTokens: Math.ceil(reply.length / 4) },
      provider: id,
      model: "scripted"
    })
  }
  return { id, chat }
}
