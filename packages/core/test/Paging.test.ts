import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CorpusStore, layerMemory } from "../src/CorpusStore.ts"
import { allPending, keyAfter, pageOf, type PageRequest } from "../src/pipeline/Paging.ts"
import { hashOf } from "../src/pipeline/Stage.ts"

// A composite key with ties on its first column, pages that end inside a run of ties, and items already done.
const rows = Array.from({ length: 23 }, (_, i) => ({ a: `k${Math.floor(i / 4)}`, b: (i * 7) % 4, id: `r${i}` }))

const pending = (page: PageRequest) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const after = keyAfter(["a", "b"], page)
    const got = yield* store.query<{ a: string; b: number; id: string }>(
      `SELECT a, b, id FROM t WHERE ${after.sql} ORDER BY a, b LIMIT ${page.size}`,
      after.params
    )
    return yield* pageOf(
      "t",
      page,
      got,
      (r) => [r.a, r.b],
      (r) => [{ id: r.id, input: r, inputHash: hashOf(r.id) }]
    )
  })

describe("keyset paging", () => {
  it.effect("walks every row once, in key order, at any page size, and leaves out what is done", () =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      yield* store.run("CREATE TABLE t (a VARCHAR, b INTEGER, id VARCHAR)")
      yield* store.run(`INSERT INTO t VALUES ${rows.map((r) => `('${r.a}', ${r.b}, '${r.id}')`).join(", ")}`)
      const ordered = [...rows].sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b - y.b)).map((r) => r.id)
      for (const size of [1, 3, 4, 5, 23, 24, 100]) {
        expect((yield* allPending(pending, size)).map((i) => i.id)).toEqual(ordered)
      }
      // r3 is done with its current input, r5 with an older one (so it is pending again)
      yield* store.run(
        `INSERT INTO stage_items (stage, item_id, input_hash, status) VALUES ('t', 'r3', '${hashOf("r3")}', 'keep'), ('t', 'r5', 'old', 'keep')`
      )
      expect((yield* allPending(pending, 4)).map((i) => i.id)).toEqual(ordered.filter((id) => id !== "r3"))
    }).pipe(Effect.provide(layerMemory))
  )
})
