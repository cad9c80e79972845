import { Schema } from "effect"

/**
 * Model ids as config and the CLI write them:
 *   openai:gpt-4o                         anthropic:claude-sonnet-4-5
 *   openai-compatible:http://host:8000/v1#qwen2.5-vl-7b     scripted:demo
 *   <plugin provider>:<model>
 */
export interface ModelId {
  readonly provider: string
  /** OpenAI-compatible servers only */
  readonly baseURL?: string | undefined
  readonly model: string
}

export class InvalidModelId extends Schema.TaggedError<InvalidModelId>()("InvalidModelId", {
  id: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `model id "${this.id}": ${this.reason} (forms: openai:<model>, anthropic:<model>, openai-compatible:<base URL>#<model>, scripted:<name>)`
  }
}

export const parseModelId = (id: string): ModelId | InvalidModelId => {
  const colon = id.indexOf(":")
  if (colon <= 0) return new InvalidModelId({ id, reason: "no provider prefix" })
  const provider = id.slice(0, colon)
  const rest = id.slice(colon + 1)
  if (provider === "openai-compatible") {
    const hash = rest.lastIndexOf("#")
    if (hash <= 0 || hash === rest.length - 1)
      return new InvalidModelId({ id, reason: "an OpenAI-compatible id needs <base URL>#<model>" })
    const baseURL = rest.slice(0, hash)
    if (!/^https?:\/\//.test(baseURL)) return new InvalidModelId({ id, reason: `"${baseURL}" is not an http(s) URL` })
    return { provider, baseURL, model: rest.slice(hash + 1) }
  }
  if (rest === "") return new InvalidModelId({ id, reason: "no model name" })
  return { provider, model: rest }
}

/** The provider part of an id as it is configured: "openai", "anthropic", or the base URL of a compatible server. */
export const providerKey = (m: ModelId): string => (m.provider === "openai-compatible" ? m.baseURL! : m.provider)
