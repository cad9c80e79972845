import { readFile, stat } from "node:fs/promises"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import type { Content, GenerateContentConfig, GenerateContentResponse, GoogleGenAI, Part } from "@google/genai"
import { Effect, Redacted } from "effect"
import {
  AuthFailed,
  BadRequest,
  type ChatRequest,
  type ChatResponse,
  ContentFiltered,
  type ContentPart,
  type ModelProviderShape,
  type ProviderError,
  RateLimited,
  ServerError,
  systemPrompt,
  Timeout
} from "@videokr/core"
import { errorOfStatus, lazySdk } from "@videokr/providers"

/**
 * Google's Gemini API through the official SDK (@google/genai). Frames go as inline images. A whole
 * video (a content part `{ type: "video", url }` naming a local file) goes inline when small and through
 * the Files API when not: uploaded once per file and run, then asked about by its URI once Google has
 * processed it. Structured output is Gemini's JSON mode with the requested JSON Schema. The SDK's own
 * retries are off: videokr's middleware retries, limits and caches every call.
 */
export interface GeminiOptions {
  readonly id?: string | undefined
  /** the API's address (default https://generativelanguage.googleapis.com) */
  readonly baseURL?: string | undefined
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly timeoutMs?: number | undefined
  /** videos up to this size go inline in the request; larger ones through the Files API (default 15 MB, 20 MB as base64) */
  readonly inlineVideoBytes?: number | undefined
  /** how often to ask whether an uploaded video is processed, in ms (default 2000) */
  readonly pollMs?: number | undefined
}

const videoTypes: Record<string, string> = {
  ".mp4": "video/mp4",
  ".m4v": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/mov",
  ".mpeg": "video/mpeg",
  ".mpg": "video/mpg",
  ".avi": "video/avi",
  ".flv": "video/x-flv",
  ".wmv": "video/wmv",
  ".3gp": "video/3gpp",
  ".ogv": "video/ogg",
  ".mkv": "video/x-matroska"
}

/** Google's error JSON (the SDK's ApiError message is the body): its status name and RetryInfo delay. */
const googleError = (message: string) => {
  try {
    const error = JSON.parse(message).error as {
      status?: string
      message?: string
      details?: Array<{ "@type"?: string; reason?: string; retryDelay?: string }>
    }
    const delay = error.details?.find((d) => d.retryDelay !== undefined)?.retryDelay
    return {
      status: error.status,
      text: error.message ?? message,
      keyInvalid: error.details?.some((d) => d.reason === "API_KEY_INVALID") === true,
      retryAfterMs: delay === undefined ? undefined : Math.round(Number.parseFloat(delay) * 1000)
    }
  } catch {
    return { status: undefined, text: message, keyInvalid: false, retryAfterMs: undefined }
  }
}

