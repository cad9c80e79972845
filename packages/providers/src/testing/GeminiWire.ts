import type { RecordedRequest, Reply } from "./LoopbackServer.ts"

/**
 * The Gemini API (generativelanguage v1beta) server side, as @google/genai speaks it: generateContent,
 * and the Files API: a resumable upload (start, then chunks of up to 8 MiB, the last one finalizing),
 * get (a file is PROCESSING for `processingPolls` gets, then ACTIVE) and delete. `answer` sees the
 * generateContent body and returns the text. Errors are Google's JSON errors. `files` shows what was
 * uploaded: the size each upload announced and the bytes that came.
 */
export interface GeminiFile {
  readonly name: string
  readonly mimeType: string
  readonly sizeBytes: number
  received: number
  polls: number
  deleted: boolean
}

const googleError = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code: status, message, status: code } }
})

export const generateContentReply = (
  answer: (body: any) => string,
  options: { readonly processingPolls?: number } = {}
) => {
  const files = new Map<string, GeminiFile>()
  const uploads = new Map<string, GeminiFile>()
  const fileJson = (f: GeminiFile, host: string) => ({
    name: f.name,
    mimeType: f.mimeType,
    sizeBytes: String(f.sizeBytes),
    uri: `http://${host}/v1beta/${f.name}`,
    source: "UPLOADED",
    state:
      f.received < f.sizeBytes
        ? "STATE_UNSPECIFIED"
        : f.polls < (options.processingPolls ?? 1)
          ? "PROCESSING"
          : "ACTIVE"
  })
  const reply = (request: RecordedRequest): Reply => {
    const header = (name: string) => String(request.headers[name] ?? "")
    const host = header("host")
    if (header("x-goog-api-key") === "")
      return googleError(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
      )
    const url = new URL(request.path, `http://${host}`)
    const generate = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname)
    if (request.method === "POST" && generate !== null) {
      const body = request.body as any
      if (!Array.isArray(body?.contents))
        return googleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
      const text = answer(body)
      const promptTokenCount = Math.ceil(JSON.stringify(body.contents).length / 4)
      const candidatesTokenCount = Math.ceil(text.length / 4)
      return {
        body: {
          candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
          usageMetadata: {
            promptTokenCount,
            candidatesTokenCount,
            totalTokenCount: promptTokenCount + candidatesTokenCount
          },
          modelVersion: generate[1],
          responseId: `resp-${Math.random().toString(36).slice(2)}`
        }
      }
    }
    if (request.method === "POST" && url.pathname === "/upload/v1beta/files") {
      const command = header("x-goog-upload-command")
      if (command === "start") {
        const name = `files/${Math.random().toString(36).slice(2, 12)}`
        const file: GeminiFile = {
          name,
          mimeType: header("x-goog-upload-header-content-type"),
          sizeBytes: Number(header("x-goog-upload-header-content-length")),
          received: 0,
          polls: 0,
          deleted: false
        }
        const id = String(uploads.size + 1)
        uploads.set(id, file)
        files.set(name, file)
        // a Google address: the SDK sends the chunks to its own base URL's host with this path and query
        return {
          body: {},
          headers: {
            "x-goog-upload-url": `https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`
          }
        }
      }
      const file = uploads.get(url.searchParams.get("upload_id") ?? "")
      if (file === undefined) return googleError(404, "NOT_FOUND", "upload session not found")
      if (Number(header("x-goog-upload-offset")) !== file.received)
        return googleError(
          400,
          "INVALID_ARGUMENT",
          `offset ${header("x-goog-upload-offset")}, expected ${file.received}`
        )
      file.received += Number(header("content-length"))
      const final = command.includes("finalize")
      if (final && file.received !== file.sizeBytes)
        return googleError(400, "INVALID_ARGUMENT", `received ${file.received} of ${file.sizeBytes} bytes`)
      return {
        body: final ? { file: fileJson(file, host) } : {},
        headers: { "x-goog-upload-status": final ? "final" : "active" }
      }
    }
    const named = /^\/v1beta\/(files\/[a-z0-9]+)$/.exec(url.pathname)
    if (named !== null) {
      const file = files.get(named[1]!)
      if (file === undefined || file.deleted) return googleError(404, "NOT_FOUND", `File ${named[1]} not found.`)
      if (request.method === "DELETE") return ((file.deleted = true), { body: {} })
      const json = fileJson(file, host)
      file.polls++
      return { body: json }
    }
    return googleError(404, "NOT_FOUND", `no route ${request.method} ${url.pathname}`)
  }
  return Object.assign(reply, { files })
}

/** The text parts of a generateContent body's last user turn. */
export const lastGeminiUserText = (body: any): string => {
  const last = [...(body.contents as Array<any>)].reverse().find((c) => c.role === "user")
  return last === undefined
    ? ""
    : (last.parts as Array<any>)
        .filter((p) => typeof p.text === "string")
        .map((p) => p.text)
        .join("\n")
}
