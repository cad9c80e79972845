import { createHash } from "node:crypto"
import { Effect, Schema, Stream } from "effect"
import { writeTextAtomic } from "./AtomicFile.ts"
import { CorpusStore } from "./CorpusStore.ts"
import { InputError, type InputProblem, problemCap, UsageError } from "./Errors.ts"
import { emptyFileMessage, readRawRecords } from "./Importer.ts"
import { isPoolSpec, ModelUnavailable, type ModelRegistryShape } from "./ModelRegistry.ts"
import { jsonParam, rowsOf } from "./pipeline/BatchSql.ts"

/**
 * Human quality control (METHOD.md): a model serves a pipeline step only when experts find fewer than 3%
 * errors in 100 of its outputs for that step. Outputs are drawn into a review queue by a seeded sample,
 * stratified by discipline and skill; reviewers mark each correct or incorrect with a reason category;
 * eligibility is computed from the marks per (model, step).
 */

export const reviewCategories = [
  "irrelevant video",
  "unsafe",
  "wrong answer",
  "ambiguous question",
  "answerable without the video",
  "flawed rationale",
  "other"
] as const
export type ReviewCategory = (typeof reviewCategories)[number]

export const reviewDefaults = { maxErrorRate: 0.03, sampleSize: 100 } as const

/** An item's place in the seeded order of its stratum (the sample does not depend on the store's row order). */
const drawKey = (seed: number, id: string) => createHash("sha256").update(`${seed}:${id}`).digest("hex")

/** `n` shared over strata in proportion to their sizes (largest remainder), never more than a stratum holds. */
export const allocate = (sizes: ReadonlyArray<number>, n: number): Array<number> => {
  const total = sizes.reduce((a, b) => a + b, 0)
  const want = Math.min(n, total)
  if (want === 0) return sizes.map(() => 0)
  const exact = sizes.map((s) => (s * want) / total)
  const out = exact.map(Math.floor)
  let left = want - out.reduce((a, b) => a + b, 0)
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i)
  for (const { i } of order) {
    if (left === 0) break
    if (out[i]! < sizes[i]!) {
      out[i]!++
      left--
    }
  }
  return out
}

const groupBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Map<string, Array<A>> => {
  const groups = new Map<string, Array<A>>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  }
  return groups
}

interface Candidate {
  readonly item_id: string
  /** the verdict's model: one model, or several joined by "," (k models answered for self-consistency) */
  readonly verdict_model: string
  /** one of the verdict's models: each model that took part in an output answers for it */
  readonly model_id: string
  readonly discipline: string
  readonly skill: string
}

/** The models behind a verdict's model id ("m1,m2" when several took part). */
const verdictModels = (modelId: string): ReadonlyArray<string> => modelId.split(",")

/**
 * A step's outputs by the model that made them (final verdicts; for generation, the examples it made), with their stratum: the discipline of the knowledge point
 * (the item's, or after "@" in a video@knowledge point id) and the skill (a generated example's, or "-").
 */
const candidatesSql = `
  SELECT * FROM (
    SELECT v.item_id, v.model_id AS verdict_model, unnest(string_split(v.model_id, ',')) AS model_id,
           coalesce(g.discipline, k.discipline, 'unknown') AS discipline,
           coalesce(g.skill, '-') AS skill
    FROM verdicts v
    LEFT JOIN generated_examples g ON g.id = v.item_id
    LEFT JOIN knowledge_points k ON k.id = coalesce(g.knowledge_point_id, nullif(regexp_extract(v.item_id, '@([^#]+)', 1), ''), v.item_id)
    WHERE v.stage = $step AND v.model_id IS NOT NULL AND v.decision <> 'error'
      -- generation's outputs are its examples: one it could not use is already dropped, with nothing to review
      AND (v.stage <> 'generation' OR g.id IS NOT NULL)
      AND v.item_id NOT IN (SELECT item_id FROM review_queue WHERE step = $step))
  WHERE $model IS NULL OR model_id = $model`

/** What the model produced for a queued item, kept as it was when drawn: a later run may redo the item. */
const queueOutputSql = `to_json({
  decision: v.decision, reason: v.reason, evidence: v.evidence,
  example: CASE WHEN g.id IS NULL THEN NULL ELSE {
    problem_type: g.problem_type, question: g.question, options: g.options, answer: g.answer, rationale: g.rationale,
    video_id: g.video_id, video_path: g.video_path, knowledge_point_id: g.knowledge_point_id, generator_model: g.generator_model } END })`

