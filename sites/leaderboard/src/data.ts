import { readFileSync } from "node:fs"
import type { BoardEntry, ReportedRow, ScoredTask, SiteData } from "@videokr/eval"

/**
 * The site's data: the JSON `videokr site build` gathers (VIDEOKR_SITE_DATA), else an empty board, so
 * that the site also builds on its own (`nx build`).
 */
const empty: SiteData = {
  generatedAt: new Date(0).toISOString(),
  version: "0.0.0",
  benchmarks: [],
  entries: [],
  judge: { model: null, promptVersion: "", verdicts: 0, awaiting: 0 },
  reported: { main: [], singleFrame: [] },
  dataset: {
    name: "VideoKR",
    stats: undefined,
    funnel: [],
    licenses: [],
    files: [],
    quality: { rows: [], maxErrorRate: 0.03, sampleSize: 100 }
  },
  reports: { singleFrame: { models: [] }, difficulty: { corpora: [] } }
}

export const data: SiteData = process.env["VIDEOKR_SITE_DATA"]
  ? (JSON.parse(readFileSync(process.env["VIDEOKR_SITE_DATA"], "utf8")) as SiteData)
  : empty

export type { BoardEntry, ReportedRow, ScoredTask, SiteData }

export const site = {
  title: "VideoKR-Eval leaderboard",
  description:
    "Results of video models on knowledge- and reasoning-intensive video QA, re-scored from their submitted outputs, and the card of the VideoKR corpus."
} as const

/** Entries ranked by a score (withdrawn ones last, unranked). */
export const ranked = (entries: ReadonlyArray<BoardEntry>, score: (e: BoardEntry) => number | null | undefined) =>
  [...entries].sort(
    (a, b) =>
      Number(a.meta.withdrawn !== undefined) - Number(b.meta.withdrawn !== undefined) ||
      (score(b) ?? -1) - (score(a) ?? -1) ||
      a.meta.model.localeCompare(b.meta.model)
  )

export const fmt = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? "–" : x.toFixed(digits)

/** A count as people write it: an integer with thousands separators, never "23.0". */
export const count = (n: number | null | undefined) =>
  n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en")

/**
 * Below this many scored samples a bootstrap interval mostly shows how few there are (a handful of
 * samples gives "0.0–100.0"), so the score is shown without one and says why.
 */
export const minSamplesForInterval = 30

/**
 * What goes beside a score: "±x.x" (half the width of the 95% bootstrap interval, the exact bounds in
 * `title`) when enough samples were scored, else a short note saying why there is none.
 */
export const spread = (
  s: Pick<ScoredTask, "interval" | "scored"> | undefined
): { readonly pm?: string; readonly title?: string; readonly note?: string } => {
  if (s === undefined || s.scored === 0) return {}
  if (s.scored < minSamplesForInterval) return { note: `n=${count(s.scored)}, too few for an interval` }
  if (s.interval === undefined) return {}
  return {
    pm: `±${((s.interval.high - s.interval.low) / 2).toFixed(1)}`,
    title: `95% bootstrap interval ${s.interval.low.toFixed(1)}–${s.interval.high.toFixed(1)}, ${count(s.scored)} samples`
  }
}

/** The open-ended outputs of a task still waiting for the judge's verdict: skipped in the score, so said aloud. */
export const awaitingNote = (s: Pick<ScoredTask, "awaiting"> | undefined) =>
  s === undefined || s.awaiting === 0 ? undefined : `${count(s.awaiting)} awaiting judge`

/** Who scored what, in one sentence (the board's header and the model pages). */
export const judgeSentence = (judge: SiteData["judge"]) =>
  judge.model === null
    ? `Multiple-choice answers are scored by each benchmark's rules. Open-ended answers need the board's judge, which has no verdicts in this build: ${count(judge.awaiting)} output(s) are awaiting judge and are not counted in the scores.`
    : `Multiple-choice answers are scored by each benchmark's rules; open-ended ones by the judge ${judge.model} (prompt version ${judge.promptVersion}) from its stored verdicts: ${count(judge.verdicts)} verdict(s) used${judge.awaiting === 0 ? "" : `, ${count(judge.awaiting)} output(s) awaiting judge and not counted yet`}.`

/** A URL-safe id from a name (the reported rows' ids). */
export const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")

/** The sub-buckets of a breakdown key ("discipline", "skill", "question_type") of a scored task. */
export const bucketsOf = (
  breakdowns: unknown,
  key: string
): Record<string, { num: number; correct: number; acc: number }> =>
  ((breakdowns as Record<string, unknown> | undefined)?.[key] as
    | Record<string, { num: number; correct: number; acc: number }>
    | undefined) ?? {}

/**
 * Links are made under the path the site is served from (astro.config.mjs's base, from `videokr site
 * build --base`). Read from VIDEOKR_SITE_BASE as the config reads it, not from import.meta.env.BASE_URL,
 * which a BASE_URL in the environment (as test runners and some CI set) would override.
 */
const baseUrl = process.env["VIDEOKR_SITE_BASE"] || "/"
export const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`
