/**
 * The queue benchmark's model server, in a process of its own so that the coordinator's CPU time is its
 * own: `queue-server.ts <rpm>` prints its URL, answers in 1-3 s under the limit, and prints what it counted
 * (accepted, rejected, first and last accepted) as one JSON line for every line it reads on stdin.
 */
import { createInterface } from "node:readline"
import { chatCompletionReply, limitedReply, startLoopbackServer } from "@videokr/providers/testing"

const rpm = Number(process.argv[2])
const server = limitedReply(chatCompletionReply((b) => (JSON.stringify(b.messages).includes("pendulum") ? "yes" : "no")), {
  requestsPerMinute: rpm,
  latencyMs: () => 1_000 + Math.random() * 2_000
})
const loopback = await startLoopbackServer(server.handler)
console.log(loopback.url)
createInterface({ input: process.stdin }).on("line", () => console.log(JSON.stringify(server.counters)))
process.on("SIGTERM", () => void loopback.close().then(() => process.exit(0)))
