import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { CorpusStore } from "../src/CorpusStore.ts"

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
export const sample = (file: string) => join(repoRoot, "fixtures/sample", file)
export const vectors = (file: string) => fileURLToPath(new URL(`./vectors/exports/${file}`, import.meta.url))

export const scratchDir = (prefix = "videokr-test-") => mkdtempSync(join(tmpdir(), prefix))

/** Writes `content` to a fresh file in a scratch folder and returns its path. */
export const fileWith = (name: string, content: string) => {
  const path = join(scratchDir(), name)
  writeFileSync(path, content)
  return path
}

/** Everything in the record tables, for "the store is unchanged" assertions. */
export const snapshot = Effect.gen(function* () {
  const store = yield* CorpusStore
  const out: Record<string, unknown> = {}
  for (const t of ["knowledge_points", "seed_examples", "videos", "examples", "imports"]) {
    out[t] = yield* store.query(`SELECT * EXCLUDE (${t === "imports" ? "imported_at" : "seq"}) FROM ${t} ORDER BY ALL`)
  }
  return out
})
