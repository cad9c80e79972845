import type { Column, Extra, Group, Row } from "./components/Leaderboard.tsx"
import {
  awaitingNote,
  type BoardEntry,
  base,
  bucketsOf,
  count,
  data,
  type ReportedRow,
  slugOf,
  spread
} from "./data.ts"

/**
 * The board's rows and column groups, for the leaderboard's table and the compare page's JSON: one row
 * per submission (scored again from its outputs) and one per reported row of the paper (as published).
 */
const headline = "videokr_eval"

/** VideoKR-Eval's breakdowns that get a column group, when some submission has them. */
const breakdowns = [
  { key: "discipline", group: "discipline", label: "VideoKR-Eval by discipline", on: true },
  { key: "skill", group: "skill", label: "VideoKR-Eval by skill", on: false },
  { key: "question_type", group: "type", label: "VideoKR-Eval by question type", on: false }
] as const

const valuesOf = (key: string) =>
  [...new Set(data.entries.flatMap((e) => Object.keys(bucketsOf(e.scores[headline]?.breakdowns, key))))].sort()

const others = data.benchmarks.filter((b) => b.task !== headline)
const headlineName = data.benchmarks.find((b) => b.task === headline)?.benchmark ?? "VideoKR-Eval"

export const groups: ReadonlyArray<Group> = [
  { id: "benchmarks", label: "Benchmarks and averages", on: true },
  ...breakdowns.filter((b) => valuesOf(b.key).length > 0).map((b) => ({ id: b.group, label: b.label, on: b.on })),
  { id: "info", label: "Model info", on: true }
]

export const columns: ReadonlyArray<Column> = [
  { key: headline, label: headlineName, group: "core", format: "score" },
  ...others.map((b) => ({ key: b.task, label: b.benchmark, group: "benchmarks", format: "score" as const })),
  { key: "general", label: "General avg", group: "benchmarks", format: "score" },
  { key: "knowledge", label: "Knowledge avg", group: "benchmarks", format: "score" },
  ...breakdowns.flatMap((b) =>
    valuesOf(b.key).map((v) => ({ key: `${b.key}:${v}`, label: v, group: b.group, format: "score" as const }))
  ),
  { key: "size", label: "Size", group: "info", format: "size" },
  { key: "weights", label: "Weights", group: "info", format: "text" },
  { key: "frames", label: "Frames", group: "info", format: "int" },
  { key: "date", label: "Date", group: "info", format: "text" }
]

const weights = (open: boolean | null | undefined) => (open === true ? "open" : open === false ? "closed" : null)

const submissionRow = (e: BoardEntry): Row => {
  const cells: Record<string, number | string | null> = {
    general: e.generalAverage,
    knowledge: e.knowledgeAverage,
    size: e.meta.parametersBillions ?? null,
    weights: weights(e.meta.openWeights),
    frames: e.meta.frames.maxFrames,
    date: e.meta.date
  }
  const extra: Record<string, Extra> = {}
  for (const b of data.benchmarks) {
    const s = e.scores[b.task]
    cells[b.task] = s?.score ?? null
    if (s === undefined) continue
    const { pm, title, note } = spread(s)
    const judged = s.judged === 0 ? undefined : `${count(s.judged)} scored by the judge`
    const notes = [note, judged, awaitingNote(s)].filter((n) => n !== undefined)
    extra[b.task] = { ...(pm === undefined ? {} : { pm }), ...(title === undefined ? {} : { title }), notes }
  }
  for (const b of breakdowns)
    for (const [v, bucket] of Object.entries(bucketsOf(e.scores[headline]?.breakdowns, b.key))) {
      cells[`${b.key}:${v}`] = bucket.acc
      extra[`${b.key}:${v}`] = { notes: [`n=${count(bucket.num)}`] }
    }
  return {
    id: e.slug,
    href: `${base}models/${e.slug}/`,
    model: `${e.meta.model} (${e.meta.revision})`,
    sub: e.meta.organisation,
    kind: "submission",
    withdrawn: e.meta.withdrawn !== undefined,
    cells,
    extra
  }
}

const reportedRow = (r: ReportedRow): Row => ({
  id: `reported-${slugOf(r.model)}`,
  href: null,
  model: r.model,
  sub: r.base === null ? "" : `from ${r.base}`,
  kind: "reported",
  withdrawn: false,
  source: r.source,
  cells: {
    ...Object.fromEntries(data.benchmarks.map((b) => [b.task, r.scores[b.task] ?? null])),
    general: r.generalAverage,
    knowledge: r.knowledgeAverage,
    size: r.parametersBillions,
    weights: weights(r.openWeights),
    frames: r.frames,
    date: null
  }
})

export const rows: ReadonlyArray<Row> = [...data.entries.map(submissionRow), ...data.reported.main.map(reportedRow)]

export const defaultSort = headline

/** The score columns, the categories the compare page sets side by side. */
export const categories = columns
  .filter((c) => c.format === "score")
  .map((c) => ({
    key: c.key,
    label: c.label,
    group: c.group === "core" ? "Benchmarks and averages" : (groups.find((g) => g.id === c.group)?.label ?? c.group)
  }))
