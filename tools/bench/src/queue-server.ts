/**
 * The queue benchmark's model server, in a process of its own so that the coordinator's CPU time is its
 * own: `queue-server.ts <rpm>` prints its URL, answers in 1-3 s under the limit, and prints what it counted
 * (accepted, rejected, first and last accepted, and its event loop's longest stall: a stall makes
 * requests that arrived apart be counted at once) as one JSON line for every line it reads on stdin.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { createInterface } from "node:readline"
import { chatCompletionReply, limitedReply, startLoopbackServer } from "@videokr/providers/testing"

const rpm = Number(process.argv[2])
const server = limitedReply(
  chatCompletionReply((b) => (JSON.stringify(b.messages).includes("pendulum") ? "yes" : "no")),
  {
    requestsPerMinute: rpm,
    latencyMs: () => 1_000 + Math.random() * 2_000
  }
)
const loopback = await startLoopbackServer(server.handler)
console.log(loopback.url)
const stalls = monitorEventLoopDelay({ resolution: 10 })
stalls.enable()
createInterface({ input: process.stdin }).on("line", () =>
  console.log(JSON.stringify({ ...server.counters, maxStallMs: stalls.max / 1e6 }))
)
process.on("SIGTERM", () => void loopback.close().then(() => process.exit(0)))
