import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { CorpusStore, importFile } from "@videokr/core"
import { writeSyntheticCorpus } from "./synthetic.ts"

describe("synthetic benchmark corpus", () => {
  it.effect("is valid VideoKR JSONL, deterministic, and of realistic size", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "videokr-synthetic-"))
      const a = join(dir, "a.jsonl")
      const b = join(dir, "b.jsonl")
      yield* Effect.promise(() => writeSyntheticCorpus(a, 500))
      yield* Effect.promise(() => writeSyntheticCorpus(b, 500))
      expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"))
      const bytes = readFileSync(a).length / 500
      expect(bytes).toBeGreaterThan(800)
      expect(bytes).toBeLessThan(4000)
      const result = yield* importFile(a).pipe(Effect.provide(CorpusStore.layerMemory))
      expect(result).toMatchObject({ kind: "examples", records: 500 })
    })
  )
})