export interface SampledModel {
  readonly model: string
  /** queued by this call */
  readonly queued: number
  /** in the queue for this step in all */
  readonly inQueue: number
  /** outputs of the step by this model that could be reviewed */
  readonly available: number
}

/**
 * Draws up to `n` outputs per model of `step` into the review queue (topping up what an earlier sample
 * queued), stratified by discipline and skill, in a seeded order: the same seed draws the same items. An
 * output several models made together (self-consistency's k answers) counts for each of them.
 */
export const sampleForReview = (options: {
  readonly step: string
  readonly model?: string | undefined
  readonly n: number
  readonly seed: number
}) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const params = { step: options.step, model: options.model ?? null }
    const candidates = yield* store.query<Candidate>(candidatesSql, params)
    const queuedRows = yield* store.query<{ model_id: string; n: number }>(
      "SELECT model_id, count(*)::INT AS n FROM (SELECT unnest(string_split(model_id, ',')) AS model_id FROM review_queue WHERE step = $step) GROUP BY ALL",
      { step: options.step }
    )
    const queuedOf = new Map(queuedRows.map((r) => [r.model_id, r.n]))
    const byModel = groupBy(candidates, (c) => c.model_id)
    if (byModel.size === 0 && queuedRows.length === 0) {
      const [any] = yield* store.query<{ n: number }>("SELECT count(*)::INT AS n FROM verdicts WHERE stage = $step", {
        step: options.step
      })
      return yield* new UsageError({
        reason:
          any!.n === 0
            ? `no verdict of step "${options.step}" yet: run it first (videokr run)`
            : `step "${options.step}" has no model output to review${options.model === undefined ? "" : ` by ${options.model}`}`
      })
    }
    const picked = new Map<string, Candidate>()
    const summary: Array<SampledModel> = []
    for (const [model, all] of [...byModel].sort(([a], [b]) => a.localeCompare(b))) {
      // outputs drawn for another of their models in this call are in this model's queue too
      const drawnWith = [...picked.values()].filter((c) => verdictModels(c.verdict_model).includes(model)).length
      const items = all.filter((c) => !picked.has(c.item_id))
      const strata = [...groupBy(items, (c) => `${c.discipline}\u0000${c.skill}`).values()].map((s) =>
        s
          .map((c) => ({ c, key: drawKey(options.seed, c.item_id) }))
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((x) => x.c)
      )
      const already = (queuedOf.get(model) ?? 0) + drawnWith
      const counts = allocate(
        strata.map((s) => s.length),
        Math.max(0, options.n - already)
      )
      const mine = strata.flatMap((s, i) => s.slice(0, counts[i]))
      for (const c of mine) picked.set(c.item_id, c)
      summary.push({
        model,
        queued: mine.length + drawnWith,
        inQueue: already + mine.length,
        available: all.length + (queuedOf.get(model) ?? 0)
      })
    }
    if (picked.size > 0) {
      const rows = [...picked.values()].map((c) => ({
        item_id: c.item_id,
        model_id: c.verdict_model,
        discipline: c.discipline,
        skill: c.skill
      }))
      yield* store.transaction((tx) =>
        tx.run(
          `INSERT INTO review_queue (step, item_id, model_id, discipline, skill, sample_seed, output)
           SELECT $step, r.item_id, r.model_id, r.discipline, r.skill, $seed, ${queueOutputSql}
           FROM ${rowsOf({ item_id: "VARCHAR", model_id: "VARCHAR", discipline: "VARCHAR", skill: "VARCHAR" })} r
           JOIN verdicts v ON v.stage = $step AND v.item_id = r.item_id
           LEFT JOIN generated_examples g ON g.id = r.item_id`,
          { step: options.step, seed: options.seed, rows: jsonParam(rows) }
        )
      )
    }
    return summary
  })

/**
 * Deals a step's queued items that nobody has yet among `reviewers`, in a seeded order and in turn; a
 * share `double` of them also goes to the next reviewer in turn, so that two reviewers mark it (their
 * agreement: videokr review agreement). Returns the items each reviewer got.
 */
