import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"

export interface SplitOptions {
  readonly seed: number
  /** share of the examples with a rationale that go to SFT (the reference: 201K of 315K) */
  readonly sftFraction: number
}

export const splitDefaults: SplitOptions = { seed: 42, sftFraction: 0.638 }

export interface SplitResult {
  readonly sft: number
  readonly rl: number
  readonly seed: number
  readonly sftFraction: number
}

/**
 * An example's place in the seeded SFT/RL split, as SQL over its `id` and `think` columns: its own draw,
 * u = the first 52 bits of md5("<seed>:<id>") / 2^52, puts it in SFT when it has a rationale and
 * u < sftFraction, else in RL. Parameters $seed and $fraction (see `splitParams`).
 */
export const splitSql = `CASE WHEN think IS NOT NULL AND trim(think) <> ''
     AND ('0x' || left(md5($seed || ':' || id), 13))::BIGINT / 4503599627370496.0 < $fraction
   THEN 'sft' ELSE 'rl' END`

export const splitParams = (o: SplitOptions) => ({ seed: String(o.seed), fraction: o.sftFraction })

/**
 * Seeded SFT/RL split (see `splitSql`). The same seed gives the same split, and examples imported later
 * never move the ones already placed. Only the examples whose place changes are written (a corpus of a
 * million examples split again with the same seed writes none). One transaction.
 */
export const splitCorpus = (options: Partial<SplitOptions> = {}) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const o = { ...splitDefaults, ...options }
    return yield* store.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.run(
          `UPDATE examples SET split = ${splitSql} WHERE split IS DISTINCT FROM (${splitSql})`,
          splitParams(o)
        )
        const [counts] = (yield* tx.query<{ sft: number; rl: number }>(
          "SELECT count(*) FILTER (WHERE split = 'sft')::BIGINT AS sft, count(*) FILTER (WHERE split = 'rl')::BIGINT AS rl FROM examples"
        )) as [{ sft: number; rl: number }]
        yield* tx.run(
          `INSERT INTO stage_runs (seq, stage, params, items)
           SELECT coalesce(max(seq), 0) + 1, 'split', $params, $items FROM stage_runs`,
          { params: JSON.stringify({ seed: o.seed, sft_fraction: o.sftFraction }), items: counts.sft + counts.rl }
        )
        return { ...counts, seed: o.seed, sftFraction: o.sftFraction } satisfies SplitResult
      })
    )
  })
