import type OpenAI from "openai"
import { Effect } from "effect"
import {
  type BadRequest,
  type BatchApi,
  type BatchRef,
  type BatchResult,
  type ChatRequest,
  type ChatResponse,
  isProviderError,
  type ProviderError
} from "@videokr/core"
import { errorOfStatus } from "./HttpErrors.ts"

/**
 * The OpenAI Batch API: requests as a JSONL file (purpose "batch"), one batch per submission on
 * /v1/chat/completions with a 24 h window; results from the output and error files. Requests the batch
 * never processed (expired, cancelled) come back as ServerError, to be asked again.
 */
export interface OpenAiBatchParts {
  /** the SDK's client, made (and the SDK loaded) at the first call */
  readonly client: () => Promise<OpenAI>
  readonly id: string
  readonly bodyOf: (request: ChatRequest) => OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming | BadRequest
  readonly responseOf: (
    model: string,
    completion: OpenAI.Chat.Completions.ChatCompletion
  ) => ChatResponse | ProviderError
  readonly mapError: (model: string) => (e: unknown) => ProviderError
}

interface OutputLine {
  readonly custom_id: string
  readonly response?: { readonly status_code: number; readonly body: any } | null
  readonly error?: { readonly code?: string; readonly message?: string } | null
}

const lines = (text: string): Array<OutputLine> =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as OutputLine)

export const makeOpenAiBatch = (parts: OpenAiBatchParts): BatchApi => {
  const id = parts.id
  const call = <A>(what: string, f: (client: OpenAI, signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({ try: async (signal) => f(await parts.client(), signal), catch: parts.mapError(what) })

  const outcomeOf = (line: OutputLine, model: string): ChatResponse | ProviderError => {
    const fields = { provider: id, model }
    const status = line.response?.status_code
    if (status === 200) return parts.responseOf(model, line.response!.body)
    const detail = line.error?.message ?? line.response?.body?.error?.message ?? `status ${status ?? "none"}`
    return errorOfStatus({ ...fields, detail }, status)
  }

  return {
    submit: (requests) =>
      Effect.gen(function* () {
        const body: Array<string> = []
        for (const { customId, request } of requests) {
          const b = parts.bodyOf(request)
          if (isProviderError(b)) return yield* b
          body.push(JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/chat/completions", body: b }))
        }
        const file = yield* call("batch", async (client) =>
          client.files.create({
            file: await (await import("openai")).toFile(Buffer.from(body.join("\n") + "\n"), "videokr-batch.jsonl"),
            purpose: "batch"
          })
        )
        const batch = yield* call("batch", (client, signal) =>
          client.batches.create(
            { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" },
            { signal }
          )
        )
        return { provider: id, id: batch.id } satisfies BatchRef
      }),
    status: (ref) =>
      Effect.map(
        call("batch", (client, signal) => client.batches.retrieve(ref.id, { signal })),
        (b) => ({
          state:
            b.status === "failed"
              ? ("failed" as const)
              : ["completed", "expired", "cancelled"].includes(b.status)
                ? ("ended" as const)
                : ("running" as const),
          total: b.request_counts?.total ?? 0,
          done: (b.request_counts?.completed ?? 0) + (b.request_counts?.failed ?? 0),
          detail: b.status + (b.errors?.data?.length ? `: ${b.errors.data.map((e) => e.message).join("; ")}` : "")
        })
      ),
    results: (ref, requests) =>
      Effect.gen(function* () {
        const b = yield* call("batch", (client, signal) => client.batches.retrieve(ref.id, { signal }))
        const read = (fileId: string | null | undefined) =>
          fileId
            ? call("batch", async (client, signal) =>
                lines(await (await client.files.content(fileId, { signal })).text())
              )
            : Effect.succeed([] as Array<OutputLine>)
        const output = [...(yield* read(b.output_file_id)), ...(yield* read(b.error_file_id))]
        return output.flatMap((line): Array<BatchResult> => {
          const request = requests.get(line.custom_id)
          return request === undefined ? [] : [{ customId: line.custom_id, outcome: outcomeOf(line, request.model) }]
        })
      })
  }
}
