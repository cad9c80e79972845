import type { RecordedRequest, Reply } from "./LoopbackServer.ts"

/**
 * The Anthropic Messages wire format, server side: POST /v1/messages. `answer` returns text, or an
 * object for a forced tool call (structured output).
 */
export const messagesReply =
  (answer: (body: any) => string | Record<string, unknown>) =>
  (request: RecordedRequest): Reply => {
    const body = request.body as any
    if (request.path !== "/v1/messages")
      return {
        status: 404,
        body: { type: "error", error: { type: "not_found_error", message: `no route ${request.path}` } }
      }
    const out = answer(body)
    const tool = body.tool_choice?.type === "tool" ? body.tool_choice.name : undefined
    const content =
      typeof out === "string"
        ? [{ type: "text", text: out }]
        : [{ type: "tool_use", id: "toolu_01", name: tool ?? "answer", input: out }]
    return {
      body: {
        id: `msg_${Math.random().toString(36).slice(2)}`,
        type: "message",
        role: "assistant",
        model: body.model,
        content,
        stop_reason: typeof out === "string" ? "end_turn" : "tool_use",
        stop_sequence: null,
        usage: {
          input_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
          output_tokens: Math.ceil(JSON.stringify(out).length / 4)
        }
      }
    }
  }

/** The text of the last user message of a Messages request body. */
export const lastUserTextOfMessages = (body: any): string => {
  const last = [...(body.messages as Array<any>)].reverse().find((m) => m.role === "user")
  if (last === undefined) return ""
  return typeof last.content === "string"
    ? last.content
    : last.content
        .filter((p: any) => p.type === "text")
        .map((p: any) => p.text)
        .join("\n")
}
