import { describe, expect, it } from "@effect/vitest"
import { appendFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { makeCallRecorder, reconcileCallJournals } from "../src/ModelCalls.ts"
import type { ModelCall } from "../src/ModelProvider.ts"

const call = (n: number): ModelCall => ({
  stage: "metadata",
  modelId: "openai:gpt-4o",
  provider: "openai",
  model: "gpt-4o",
  cacheKey: `key-${n}`,
  status: "ok",
  cached: false,
  inputTokens: 100 + n,
  outputTokens: 10,
  costUsd: 0.001,
  latencyMs: 12,
  error: undefined
})
const ledger = Effect.flatMap(CorpusStore, (s) =>
  s.query<{ cache_key: string }>("SELECT cache_key FROM model_calls ORDER BY cache_key")
)

describe("the model-call ledger", () => {
  it.effect(
    "a process killed before writing its buffered rows loses none: the next start reconciles its journal, once",
    () =>
      Effect.gen(function* () {
        const dir = join(mkdtempSync(join(tmpdir(), "videokr-ledger-")), "ledger")
        // the killed process: 5 calls journaled, 2 of them written before the kill, the last line cut in the middle
        const killed = yield* makeCallRecorder({ journalDir: dir, maxRows: 2, maxMillis: 1e9 })
        for (let i = 0; i < 5; i++) yield* killed.record(call(i))
        appendFileSync(join(dir, readdirSync(dir)[0]!), '{"call_id":"cut-in-the-mid')
        expect((yield* ledger).length).toBe(4)
        // the next process
        expect(yield* reconcileCallJournals(dir)).toBe(1)
        expect((yield* ledger).map((r) => r.cache_key)).toEqual(["key-0", "key-1", "key-2", "key-3", "key-4"])
        expect(readdirSync(dir)).toEqual([])
        expect(yield* reconcileCallJournals(dir)).toBe(0)
        // a process that ends normally leaves no journal behind
        const clean = yield* makeCallRecorder({ journalDir: dir, maxRows: 100, maxMillis: 1e9 })
        yield* clean.record(call(5))
        yield* clean.close
        expect(readdirSync(dir)).toEqual([])
        expect(yield* ledger).toHaveLength(6)
        expect(existsSync(dir)).toBe(true)
      }).pipe(Effect.provide(layerMemory))
  )
})
