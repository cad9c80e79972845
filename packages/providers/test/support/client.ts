/**
 * A client process for the restart test: asks N questions through the full middleware with concurrency 4,
 * writing one line per answer to stdout. Killed and restarted by the test.
 */
import { Effect } from "effect"
import { makeModels } from "../../src/Models.ts"
import { middlewareLayer } from "../../src/Middleware.ts"

const [url, cacheDir, n] = process.argv.slice(2) as [string, string, string]
const program = Effect.gen(function* () {
  const models = yield* makeModels({
    config: { providers: { [`${url}/v1`]: { apiKeyEnv: "VLLM_KEY" } } },
    env: { VLLM_KEY: "sk-restart-SECRET-KEY" },
    cache: { dir: cacheDir, mode: "use" }
  })
  const model = yield* models.resolve(`openai-compatible:${url}/v1#m`)
  yield* Effect.forEach(
    Array.from({ length: Number(n) }, (_, i) => i),
    (i) =>
      model
        .chat({ messages: [{ role: "user", content: `question ${i}` }] })
        .pipe(Effect.tap((r) => Effect.sync(() => console.log(`${i} ${r.cached ? "cached" : "paid"}`)))),
    { concurrency: 4, discard: true }
  )
}).pipe(Effect.provide(middlewareLayer))
Effect.runPromise(program).catch((e) => {
  console.error(String(e))
  process.exit(1)
})
