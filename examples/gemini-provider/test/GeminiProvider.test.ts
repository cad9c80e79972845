import { afterEach, describe, expect, it } from "vitest"
import { Effect, Exit, Redacted } from "effect"
import { testVideos } from "@videokr/core/testing"
import {
  conformanceChecks,
  type ConformanceSubject,
  generateContentReply,
  lastGeminiUserText,
  type LoopbackServer,
  startLoopbackServer
} from "@videokr/providers/testing"
import plugin, { makeGemini } from "videokr-plugin-gemini"

// through the public API alone: the provider kit of @videokr/providers/testing, with the Gemini wire
// format (generateContent, the Files API) on its loopback server
const subject: ConformanceSubject = {
  make: ({ baseURL, apiKey, timeoutMs }) => makeGemini({ baseURL, apiKey, timeoutMs }),
  reply: (text) => generateContentReply(() => text),
  model: "gemini-2.5-flash",
  // Google says when to come back in the error's RetryInfo
  rateLimited: {
    kind: "status",
    status: 429,
    body: {
      error: {
        code: 429,
        message: "You exceeded your current quota. Please retry in 2s.",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" }]
      }
    }
  }
}

describe("the Gemini provider passes the provider kit", () => {
  for (const check of conformanceChecks) it(check.name, () => check.run(subject))
})

let server: LoopbackServer | undefined
afterEach(() => server?.close())
const key = Redacted.make("gemini-test-key-0123456789")

describe("the Gemini provider", () => {
  it("sends frames inline, the system prompt apart, the parameters and the JSON schema as Gemini's", async () => {
    server = await startLoopbackServer(
      generateContentReply((body) => `{"echo": ${JSON.stringify(lastGeminiUserText(body))}}`)
    )
    const gemini = makeGemini({ baseURL: server.url, apiKey: key })
    const r = await Effect.runPromise(
      gemini.chat({
        model: "gemini-2.5-flash",
        messages: [
          { role: "system", content: "You grade physics questions." },
          {
            role: "user",
            content: [
              { type: "image", mediaType: "image/jpeg", data: "AAAA" },
              { type: "text", text: "Which law?" }
            ]
          }
        ],
        params: { temperature: 0, maxTokens: 64, seed: 7 },
        responseFormat: {
          name: "answer",
          schema: { type: "object", properties: { echo: { type: "string" } }, required: ["echo"] }
        }
      })
    )
    expect(r).toMatchObject({
      text: '{"echo": "Which law?"}',
      provider: "gemini",
      model: "gemini-2.5-flash",
      finishReason: "stop"
    })
    const sent = server.requests[0]!
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
    expect(sent.headers["x-goog-api-key"]).toBe("gemini-test-key-0123456789")
    expect(sent.body).toMatchObject({
      contents: [
        { role: "user", parts: [{ inlineData: { mimeType: "image/jpeg", data: "AAAA" } }, { text: "Which law?" }] }
      ],
      systemInstruction: { parts: [{ text: "You grade physics questions." }] },
      generationConfig: {
        temperature: 0,
        maxOutputTokens: 64,
        seed: 7,
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object" }
      }
    })
  })

  it("sends a short clip inline, and a long one through the Files API once, asking by its URI when processed", async () => {
    const reply = generateContentReply(() => "a titration", { processingPolls: 2 })
    server = await startLoopbackServer(reply)
    const video = testVideos().base!
    const ask = (gemini: ReturnType<typeof makeGemini>) =>
      Effect.runPromise(
        gemini.chat({
          model: "gemini-2.5-flash",
          messages: [
            {
              role: "user",
              content: [
                { type: "video", url: video },
                { type: "text", text: "What is shown?" }
              ]
            }
          ]
        })
      )
    await ask(makeGemini({ baseURL: server.url, apiKey: key }))
    const inline = (server.requests[0]!.body as any).contents[0].parts[0]
    expect(inline.inlineData.mimeType).toBe("video/mp4")
    expect(Buffer.from(inline.inlineData.data, "base64").length).toBeGreaterThan(1000)
    // the same clip with an inline limit below its size: uploaded, polled until ACTIVE, then asked by URI, twice with one upload
    const uploading = makeGemini({ baseURL: server.url, apiKey: key, inlineVideoBytes: 1000, pollMs: 1 })
    await ask(uploading)
    await ask(uploading)
    const paths = server.requests.slice(1).map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`)
    expect(paths).toEqual([
      "POST /upload/v1beta/files",
      "POST /upload/v1beta/files", // start, then the one chunk (finalize)
      expect.stringMatching(/^GET \/v1beta\/files\/[a-z0-9]+$/),
      expect.stringMatching(/^GET \/v1beta\/files\/[a-z0-9]+$/),
      expect.stringMatching(/^GET \/v1beta\/files\/[a-z0-9]+$/),
      "POST /v1beta/models/gemini-2.5-flash:generateContent",
      "POST /v1beta/models/gemini-2.5-flash:generateContent"
    ])
    const [file] = [...reply.files.values()]
    expect(file!.received).toBe(file!.sizeBytes)
    const byUri = (server.requests.at(-1)!.body as any).contents[0].parts[0]
    expect(byUri).toEqual({
      fileData: { fileUri: expect.stringMatching(new RegExp(`/v1beta/${file!.name}$`)), mimeType: "video/mp4" }
    })
  })

  it("an invalid key (Google's 400) is AuthFailed, a blocked answer ContentFiltered, a video it cannot take BadRequest", async () => {
    server = await startLoopbackServer(generateContentReply(() => "unused"))
    const gemini = makeGemini({ baseURL: server.url, apiKey: key })
    const failure = async (content: any) => {
      const exit = await Effect.runPromiseExit(
        gemini.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content }] })
      )
      return Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined
    }
    server.faults.push({
      kind: "status",
      status: 400,
      body: {
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
          details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }]
        }
      }
    })
    expect(await failure("hi")).toMatchObject({ _tag: "AuthFailed" })
    server.faults.push({
      kind: "status",
      status: 200,
      body: { candidates: [{ content: { parts: [], role: "model" }, finishReason: "SAFETY", index: 0 }] }
    })
    expect(await failure("hi")).toMatchObject({ _tag: "ContentFiltered", detail: "finishReason SAFETY" })
    expect(await failure([{ type: "video", url: "https://example.org/clip.mp4" }])).toMatchObject({
      _tag: "BadRequest"
    })
  })

  it("serves model ids gemini:<model> with its key from GEMINI_API_KEY", () => {
    expect(plugin.apiKeyEnv).toEqual({ gemini: "GEMINI_API_KEY" })
    expect(plugin.providers!.gemini!({ key: "gemini", settings: {}, apiKey: key }).id).toBe("gemini")
  })
})
