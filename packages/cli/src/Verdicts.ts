import { Console, Effect } from "effect"
import {
  CorpusStore,
  didYouMeanHint,
  pipelineRank,
  pipelineStageNames,
  stageFunnel,
  stagePending,
  stageUnitOf,
  UsageError
} from "@videokr/core"
import { outputWidth, table } from "./Output.ts"

/**
 * What the corpus records about the pipeline, for `videokr funnel` and `videokr why`: read-only, and
 * without the pipeline's own modules (models, filters), so that these commands start quickly.
 */

/** Why an item was kept or dropped, or why it is still pending: every verdict about it, stage by stage, and its attempts. */
export const why = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    // a video's verdicts are per knowledge point ("<video id>@<knowledge point id>") and its examples' below those ("...#<skill>-<n>")
    const about = "(item_id = $id OR starts_with(item_id, $id || '@') OR starts_with(item_id, $id || '#'))"
    const verdicts = yield* store.query<{
      stage: string
      decision: string
      reason: string
      model_id: string | null
      evidence: string | null
    }>(
      `SELECT stage, decision, reason, model_id, evidence::VARCHAR AS evidence FROM verdicts WHERE ${about} ORDER BY decided_at, item_id`,
      { id }
    )
    const attempts = yield* store.query<{
      at: string
      stage: string
      item_id: string
      kind: string
      model_id: string | null
      reason: string
    }>(
      `SELECT strftime(attempted_at, '%Y-%m-%d %H:%M:%S') AS at, stage, item_id, kind, model_id, reason FROM attempts WHERE ${about} ORDER BY attempted_at, item_id`,
      { id }
    )
    if (verdicts.length === 0 && attempts.length === 0)
      return yield* new UsageError({ reason: `no verdict about "${id}" yet (is the id right, and has its stage run?)` })
    if (verdicts.length > 0)
      yield* Console.log(
        table(
          ["stage", "decision", "reason", "model", "evidence"],
          verdicts.map((v) => [v.stage, v.decision, v.reason, v.model_id ?? "-", (v.evidence ?? "-").slice(0, 80)]),
          { wrap: { width: outputWidth(), column: 2 } }
        )
      )
    if (attempts.length > 0) {
      const decided = new Set(verdicts.map((v) => v.stage))
      const waiting = [
        ...new Set(attempts.filter((a) => a.kind === "transient" && !decided.has(a.stage)).map((a) => a.stage))
      ]
      yield* Console.log(
        `${verdicts.length > 0 ? "\n" : ""}attempts (transient failures leave an item pending: it is asked again; reroutes; errors asked again; results of a model human review excluded, made again)\n` +
          table(
            ["when (UTC)", "stage", "item", "kind", "model", "reason"],
            attempts.map((a) => [a.at, a.stage, a.item_id, a.kind, a.model_id ?? "-", a.reason]),
            { wrap: { width: outputWidth() } }
          )
      )
      if (waiting.length > 0)
        yield* Console.log(`\npending in ${waiting.join(", ")}: the next \`videokr run\` asks again`)
    }
  })

/**
 * Per stage in pipeline order: items in, kept, dropped, final errors and pending, the top drop reasons, model spend per
 * kept item; then the spend per example that reached the corpus, and the skill and discipline mix of
 * what was released. All from SQL views (stage_funnel, stage_spend, stage_drop_reasons, pipeline_cost,
 * pipeline_mix) that any DuckDB client can query.
 */
