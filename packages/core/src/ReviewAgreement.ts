import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import type { ReviewAgreement, ReviewMarkSummary } from "./ReviewApi.ts"

/**
 * Agreement between reviewers: on the items two or more reviewers marked, Cohen's kappa of correct /
 * incorrect per step (the two first reviewers of each item by name are the two raters), and the items
 * whose reviewers are split evenly, for an adjudicator: their mark joins the others and the majority decides.
 */

/** Cohen's kappa of two raters' yes/no ratings of the same items; null when chance agreement is total. */
export const cohenKappa = (
  pairs: ReadonlyArray<readonly [boolean, boolean]>
): { readonly observed: number; readonly kappa: number | null } | null => {
  const n = pairs.length
  if (n === 0) return null
  const both = pairs.filter(([a, b]) => a && b).length
  const neither = pairs.filter(([a, b]) => !a && !b).length
  const firstYes = pairs.filter(([a]) => a).length / n
  const secondYes = pairs.filter(([, b]) => b).length / n
  const observed = (both + neither) / n
  const expected = firstYes * secondYes + (1 - firstYes) * (1 - secondYes)
  return { observed, kappa: expected === 1 ? null : (observed - expected) / (1 - expected) }
}

export const reviewAgreement = Effect.gen(function* () {
  const store = yield* CorpusStore
  // each reviewer's latest mark per item
  const rows = yield* store.query<{ step: string; item_id: string; model_id: string; marks: string }>(`
    WITH latest AS (
      SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY step, item_id, reviewer ORDER BY marked_at DESC, mark_id DESC) AS r FROM review_marks) WHERE r = 1)
    SELECT l.step, l.item_id, q.model_id,
           to_json(list({mark_id: l.mark_id, reviewer: l.reviewer, correct: l.correct, category: l.category, note: l.note, marked_at: strftime(l.marked_at, '%Y-%m-%dT%H:%M:%S.%gZ')} ORDER BY l.reviewer))::VARCHAR AS marks
    FROM latest l JOIN review_queue q ON q.step = l.step AND q.item_id = l.item_id
    GROUP BY ALL HAVING count(*) >= 2 ORDER BY l.step, l.item_id`)
  const items = rows.map((r) => ({ ...r, marks: JSON.parse(r.marks) as ReadonlyArray<ReviewMarkSummary> }))
  const steps = [...new Set(items.map((i) => i.step))].map((step) => {
    const pairs = items.filter((i) => i.step === step).map((i) => [i.marks[0]!.correct, i.marks[1]!.correct] as const)
    const k = cohenKappa(pairs)
    return { step, pairs: pairs.length, observed: k?.observed ?? null, kappa: k?.kappa ?? null }
  })
  // settled once a majority exists: an even split waits for an adjudicator
  const disagreements = items.filter((i) => i.marks.filter((m) => m.correct).length * 2 === i.marks.length)
  return { steps, disagreements } satisfies ReviewAgreement
})