export const assignReviews = (options: {
  readonly step: string
  readonly reviewers: ReadonlyArray<string>
  readonly double: number
  readonly seed: number
}) =>
  Effect.gen(function* () {
    const reviewers = [...new Set(options.reviewers.map((r) => r.trim()).filter((r) => r !== ""))]
    if (reviewers.length === 0)
      return yield* new UsageError({ reason: "name at least one reviewer (--reviewers ana,bo)" })
    if (!(options.double >= 0 && options.double <= 1))
      return yield* new UsageError({ reason: `--double is a share of the items, from 0 to 1: got ${options.double}` })
    if (options.double > 0 && reviewers.length < 2)
      return yield* new UsageError({ reason: "items marked twice need two reviewers at least (or --double 0)" })
    const store = yield* CorpusStore
    const open = yield* store.query<{ item_id: string }>(
      "SELECT item_id FROM review_queue q WHERE step = $step AND NOT EXISTS (SELECT 1 FROM review_assignments a WHERE a.step = q.step AND a.item_id = q.item_id)",
      { step: options.step }
    )
    const [queued] = yield* store.query<{ n: number }>(
      "SELECT count(*)::INT AS n FROM review_queue WHERE step = $step",
      {
        step: options.step
      }
    )
    if (queued!.n === 0)
      return yield* new UsageError({
        reason: `step "${options.step}" has no review queue (videokr review sample --step ${options.step})`
      })
    const order = open
      .map((r) => r.item_id)
      .sort((a, b) => drawKey(options.seed, a).localeCompare(drawKey(options.seed, b)))
    const twice = Math.round(order.length * options.double)
    const rows = order.flatMap((item, i) => {
      const first = reviewers[i % reviewers.length]!
      return [
        { item_id: item, reviewer: first },
        ...(i < twice ? [{ item_id: item, reviewer: reviewers[(i + 1) % reviewers.length]! }] : [])
      ]
    })
    if (rows.length > 0) {
      yield* store.transaction((tx) =>
        tx.run(
          `INSERT INTO review_assignments (step, item_id, reviewer) SELECT $step, item_id, reviewer FROM ${rowsOf({ item_id: "VARCHAR", reviewer: "VARCHAR" })}`,
          { step: options.step, rows: jsonParam(rows) }
        )
      )
    }
    return {
      items: order.length,
      twice,
      perReviewer: reviewers.map((r) => ({ reviewer: r, items: rows.filter((x) => x.reviewer === r).length }))
    }
  })

/** One reviewer's mark of one queued item, as `videokr review import` reads it and the app writes it. */
export interface ReviewMark {
  readonly step: string
  readonly item_id: string
  readonly reviewer: string
  readonly correct: boolean
  readonly category?: string | undefined
  readonly note?: string | undefined
  /** when it was made; a mark without one is stamped when it is first imported */
  readonly marked_at?: string | undefined
}

/** The same mark always has the same id: importing a file twice adds nothing. */
const markId = (m: ReviewMark) =>
  createHash("sha256")
    .update(
      JSON.stringify([
        m.step,
        m.item_id,
        m.reviewer,
        m.correct,
        m.category ?? null,
        m.note ?? null,
        m.marked_at ?? null
      ])
    )
    .digest("hex")
    .slice(0, 32)

/** The queued items of the store, as "<step> <item>" keys. */
const queuedKeys = Effect.flatMap(CorpusStore, (store) =>
  Effect.map(
    store.query<{ k: string }>("SELECT step || ' ' || item_id AS k FROM review_queue"),
    (rows) => new Set(rows.map((r) => r.k))
  )
)

/**
 * One mark as a file line or the app sends it: the mark, or each problem with its field. `correct` may
 * also come as "verdict": "correct" | "incorrect".
 */
