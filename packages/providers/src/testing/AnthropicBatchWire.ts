import type { RecordedRequest, Reply } from "./LoopbackServer.ts"
import { messagesReply } from "./AnthropicWire.ts"

/**
 * Anthropic Message Batches, server side: POST /v1/messages/batches, GET /v1/messages/batches/:id (ends
 * after `pollsToFinish` retrievals, then carries a results_url), GET .../results (JSONL). Requests whose
 * user text contains "FAIL" come back errored. `baseUrl` is this server's own address, for results_url.
 */
export const anthropicBatchServer = (
  answer: (body: any) => string | Record<string, unknown>,
  options: { readonly pollsToFinish?: number; readonly baseUrl: () => string }
) => {
  const batches = new Map<string, { batch: any; requests: Array<any>; polls: number }>()
  const created = { batches: 0 }
  const messages = messagesReply(answer)
  const counts = (processing: number, succeeded = 0, errored = 0) => ({
    processing,
    succeeded,
    errored,
    canceled: 0,
    expired: 0
  })

  const handler = (request: RecordedRequest): Reply => {
    const { method, path } = request
    if (method === "POST" && path === "/v1/messages/batches") {
      const id = `msgbatch_${++created.batches}`
      const requests = (request.body as any).requests as Array<any>
      const batch = {
        id,
        type: "message_batch",
        processing_status: "in_progress",
        request_counts: counts(requests.length),
        ended_at: null,
        created_at: "2026-11-26T12:00:00Z",
        expires_at: "2026-11-27T12:00:00Z",
        cancel_initiated_at: null,
        archived_at: null,
        results_url: null
      }
      batches.set(id, { batch, requests, polls: 0 })
      return { body: batch }
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path)
    const entry = m ? batches.get(m[1]!) : undefined
    if (method === "GET" && m && entry === undefined)
      return { status: 404, body: { type: "error", error: { type: "not_found_error", message: "no such batch" } } }
    if (method === "GET" && m && m[2] === undefined) {
      entry!.polls++
      if (entry!.batch.processing_status !== "ended" && entry!.polls >= (options.pollsToFinish ?? 2)) {
        const failing = entry!.requests.filter((r) => JSON.stringify(r.params.messages).includes("FAIL")).length
        entry!.batch = {
          ...entry!.batch,
          processing_status: "ended",
          ended_at: "2026-11-26T12:05:00Z",
          request_counts: counts(0, entry!.requests.length - failing, failing),
          results_url: `${options.baseUrl()}/v1/messages/batches/${entry!.batch.id}/results`
        }
      }
      return { body: entry!.batch }
    }
    if (method === "GET" && m && m[2] === "/results") {
      const lines = entry!.requests.map((r) =>
        JSON.stringify(
          JSON.stringify(r.params.messages).includes("FAIL")
            ? {
                custom_id: r.custom_id,
                result: {
                  type: "errored",
                  error: { type: "error", error: { type: "api_error", message: "Internal server error" } }
                }
              }
            : {
                custom_id: r.custom_id,
                result: {
                  type: "succeeded",
                  message: messages({ method: "POST", path: "/v1/messages", headers: {}, body: r.params }).body
                }
              }
        )
      )
      return { body: lines.join("\n") + "\n", raw: true }
    }
    return messages(request)
  }
  return { handler, created }
}
