import type { RecordedRequest, Reply } from "./LoopbackServer.ts"
import { chatCompletionReply } from "./OpenAiWire.ts"

/**
 * The OpenAI Files and Batch APIs, server side, on top of Chat Completions: POST /v1/files (multipart,
 * purpose "batch"), POST /v1/batches, GET /v1/batches/:id (the batch completes after `pollsToFinish`
 * retrievals), GET /v1/files/:id/content. Requests whose user text contains "FAIL" get a 500 line in the
 * error file. `fate` decides how the n-th batch (1, 2, ...) ends: "completed" (the default), "failed"
 * (status failed, no output), or "expired" (the 24 h window passed: only the first half of its requests
 * were answered). Anything else goes to `fallback` (e.g. live chat completions).
 */
export type BatchFate = "completed" | "failed" | "expired"

export const openAiBatchServer = (
  answer: (body: any) => string,
  options: { readonly pollsToFinish?: number; readonly fate?: ((batch: number) => BatchFate) | undefined } = {}
) => {
  const files = new Map<string, string>()
  const batches = new Map<string, { batch: any; polls: number }>()
  const created = { files: 0, batches: 0 }
  const chat = chatCompletionReply(answer)

  const finish = (entry: { batch: any }) => {
    const fate = options.fate?.(Number(String(entry.batch.id).slice("batch_".length))) ?? "completed"
    if (fate === "failed") {
      entry.batch = {
        ...entry.batch,
        status: "failed",
        errors: { object: "list", data: [{ code: "server_error", message: "the batch failed to process" }] }
      }
      return
    }
    const input = files.get(entry.batch.input_file_id) ?? ""
    const out: Array<string> = []
    const errors: Array<string> = []
    const lines = input.split("\n").filter((l) => l.trim() !== "")
    for (const line of fate === "expired" ? lines.slice(0, Math.ceil(lines.length / 2)) : lines) {
      const req = JSON.parse(line)
      const failing = JSON.stringify(req.body.messages).includes("FAIL")
      if (failing) {
        errors.push(
          JSON.stringify({
            id: `batch_req_${out.length + errors.length}`,
            custom_id: req.custom_id,
            response: {
              status_code: 500,
              request_id: "r",
              body: { error: { message: "internal error", type: "server_error" } }
            },
            error: null
          })
        )
      } else {
        const body = chat({ method: "POST", path: "/v1/chat/completions", headers: {}, body: req.body }).body
        out.push(
          JSON.stringify({
            id: `batch_req_${out.length + errors.length}`,
            custom_id: req.custom_id,
            response: { status_code: 200, request_id: "r", body },
            error: null
          })
        )
      }
    }
    const outputId = `file-out-${entry.batch.id}`
    const errorId = `file-err-${entry.batch.id}`
    files.set(outputId, out.join("\n") + "\n")
    files.set(errorId, errors.join("\n") + "\n")
    entry.batch = {
      ...entry.batch,
      status: fate,
      output_file_id: outputId,
      error_file_id: errors.length ? errorId : null,
      request_counts: { total: out.length + errors.length, completed: out.length, failed: errors.length }
    }
  }

  const handler = (request: RecordedRequest): Reply => {
    const { method, path } = request
    if (method === "POST" && path === "/v1/files") {
      const text = String(request.body)
      // the file part of the multipart body: after its headers' blank line, up to the next boundary
      const part = text.slice(text.indexOf('name="file"'))
      const content = part.slice(part.indexOf("\r\n\r\n") + 4, part.indexOf("\r\n--"))
      const id = `file-${++created.files}`
      files.set(id, content)
      return {
        body: {
          id,
          object: "file",
          bytes: content.length,
          created_at: 1_764_000_000,
          filename: "videokr-batch.jsonl",
          purpose: "batch",
          status: "processed"
        }
      }
    }
    if (method === "POST" && path === "/v1/batches") {
      const body = request.body as any
      const id = `batch_${++created.batches}`
      const total = (files.get(body.input_file_id) ?? "").split("\n").filter((l) => l.trim() !== "").length
      const batch = {
        id,
        object: "batch",
        endpoint: body.endpoint,
        input_file_id: body.input_file_id,
        completion_window: body.completion_window,
        status: "validating",
        output_file_id: null,
        error_file_id: null,
        created_at: 1_764_000_000,
        request_counts: { total, completed: 0, failed: 0 }
      }
      batches.set(id, { batch, polls: 0 })
      return { body: batch }
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)$/.exec(path)
    if (method === "GET" && batchMatch) {
      const entry = batches.get(batchMatch[1]!)
      if (entry === undefined)
        return { status: 404, body: { error: { message: "no such batch", type: "invalid_request_error" } } }
      entry.polls++
      if (!["completed", "failed", "expired"].includes(entry.batch.status)) {
        if (entry.polls >= (options.pollsToFinish ?? 2)) finish(entry)
        else entry.batch = { ...entry.batch, status: "in_progress" }
      }
      return { body: entry.batch }
    }
    const fileMatch = /^\/v1\/files\/([^/]+)\/content$/.exec(path)
    if (method === "GET" && fileMatch) {
      const content = files.get(fileMatch[1]!)
      return content === undefined
        ? { status: 404, body: { error: { message: "no such file", type: "invalid_request_error" } } }
        : { body: content, raw: true }
    }
    return chat(request)
  }
  return { handler, created }
}