export const parseMark = (
  m: Record<string, unknown>,
  queued: ReadonlySet<string>
): {
  readonly mark?: ReviewMark
  readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>
} => {
  const problems: Array<{ field: string; message: string }> = []
  const bad = (field: string, message: string) => problems.push({ field, message })
  const text = (field: string) =>
    typeof m[field] === "string" && (m[field] as string).trim() !== "" ? (m[field] as string) : undefined
  const step = text("step"),
    item = text("item_id"),
    reviewer = text("reviewer")
  if (step === undefined) bad("step", "expected the step's name")
  if (item === undefined) bad("item_id", "expected the id of a queued item")
  if (reviewer === undefined) bad("reviewer", "expected the reviewer's name")
  const verdict = m.correct ?? m.verdict
  const correct =
    verdict === true || verdict === "correct" ? true : verdict === false || verdict === "incorrect" ? false : undefined
  if (correct === undefined)
    bad("correct", `expected true or false (or "verdict": "correct" | "incorrect"), got ${JSON.stringify(verdict)}`)
  const category = text("category")
  if (category !== undefined && !(reviewCategories as ReadonlyArray<string>).includes(category))
    bad("category", `expected one of ${reviewCategories.map((c) => `"${c}"`).join(", ")}, got "${category}"`)
  if (correct === false && category === undefined) bad("category", "an incorrect mark needs a reason category")
  if (step !== undefined && item !== undefined && !queued.has(`${step} ${item}`))
    bad("item_id", `"${item}" is not in the review queue of step ${step} (videokr review sample)`)
  // one spelling of a time, so that the same mark read again (from an export, say) is the same mark
  const at = text("marked_at")
  const markedAt = at === undefined ? undefined : Number.isNaN(Date.parse(at)) ? undefined : new Date(at).toISOString()
  if (at !== undefined && markedAt === undefined)
    bad("marked_at", `expected a date and time (ISO 8601, e.g. 2026-12-03T10:00:00Z), got "${at}"`)
  if (
    problems.length > 0 ||
    step === undefined ||
    item === undefined ||
    reviewer === undefined ||
    correct === undefined
  )
    return { problems }
  return {
    mark: { step, item_id: item, reviewer, correct, category, note: text("note"), marked_at: markedAt },
    problems
  }
}

const markColumns = {
  mark_id: "VARCHAR",
  step: "VARCHAR",
  item_id: "VARCHAR",
  reviewer: "VARCHAR",
  correct: "BOOLEAN",
  category: "VARCHAR",
  note: "VARCHAR",
  marked_at: "VARCHAR"
} as const

/** Stores marks (stamped now when they carry no time) in one transaction; a mark stored before is not added again. */
const storeMarks = (marks: ReadonlyArray<ReviewMark>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const now = new Date().toISOString()
    const rows = marks.map((m) => ({ ...m, mark_id: markId(m), marked_at: m.marked_at ?? now }))
    const added = yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const before = (yield* tx.query<{ n: number }>("SELECT count(*)::INT AS n FROM review_marks"))[0]!.n
        yield* tx.run(
          `INSERT OR IGNORE INTO review_marks (mark_id, step, item_id, reviewer, correct, category, note, marked_at)
           SELECT mark_id, step, item_id, reviewer, correct, category, note, marked_at::TIMESTAMP FROM ${rowsOf(markColumns)}`,
          { rows: jsonParam(rows) }
        )
        return (yield* tx.query<{ n: number }>("SELECT count(*)::INT AS n FROM review_marks"))[0]!.n - before
      })
    )
    return { rows, added }
  })

/**
 * Reads marks (JSONL: one mark a line, or the lines `videokr review export` wrote, each with its item's
 * marks) and stores them all or none: every problem with its file, line and field.
 */
export const importReviewMarks = (file: string) =>
  Effect.gen(function* () {
    const queued = yield* queuedKeys
    const marks: Array<ReviewMark> = []
    const problems: Array<InputProblem> = []
    let omitted = 0
    const report = (p: InputProblem) => (problems.length < problemCap ? problems.push(p) : omitted++)
    const read = yield* Effect.tryPromise({
      try: async () => {
        const out: Array<{ line: number; raw?: unknown; problem?: string }> = []
        for await (const r of readRawRecords(file)) out.push(r as { line: number; raw?: unknown; problem?: string })
        return out
      },
      catch: (e) => new InputError({ file, problems: [{ line: 0, message: String(e) }], omitted: 0 })
    })
    for (const r of read) {
      if (r.problem !== undefined) {
        report({ line: r.line, message: r.problem })
        continue
      }
      const raw = r.raw as Record<string, unknown>
      // a line of `videokr review export` carries its item's marks: each is read as a line of its own
      const lineMarks =
        Array.isArray(raw.marks) && raw.reviewer === undefined
          ? (raw.marks as Array<unknown>).map((m, i) => ({
              at: `marks.${i}.`,
              mark: {
                ...(typeof m === "object" && m !== null ? m : {}),
                step: raw.step,
                item_id: raw.item_id
              } as Record<string, unknown>
            }))
          : [{ at: "", mark: raw }]
      for (const { at, mark } of lineMarks) {
        const parsed = parseMark(mark, queued)
        for (const p of parsed.problems) report({ line: r.line, field: `${at}${p.field}`, message: p.message })
        if (parsed.mark !== undefined) marks.push(parsed.mark)
      }
    }
    if (read.length === 0) report({ line: 1, message: emptyFileMessage })
    if (problems.length > 0) return yield* new InputError({ file, problems, omitted })
    const { added } = yield* storeMarks(marks)
    return { read: marks.length, added }
  })