export const funnel = (retrying?: ReadonlyMap<string, number>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const decided = yield* stageFunnel
    const pendingRows = yield* stagePending
    const pendingOf = new Map(pendingRows.map((r) => [r.stage, r.pending]))
    // a stage whose every item is still pending has no verdict yet, but belongs in the funnel
    const rows = [
      ...decided,
      ...pendingRows
        .filter((p) => !decided.some((d) => d.stage === p.stage))
        .map((p) => ({ stage: p.stage, items: 0, kept: 0, dropped: 0, errors: 0 }))
    ]
    if (rows.length === 0) return yield* Console.log("No stage has run yet (videokr run)")
    const order = pipelineRank
    const stages = [...rows].sort((a, b) => order(a.stage) - order(b.stage))
    const spend = yield* store.query<{
      stage: string
      cost_usd: number
      model_calls: number
      cost_per_kept_usd: number | null
    }>("SELECT stage, cost_usd, model_calls, cost_per_kept_usd FROM stage_spend")
    const costOf = new Map(spend.map((s) => [s.stage, s]))
    // "retrying" only while a run is in progress (its items that failed transiently and wait for their next attempt)
    const headers = [
      "stage",
      "counts",
      "in",
      "kept",
      "dropped",
      "errors",
      "pending",
      ...(retrying === undefined ? [] : ["retrying (run)"]),
      "model calls",
      "cost ($)",
      "per kept ($)"
    ]
    yield* Console.log(
      table(
        headers,
        stages.map((s) => {
          const c = costOf.get(s.stage)
          return [
            s.stage,
            stageUnitOf(s.stage),
            s.items,
            s.kept,
            s.dropped,
            s.errors,
            pendingOf.get(s.stage) ?? 0,
            ...(retrying === undefined ? [] : [retrying.get(s.stage) ?? 0]),
            c?.model_calls ?? 0,
            (c?.cost_usd ?? 0).toFixed(4),
            c?.cost_per_kept_usd == null ? "-" : c.cost_per_kept_usd.toFixed(6)
          ]
        })
      )
    )
    const pending = pendingRows.reduce((n, r) => n + r.pending, 0)
    if (pending > 0)
      yield* Console.log(
        `\n${pending} item(s) pending after transient failures (outages, rate limits, unusable answers): \`videokr run\` asks them again`
      )
    const redone = yield* store.query<{ stage: string; model_id: string; items: number }>(
      "SELECT stage, model_id, count(DISTINCT item_id)::INT AS items FROM attempts WHERE kind = 'review-excluded' GROUP BY ALL"
    )
    if (redone.length > 0) {
      yield* Console.log(
        "\nmade again after human review excluded the model that made them (videokr eligibility)\n" +
          table(
            ["stage", "made by", "items"],
            [...redone]
              .sort((a, b) => order(a.stage) - order(b.stage) || a.model_id.localeCompare(b.model_id))
              .map((r) => [r.stage, r.model_id, r.items])
          )
      )
    }
    const reasons = yield* store.query<{ stage: string; decision: string; reason: string; items: number }>(
      "SELECT stage, decision, reason, items FROM stage_drop_reasons WHERE rank <= 3 ORDER BY items DESC, reason"
    )
    if (reasons.length > 0) {
      const sorted = [...reasons].sort((a, b) => order(a.stage) - order(b.stage))
      yield* Console.log(
        "\ntop reasons for dropping (the items behind one: videokr funnel --stage <stage> --decision drop|error)\n" +
          table(
            ["stage", "decision", "items", "reason"],
            sorted.map((r) => [r.stage, r.decision, r.items, r.reason]),
            { wrap: { width: outputWidth() } }
          )
      )
    }
    const [cost] = yield* store.query<{
      released_examples: number
      cost_usd: number
      cost_per_example_usd: number | null
    }>("SELECT * FROM pipeline_cost")
    if (cost !== undefined && cost.released_examples > 0) {
      yield* Console.log(
        `\n${cost.released_examples} example(s) released by the pipeline; model spend $${cost.cost_usd.toFixed(4)} in all, $${(cost.cost_per_example_usd ?? 0).toFixed(6)} per kept example`
      )
      const mix = yield* store.query<{ discipline: string; skill: string; examples: number }>(
        "SELECT discipline, skill, sum(examples)::BIGINT AS examples FROM pipeline_mix GROUP BY ALL ORDER BY ALL"
      )
      yield* Console.log(
        table(
          ["discipline", "skill", "examples"],
          mix.map((m) => [m.discipline, m.skill, m.examples])
        )
      )
    }
  })

/** `videokr funnel --stage <s>`: the items of a stage with a decision, and their reasons. */
export const stageItems = (stage: string, decision: "keep" | "drop" | "error" | undefined, limit: number) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const known = (yield* store.query<{ stage: string }>(
      "SELECT DISTINCT stage FROM verdicts UNION SELECT DISTINCT stage FROM stage_pending"
    )).map((r) => r.stage)
    if (!known.includes(stage)) {
      const names = [...new Set([...pipelineStageNames, ...known])]
      return yield* new UsageError({
        reason: names.includes(stage)
          ? `stage ${stage} has no verdict yet (videokr run)`
          : `unknown stage "${stage}"${didYouMeanHint(stage, names)} (stages: ${names.join(", ")})`
      })
    }
    const where = `stage = $stage${decision === undefined ? "" : " AND decision = $decision"}`
    const params = { stage, ...(decision === undefined ? {} : { decision }) }
    const [count] = yield* store.query<{ n: number }>(`SELECT count(*)::INT AS n FROM verdicts WHERE ${where}`, params)
    const rows = yield* store.query<{ item_id: string; decision: string; model_id: string | null; reason: string }>(
      `SELECT item_id, decision, model_id, reason FROM verdicts WHERE ${where} ORDER BY decision, item_id LIMIT ${Math.max(0, Math.floor(limit))}`,
      params
    )
    const what = `${stage} (${stageUnitOf(stage)})${decision === undefined ? "" : `, decision ${decision}`}`
    if (rows.length === 0) return yield* Console.log(`No item of ${what}`)
    yield* Console.log(
      table(
        ["item", "decision", "model", "reason"],
        rows.map((r) => [r.item_id, r.decision, r.model_id ?? "-", r.reason]),
        { wrap: { width: outputWidth() } }
      )
    )
    yield* Console.log(
      `\n${rows.length} of ${count!.n} item(s) of ${what}${rows.length < count!.n ? ` (--limit ${count!.n} for all)` : ""}; videokr why <item> tells its story`
    )
  })
