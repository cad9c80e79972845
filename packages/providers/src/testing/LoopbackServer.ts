import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A loopback HTTP server for provider tests: each request is answered by the next scripted fault, if
 * any, else by the fault a per-request decider picks, else by the handler. Faults are what real APIs and
 * the networks in front of them do over a long run: 429 with Retry-After, 5xx, slow answers, bodies cut
 * short or malformed, connections reset, a proxy's HTML page with status 200, empty answers; and whole
 * outages (`down`/`up`). Every request that reaches HTTP is recorded (path, headers, parsed body) and
 * counted once: as served normally or as the fault it got.
 */
export type Fault =
  | {
      readonly kind: "status"
      readonly status: number
      readonly body?: unknown
      readonly headers?: Record<string, string>
    }
  /** the answer after `ms` (sooner: nothing, if the client closes the connection first) */
  | { readonly kind: "slow"; readonly ms: number }
  /** 200 with a JSON content type and a body broken in the middle of an object */
  | { readonly kind: "malformed" }
  /** the handler's answer, with its full content-length announced, cut in half and the connection dropped */
  | { readonly kind: "truncated" }
  /** no answer: the socket is reset (RST), so the client sees ECONNRESET */
  | { readonly kind: "reset" }
  /** 200 with a text/html page, as a proxy or gateway in front of the API sends when the API is away */
  | { readonly kind: "html" }
  /** the handler's answer with its text taken out, in the route's wire format (see `emptied`) */
  | { readonly kind: "empty" }

export type FaultKind = Fault["kind"]

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: unknown
}

export interface Reply {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body: unknown
  /** send `body` as it is (a string), not as JSON */
  readonly raw?: boolean
}

export interface LoopbackOptions {
  /** the fault for a request when no scripted fault is queued; undefined answers it normally */
  readonly fault?: ((request: RecordedRequest) => Fault | undefined) | undefined
}

/**
 * An outage: "refuse" stops listening (connections are refused, nothing is recorded), "reset" accepts
 * and resets every connection, "503" answers every request 503.
 */
export type Outage = "refuse" | "reset" | "503"

/** Every recorded request is counted once: `served` by the handler untouched, or under the fault it got. */
export interface ServerCounters {
  served: number
  readonly injected: Record<FaultKind, number>
}

export interface LoopbackServer {
  readonly url: string
  readonly requests: Array<RecordedRequest>
  /** faults for the next requests, in order */
  readonly faults: Array<Fault>
  readonly counters: ServerCounters
  /** starts an outage (or changes its mode); requests during a "reset" or "503" outage count as those faults */
  readonly down: (mode: Outage) => Promise<void>
  /** ends the outage, listening again on the same port (same `url`) */
  readonly up: () => Promise<void>
  readonly close: () => Promise<void>
}

/** A page such as nginx or a cloud load balancer serves in place of the API. */
export const proxyErrorPage =
  "<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>\n" +
  "<body><h1>Service Temporarily Unavailable</h1><p>The upstream server is not answering. Please try again later.</p>\n" +
  "<hr><address>nginx</address></body></html>\n"

/**
 * An answer with no text in it, in the wire format it is in: an OpenAI chat completion keeps its choices
 * with `message.content: ""`, an Anthropic message gets an empty content list, a Gemini answer's
 * candidates keep no parts. Anything else (an error
 * answer, another route) is returned as it is.
 */
export const emptied = (body: unknown): unknown => {
  const b = body as any
  if (Array.isArray(b?.choices))
    return { ...b, choices: b.choices.map((c: any) => ({ ...c, message: { ...c.message, content: "" } })) }
  if (b?.type === "message" && Array.isArray(b.content)) return { ...b, content: [] }
  if (Array.isArray(b?.candidates))
    return { ...b, candidates: b.candidates.map((c: any) => ({ ...c, content: { ...c.content, parts: [] } })) }
  return body
}

const outageFaults: Record<Exclude<Outage, "refuse">, Fault> = {
  reset: { kind: "reset" },
  "503": {
    kind: "status",
    status: 503,
    body: { type: "error", error: { type: "overloaded_error", message: "Service Unavailable (outage)" } }
  }
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(body)
}

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })

/**
 * Stops listening and drops every open connection, idle keep-alive ones included (or a client would reuse
 * them). Then one turn of the event loop, so that clients in this process see their pooled connections
 * closed before they ask again, as they would during any real outage.
 */
const stopListening = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => setImmediate(resolve))
    server.closeAllConnections()
  })

export const startLoopbackServer = async (
  handler: (request: RecordedRequest) => Reply | Promise<Reply>,
  options: LoopbackOptions = {}
): Promise<LoopbackServer> => {
  const requests: Array<RecordedRequest> = []
  const faults: Array<Fault> = []
  const counters: ServerCounters = {
    served: 0,
    injected: { status: 0, slow: 0, malformed: 0, truncated: 0, reset: 0, html: 0, empty: 0 }
  }
  let outage: Outage | undefined
  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req)
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      // recorded as text
    }
    const recorded = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body }
    requests.push(recorded)
    const fault =
      outage !== undefined && outage !== "refuse" ? outageFaults[outage] : (faults.shift() ?? options.fault?.(recorded))
    if (fault === undefined) counters.served++
    else counters.injected[fault.kind]++
    if (fault?.kind === "status")
      return send(
        res,
        fault.status,
        JSON.stringify(fault.body ?? { error: { message: `status ${fault.status}`, type: "server_error" } }),
        fault.headers
      )
    if (fault?.kind === "malformed") return send(res, 200, '{"id": "x", "choices": [ {"message": ')
    if (fault?.kind === "reset") return req.socket.resetAndDestroy()
    if (fault?.kind === "html") return send(res, 200, proxyErrorPage, { "content-type": "text/html; charset=utf-8" })
    if (fault?.kind === "slow") {
      // held for `ms`, or until the client gives up and closes the connection: a test of timeouts holds
      // the answer for longer than any client waits, so the outcome does not hang on the machine's speed
      const gone = await new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(false), fault.ms)
        res.once("close", () => (clearTimeout(timer), r(true)))
      })
      if (gone) return
    }
    const reply = await handler(recorded)
    const answer = fault?.kind === "empty" && reply.raw !== true ? emptied(reply.body) : reply.body
    const payload = reply.raw === true ? String(answer) : JSON.stringify(answer)
    if (fault?.kind === "truncated") {
      // announce the full length, send half, then drop the connection
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) })
      res.write(payload.slice(0, Math.floor(payload.length / 2)))
      return res.destroy()
    }
    send(res, reply.status ?? 200, payload, {
      ...(reply.raw === true ? { "content-type": "application/octet-stream" } : {}),
      ...reply.headers
    })
  })
  await listen(server, 0)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    counters,
    down: async (mode) => {
      if (mode === "refuse" && outage !== "refuse") await stopListening(server)
      if (mode !== "refuse" && outage === "refuse") await listen(server, port)
      outage = mode
    },
    up: async () => {
      if (outage === "refuse") await listen(server, port)
      outage = undefined
    },
    close: () => (outage === "refuse" ? Promise.resolve() : stopListening(server))
  }
}