/** A mark from the review app: stored at once (several reviewers may send at the same moment; each is its own row). */
export const addReviewMark = (raw: unknown) =>
  Effect.gen(function* () {
    const parsed = parseMark(
      typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {},
      yield* queuedKeys
    )
    if (parsed.mark === undefined)
      return yield* new UsageError({ reason: parsed.problems.map((p) => `${p.field}: ${p.message}`).join("; ") })
    // the app's marks are stamped by the server: a reviewer's clock does not decide which mark is the latest
    const { rows } = yield* storeMarks([{ ...parsed.mark, marked_at: new Date().toISOString() }])
    return { mark_id: rows[0]!.mark_id, marked_at: rows[0]!.marked_at }
  })

export class UnknownMark extends Schema.TaggedError<UnknownMark>()("UnknownMark", { markId: Schema.String }) {
  override get message() {
    return `no mark ${this.markId} (taken back already?)`
  }
}

/** Undo in the review app: a reviewer takes back one of their own marks. */
export const withdrawReviewMark = (markId: string, reviewer: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    return yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const [found] = yield* tx.query<{ reviewer: string }>("SELECT reviewer FROM review_marks WHERE mark_id = $id", {
          id: markId
        })
        if (found === undefined) return yield* new UnknownMark({ markId })
        if (found.reviewer !== reviewer)
          return yield* new UsageError({
            reason: `mark ${markId} is ${found.reviewer}'s, not ${reviewer}'s: only its reviewer takes it back`
          })
        yield* tx.run("DELETE FROM review_marks WHERE mark_id = $id", { id: markId })
      })
    )
  })

/** The review queue as JSONL: each item as its step saw it, what the model produced, who it is assigned to, and the marks so far. */
export const exportReviewQueue = (file: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const rows = yield* store.query<{
      step: string
      item_id: string
      model_id: string
      discipline: string
      skill: string
      output: string
      marks: string | null
      assigned: string | null
    }>(`
      SELECT q.step, q.item_id, q.model_id, q.discipline, q.skill, q.output::VARCHAR AS output,
             (SELECT to_json(list({reviewer: m.reviewer, correct: m.correct, category: m.category, note: m.note, marked_at: strftime(m.marked_at, '%Y-%m-%dT%H:%M:%S.%gZ')} ORDER BY m.marked_at))::VARCHAR
              FROM review_marks m WHERE m.step = q.step AND m.item_id = q.item_id) AS marks,
             (SELECT to_json(list(a.reviewer ORDER BY a.reviewer))::VARCHAR FROM review_assignments a WHERE a.step = q.step AND a.item_id = q.item_id) AS assigned
      FROM review_queue q
      ORDER BY q.step, q.model_id, q.item_id`)
    const lines = rows.map(({ output, marks, assigned, ...item }) => {
      const { example, ...verdict } = JSON.parse(output) as { example: Record<string, unknown> | null }
      const fields = {
        ...item,
        ...verdict,
        ...example,
        assigned: assigned === null ? [] : (JSON.parse(assigned) as unknown),
        marks: marks === null ? [] : (JSON.parse(marks) as unknown)
      }
      return JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null))) + "\n"
    })
    yield* writeTextAtomic(file, Stream.fromIterable(lines))
    return lines.length
  })

/** A rate as reviewers read it: 0.0312 -> "3.1%". */
export const percent = (x: number) => `${(x * 100).toFixed(1)}%`