const blocked = new Set(["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "RECITATION"])

export const makeGemini = (options: GeminiOptions): ModelProviderShape => {
  const id = options.id ?? "gemini"
  const inlineVideoBytes = options.inlineVideoBytes ?? 15_000_000
  const lazy = lazySdk(
    () => import("@google/genai"),
    (genai) =>
      new genai.GoogleGenAI({
        vertexai: false,
        apiKey: options.apiKey === undefined ? "" : Redacted.value(options.apiKey),
        httpOptions: {
          apiVersion: "v1beta",
          timeout: options.timeoutMs ?? 120_000,
          ...(options.baseURL ? { baseUrl: options.baseURL } : {})
        }
      })
  )

  const mapError =
    (model: string) =>
    (e: unknown): ProviderError => {
      const fields = { provider: id, model, detail: e instanceof Error ? e.message : String(e) }
      const sdk = lazy.sdk()
      if (e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError"))
        return new Timeout({ ...fields, detail: "no answer in time" })
      if (e instanceof SyntaxError)
        return new ServerError({
          ...fields,
          detail: `the body is not the provider's format: ${e.message}`,
          unusable: true
        })
      if (sdk !== undefined && e instanceof sdk.ApiError) {
        const g = googleError(e.message)
        const detail = g.status === undefined ? g.text : `${g.status}: ${g.text}`
        // an invalid key is a 400 at Google, not a 401
        if (g.keyInvalid) return new AuthFailed({ ...fields, detail })
        if (e.status === 429)
          return new RateLimited({
            ...fields,
            detail,
            ...(g.retryAfterMs === undefined ? {} : { retryAfterMs: g.retryAfterMs })
          })
        return errorOfStatus({ ...fields, detail }, e.status)
      }
      return errorOfStatus(fields, undefined)
    }

  // uploads of this run, by file and its size and time: a video asked about many times is sent once
  const uploaded = new Map<string, Promise<{ readonly uri: string; readonly mimeType: string }>>()

  const uploadVideo = (ai: GoogleGenAI, path: string, mimeType: string, stamp: string) => {
    const key = `${path}|${stamp}`
    let upload = uploaded.get(key)
    if (upload === undefined) {
      upload = (async () => {
        let file = await ai.files.upload({ file: path, config: { mimeType } })
        while (file.state === "PROCESSING" || file.state === "STATE_UNSPECIFIED") {
          await new Promise((r) => setTimeout(r, options.pollMs ?? 2000))
          file = await ai.files.get({ name: file.name! })
        }
        if (file.state !== "ACTIVE" || file.uri === undefined)
          throw new Error(`the Files API could not process ${path}: ${file.error?.message ?? file.state}`)
        return { uri: file.uri, mimeType }
      })()
      // a failed upload is not kept: the next request tries again
      upload.catch(() => uploaded.delete(key))
      uploaded.set(key, upload)
    }
    return upload
  }

  const partOf = async (ai: GoogleGenAI, model: string, part: ContentPart): Promise<Part> => {
    if (part.type === "text") return { text: part.text }
    if (part.type === "image") return { inlineData: { mimeType: part.mediaType, data: part.data } }
    if (/^https:\/\/(www\.)?(youtube\.com|youtu\.be)\//.test(part.url))
      return { fileData: { fileUri: part.url, mimeType: "video/*" } }
    const path = part.url.startsWith("file:") ? fileURLToPath(part.url) : part.url
    const mimeType = videoTypes[extname(path).toLowerCase()]
    if (!path.startsWith("/") || mimeType === undefined)
      throw new BadRequest({
        provider: id,
        model,
        detail: `Gemini takes a video as a local file (${Object.keys(videoTypes).join(" ")}) or a YouTube URL, not ${part.url}`
      })
    const s = await stat(path)
    if (s.size <= inlineVideoBytes) return { inlineData: { mimeType, data: (await readFile(path)).toString("base64") } }
    const file = await uploadVideo(ai, path, mimeType, `${s.size}:${s.mtimeMs}`)
    return { fileData: { fileUri: file.uri, mimeType: file.mimeType } }
  }

  const bodyOf = async (ai: GoogleGenAI, request: ChatRequest) => {
    const parts = (m: ChatRequest["messages"][number]) =>
      typeof m.content === "string"
        ? Promise.resolve([{ text: m.content }])
        : Promise.all(m.content.map((p) => partOf(ai, request.model, p)))
    const contents: Array<Content> = []
    for (const m of request.messages.filter((m) => m.role !== "system"))
      contents.push({ role: m.role === "assistant" ? "model" : "user", parts: await parts(m) })
    const system = systemPrompt(request)
    const p = request.params ?? {}
    const config: GenerateContentConfig = {
      ...(system !== undefined ? { systemInstruction: system } : {}),
      ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
      ...(p.topP !== undefined ? { topP: p.topP } : {}),
      ...(p.maxTokens !== undefined ? { maxOutputTokens: p.maxTokens } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.stop !== undefined ? { stopSequences: [...p.stop] } : {}),
      ...(request.responseFormat === undefined
        ? {}
        : { responseMimeType: "application/json", responseJsonSchema: request.responseFormat.schema })
    }
    return { model: request.model, contents, config }
  }

  const responseOf = (request: ChatRequest, r: GenerateContentResponse): ChatResponse | ProviderError => {
    const fields = { provider: id, model: request.model }
    if (typeof r !== "object" || r === null)
      return new ServerError({ ...fields, detail: "the body is not the provider's format", unusable: true })
    if (r.promptFeedback?.blockReason !== undefined)
      return new ContentFiltered({ ...fields, detail: `prompt blocked: ${r.promptFeedback.blockReason}` })
    const candidate = r.candidates?.[0]
    if (candidate?.finishReason !== undefined && blocked.has(candidate.finishReason))
      return new ContentFiltered({ ...fields, detail: `finishReason ${candidate.finishReason}` })
    const text = (candidate?.content?.parts ?? [])
      .flatMap((p) => (typeof p.text === "string" && p.thought !== true ? [p.text] : []))
      .join("")
    if (text.trim() === "") return new ServerError({ ...fields, detail: "empty response", unusable: true })
    const usage = r.usageMetadata
    return {
      text,
      finishReason: (candidate?.finishReason ?? "unknown").toLowerCase(),
      usage: {
        inputTokens: usage?.promptTokenCount ?? 0,
        outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0)
      },
      provider: id,
      model: r.modelVersion || request.model
    }
  }

  const chat = (request: ChatRequest): Effect.Effect<ChatResponse, ProviderError> =>
    Effect.tryPromise({
      try: async (signal) => {
        const ai = await lazy.client()
        const body = await bodyOf(ai, request)
        return await ai.models.generateContent({ ...body, config: { ...body.config, abortSignal: signal } })
      },
      catch: (e) => (e instanceof BadRequest ? e : mapError(request.model)(e))
    }).pipe(
      Effect.flatMap((r) => {
        const out = responseOf(request, r)
        return "text" in out ? Effect.succeed(out) : Effect.fail(out)
      })
    )

  // the stages send a model that takes video the video itself, in place of frames
  return { id, chat, accepts: { video: true } }
}
