import type { RecordedRequest, Reply } from "./LoopbackServer.ts"

/**
 * The OpenAI Chat Completions wire format, server side: what a compatible server (OpenAI, vLLM, SGLang,
 * Ollama) answers to POST /v1/chat/completions. `answer` sees the request body and returns the text.
 */
export const chatCompletionReply =
  (answer: (body: any) => string, options: { finishReason?: string } = {}) =>
  (request: RecordedRequest): Reply => {
    const body = request.body as any
    if (request.path !== "/v1/chat/completions")
      return { status: 404, body: { error: { message: `no route ${request.path}`, type: "invalid_request_error" } } }
    const text = answer(body)
    const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4)
    const completionTokens = Math.ceil(text.length / 4)
    return {
      body: {
        id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
        object: "chat.completion",
        created: 1_764_000_000,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text },
            finish_reason: options.finishReason ?? "stop",
            logprobs: null
          }
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens
        }
      }
    }
  }

/** The text of the last user message of a Chat Completions request body. */
export const lastUserText = (body: any): string => {
  const last = [...(body.messages as Array<any>)].reverse().find((m) => m.role === "user")
  if (last === undefined) return ""
  return typeof last.content === "string"
    ? last.content
    : last.content
        .filter((p: any) => p.type === "text")
        .map((p: any) => p.text)
        .join("\n")
}