/** The Wilson score interval of a proportion (95%): honest at 0 errors and small samples. */
export const wilsonInterval = (
  errors: number,
  n: number,
  z = 1.959964
): { readonly low: number; readonly high: number } => {
  if (n === 0) return { low: 0, high: 1 }
  const p = errors / n
  const d = 1 + (z * z) / n
  const centre = (p + (z * z) / (2 * n)) / d
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

export interface Eligibility {
  readonly model: string
  readonly step: string
  readonly queued: number
  /** items with a decided mark (reviewers agree, or a majority) */
  readonly reviewed: number
  readonly errors: number
  /** items whose reviewers are split evenly: listed for adjudication, counted in neither */
  readonly disputed: number
  readonly errorRate: number | null
  readonly interval: { readonly low: number; readonly high: number } | null
  /** unreviewed until `sampleSize` items are reviewed; then eligible below `maxErrorRate`, else excluded */
  readonly state: "unreviewed" | "eligible" | "excluded"
}

/** Per (model, step): what was reviewed, the error rate with its 95% interval, and the verdict against the threshold. */
export const eligibility = (
  options: { readonly maxErrorRate?: number | undefined; readonly sampleSize?: number | undefined } = {}
) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const maxErrorRate = options.maxErrorRate ?? reviewDefaults.maxErrorRate
    const sampleSize = options.sampleSize ?? reviewDefaults.sampleSize
    const rows = yield* store.query<{
      step: string
      model_id: string
      queued: number
      reviewed: number
      errors: number
      disputed: number
    }>(`
      WITH latest AS (
        SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY step, item_id, reviewer ORDER BY marked_at DESC, mark_id DESC) AS rank FROM review_marks) WHERE rank = 1),
      items AS (
        SELECT q.step, q.model_id, q.item_id,
               count(l.reviewer) FILTER (WHERE l.correct) AS n_right, count(l.reviewer) FILTER (WHERE NOT l.correct) AS n_wrong
        FROM (SELECT step, item_id, unnest(string_split(model_id, ',')) AS model_id FROM review_queue) q
        LEFT JOIN latest l ON l.step = q.step AND l.item_id = q.item_id GROUP BY ALL)
      SELECT step, model_id, count(*)::INT AS queued,
             count(*) FILTER (WHERE n_right <> n_wrong)::INT AS reviewed,
             count(*) FILTER (WHERE n_wrong > n_right)::INT AS errors,
             count(*) FILTER (WHERE n_right = n_wrong AND n_right > 0)::INT AS disputed
      FROM items GROUP BY ALL ORDER BY step, model_id`)
    return rows.map(
      (r): Eligibility => ({
        model: r.model_id,
        step: r.step,
        queued: r.queued,
        reviewed: r.reviewed,
        errors: r.errors,
        disputed: r.disputed,
        errorRate: r.reviewed === 0 ? null : r.errors / r.reviewed,
        interval: r.reviewed === 0 ? null : wilsonInterval(r.errors, r.reviewed),
        state: r.reviewed < sampleSize ? "unreviewed" : r.errors / r.reviewed < maxErrorRate ? "eligible" : "excluded"
      })
    )
  })

/** What a project says about human review (`review` in videokr.config.ts). */
export interface ReviewSettings {
  readonly maxErrorRate?: number | undefined
  readonly sampleSize?: number | undefined
  /** whether a model not yet reviewed enough for a step may serve it (default "allow") */
  readonly unreviewed?: "allow" | "exclude" | undefined
}

/** A model that may not serve a step, and why (for the run's messages and the items' history). */
export interface Barred {
  readonly step: string
  readonly model: string
  readonly reason: string
}

/**
 * Of the models a run would use per step, those human review bars: excluded (too many errors in its
 * reviewed sample), or not reviewed enough when `review.unreviewed` is "exclude".
 */
