import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A loopback HTTP server for provider tests: each request is answered by the next scripted fault, if
 * any, else by the handler. Faults are what real APIs do: 429 with Retry-After, 5xx, slow answers,
 * malformed JSON, bodies cut short. Every request is recorded (path, headers, parsed body).
 */
export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: "slow"; readonly ms: number }
  | { readonly kind: "malformed" }
  | { readonly kind: "truncated" }

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

export interface LoopbackServer {
  readonly url: string
  readonly requests: Array<RecordedRequest>
  /** faults for the next requests, in order */
  readonly faults: Array<Fault>
  readonly close: () => Promise<void>
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

export const startLoopbackServer = async (handler: (request: RecordedRequest) => Reply | Promise<Reply>): Promise<LoopbackServer> => {
  const requests: Array<RecordedRequest> = []
  const faults: Array<Fault> = []
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
    const fault = faults.shift()
    if (fault?.kind === "status") return send(res, fault.status, JSON.stringify(fault.body ?? { error: { message: `status ${fault.status}`, type: "server_error" } }), fault.headers)
    if (fault?.kind === "malformed") return send(res, 200, '{"id": "x", "choices": [ {"message": ')
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms))
    const reply = await handler(recorded)
    const payload = reply.raw === true ? String(reply.body) : JSON.stringify(reply.body)
    if (fault?.kind === "truncated") {
      // announce the full length, send half, then drop the connection
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) })
      res.write(payload.slice(0, Math.floor(payload.length / 2)))
      return res.destroy()
    }
    send(res, reply.status ?? 200, payload, { ...(reply.raw === true ? { "content-type": "application/octet-stream" } : {}), ...reply.headers })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
