import { readFileSync } from "node:fs"
import type { BoardEntry, SiteData } from "@videokr/eval"

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

export type { BoardEntry, SiteData }

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

/** The sub-buckets of a breakdown key ("discipline", "skill", "question_type") of a scored task. */
export const bucketsOf = (
  breakdowns: unknown,
  key: string
): Record<string, { num: number; correct: number; acc: number }> =>
  ((breakdowns as Record<string, unknown> | undefined)?.[key] as
    | Record<string, { num: number; correct: number; acc: number }>
    | undefined) ?? {}

const baseUrl: string = (import.meta as unknown as { env: { BASE_URL: string } }).env.BASE_URL
/** Links are relative to where the site is served (Astro's base). */
export const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`