export const reviewBars = (
  settings: ReviewSettings | undefined,
  uses: ReadonlyArray<{ readonly step: string; readonly models: ReadonlyArray<string> }>
) =>
  Effect.map(eligibility(settings), (rows): ReadonlyArray<Barred> => {
    const sampleSize = settings?.sampleSize ?? reviewDefaults.sampleSize
    const maxErrorRate = settings?.maxErrorRate ?? reviewDefaults.maxErrorRate
    const stateOf = new Map(rows.map((r) => [`${r.step}\u0000${r.model}`, r]))
    return uses.flatMap(({ step, models }) =>
      models.flatMap((model): Array<Barred> => {
        const row = stateOf.get(`${step}\u0000${model}`)
        if (row?.state === "excluded") {
          return [
            {
              step,
              model,
              reason: `${model} is excluded from ${step} by human review: ${row.errors} error(s) in ${row.reviewed} reviewed (${percent(row.errorRate!)}, not under ${percent(maxErrorRate)})`
            }
          ]
        }
        if (row?.state !== "eligible" && settings?.unreviewed === "exclude") {
          return [
            {
              step,
              model,
              reason: `${model} is not reviewed enough for ${step} (${row?.reviewed ?? 0} of ${sampleSize} outputs reviewed) and review.unreviewed is "exclude"`
            }
          ]
        }
        return []
      })
    )
  })

/**
 * Opens again every item whose verdict a barred model made (or took part in), in one transaction: the
 * verdict moves into the item's history (attempts, kind "review-excluded", so `videokr why` and the funnel
 * show it) and its done mark goes, so the run redoes it with a model that may serve the step. Nothing
 * else is touched: the items other models made stay as they are. Returns the items reopened per barred model.
 */
export const reopenBarred = (barred: ReadonlyArray<Barred>) =>
  Effect.gen(function* () {
    if (barred.length === 0) return [] as ReadonlyArray<Barred & { readonly items: number }>
    const store = yield* CorpusStore
    const bars = rowsOf({ step: "VARCHAR", model: "VARCHAR", reason: "VARCHAR" })
    return yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const hits = yield* tx.query<{
          stage: string
          item_id: string
          input_hash: string
          model_id: string
          barred: string
          reason: string
        }>(
          `SELECT v.stage, v.item_id, v.input_hash, v.model_id, arg_min(b.model, b.model) AS barred, arg_min(b.reason, b.model) AS reason
           FROM verdicts v JOIN ${bars} b ON b.step = v.stage AND list_contains(string_split(v.model_id, ','), b.model)
           GROUP BY ALL ORDER BY v.stage, v.item_id`,
          { rows: jsonParam(barred) }
        )
        if (hits.length === 0) return barred.map((b) => ({ ...b, items: 0 }))
        const rows = jsonParam(
          hits.map((h) => ({
            stage: h.stage,
            id: h.item_id,
            hash: h.input_hash,
            model: h.model_id,
            reason: `${h.reason}: asked again`
          }))
        )
        const columns = rowsOf({
          stage: "VARCHAR",
          id: "VARCHAR",
          hash: "VARCHAR",
          model: "VARCHAR",
          reason: "VARCHAR"
        })
        yield* tx.run(
          `INSERT INTO attempts (stage, item_id, input_hash, model_id, kind, reason) SELECT stage, id, hash, model, 'review-excluded', reason FROM ${columns}`,
          { rows }
        )
        yield* tx.run(`DELETE FROM verdicts WHERE (stage, item_id) IN (SELECT stage, id FROM ${columns})`, { rows })
        yield* tx.run(`DELETE FROM stage_items WHERE (stage, item_id) IN (SELECT stage, id FROM ${columns})`, { rows })
        return barred.map((b) => ({
          ...b,
          items: hits.filter((h) => h.stage === b.step && h.barred === b.model).length
        }))
      })
    )
  })

/**
 * The registry a run hands its stages: a pool draws only among the models that may serve the step (the
 * rendezvous draw moves only the items a barred model had), and a barred pinned model is refused.
 */
export const withoutBarred = (registry: ModelRegistryShape, barred: ReadonlyArray<Barred>): ModelRegistryShape => {
  if (barred.length === 0) return registry
  const byStep = groupBy(barred, (b) => b.step)
  return {
    resolve: registry.resolve,
    pick: (spec, context) => {
      const bars = byStep.get(context.step) ?? []
      if (bars.length === 0) return registry.pick(spec, context)
      if (!isPoolSpec(spec)) {
        const bar = bars.find((b) => b.model === spec)
        return bar === undefined
          ? registry.pick(spec, context)
          : Effect.fail(new ModelUnavailable({ modelId: spec, reason: bar.reason }))
      }
      return registry.pick(spec, {
        ...context,
        excluded: new Set([...(context.excluded ?? []), ...bars.map((b) => b.model)])
      })
    }
  }
}
