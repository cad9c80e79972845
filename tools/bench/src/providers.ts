/**
 * The providers benchmark (issue: "5,000 requests against a loopback server that enforces 6,000 RPM and
 * 2M TPM with realistic latency"): sustained throughput against the binding limit, 429s seen by the
 * server and by the caller, lost items, and the cost of a cache hit. Flags: --requests N.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { isProviderError } from "@videokr/core"
import { makeModels, middlewareLayer, renderFailureSummary, summarizeFailures } from "@videokr/providers"
import { chatCompletionReply, limitedReply, startLoopbackServer } from "@videokr/providers/testing"

const argv = process.argv.slice(2)
const at = argv.indexOf("--requests")
const requests = at >= 0 ? Number(argv[at + 1]) : 5_000
const rpm = 6_000
const tpm = 2_000_000
const maxTokens = 200
const tokensOf = (body: any) => Math.ceil(JSON.stringify(body.messages).length / 4) + (body.max_tokens ?? 512)

const server = limitedReply(
  chatCompletionReply((b) => `answer to ${b.messages[0].content.slice(0, 24)}`),
  {
    requestsPerMinute: rpm,
    tokensPerMinute: tpm,
    tokensOf,
    latencyMs: () => 200 + Math.random() * 600 // 200-800 ms, like a hosted model's short answers
  }
)
const loopback = await startLoopbackServer(server.handler)
const id = `openai-compatible:${loopback.url}/v1#bench-model`
const dir = mkdtempSync(join(tmpdir(), "videokr-bench-providers-"))
const prompt = (i: number) => `Item ${i}: is the apparatus in these frames a burette or a pipette? Answer in one word.`

const program = Effect.gen(function* () {
  const models = yield* makeModels({
    config: { limits: { [id]: { requestsPerMinute: rpm, tokensPerMinute: tpm } } },
    env: {},
    cache: { dir, mode: "use" },
    retry: { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 5_000 }
  })
  const model = yield* models.resolve(id, { stage: "bench" })
  const ask = (i: number) => model.chat({ messages: [{ role: "user", content: prompt(i) }], params: { maxTokens } })

  console.log(
    `videokr providers bench: ${requests.toLocaleString("en")} requests, server limits ${rpm.toLocaleString("en")} RPM and ${tpm.toLocaleString("en")} TPM, latency 200-800 ms`
  )
  const started = performance.now()
  const outcomes = yield* Effect.forEach(
    Array.from({ length: requests }, (_, i) => i),
    (i) => Effect.result(ask(i)),
    { concurrency: "unbounded" }
  )
  const seconds = (performance.now() - started) / 1000
  const failed = outcomes.filter((o) => o._tag === "Failure")
  const rateLimitedToCaller = failed.filter((o) => o._tag === "Failure" && o.failure._tag === "RateLimited").length
  const perRequestTokens = tokensOf({
    messages: [{ role: "user", content: prompt(requests - 1) }],
    max_tokens: maxTokens
  })
  const limitPerSecond = Math.min(rpm / 60, tpm / 60 / perRequestTokens)
  const achieved = requests / seconds
  // sustained: admissions at the server after the initial burst of one bucket (a second's worth of the
  // limit), over the span from the first to the last admission
  const span = (server.counters.lastAcceptedAt - server.counters.firstAcceptedAt) / 1000
  const sustained = (server.counters.accepted - rpm / 60) / span

  // cache hits: the same requests again, all answered from the cache
  const hitStart = performance.now()
  yield* Effect.forEach(
    Array.from({ length: requests }, (_, i) => i),
    ask,
    { concurrency: 16 }
  )
  const hitMs = (performance.now() - hitStart) / requests
  const stats = yield* models.cacheStats

  console.log(`
elapsed                         ${seconds.toFixed(1)} s
throughput                      ${achieved.toFixed(1)} req/s end to end; sustained at the server ${sustained.toFixed(1)} req/s
  of a binding limit of ${limitPerSecond.toFixed(1)} req/s = ${((sustained / limitPerSecond) * 100).toFixed(1)}% (target >= 95%)
429s answered by the server     ${server.counters.rejected} (absorbed by pacing and retries)
429s reaching the caller        ${rateLimitedToCaller} (target 0)
lost items                      ${requests - (outcomes.length - failed.length)} (target 0; failures of any kind: ${failed.length})
requests the server accepted    ${server.counters.accepted}
cache                           ${stats.hits} hits, ${stats.misses} misses; a hit costs ${(hitMs * 1000).toFixed(0)} us per call
failures                        ${renderFailureSummary(summarizeFailures(failed.flatMap((o) => (o._tag === "Failure" && isProviderError(o.failure) ? [o.failure] : []))))}`)
}).pipe(Effect.provide(middlewareLayer))

await Effect.runPromise(program)
await loopback.close()
rmSync(dir, { recursive: true, force: true })
