/**
 * The corpus statistics as text tables (videokr stats, and the demo's summary).
 */
import type { CorpusStats } from "@videokr/core"
import { table } from "./Output.ts"

export const renderStats = (s: CorpusStats): string => {
  const t = s.totals
  const by = (d: string) => (s.examplesBy[d] ?? []).map((r) => [r.value, r.examples] as [string, number])
  const v = s.videoDurations.summary
  const sections = [
    table(
      ["corpus", "count"],
      [
        ["knowledge points", t.knowledge_points],
        ["seed examples", t.seed_examples],
        ["videos", t.videos],
        ["examples", t.examples],
        ["  with rationale", t.examples_with_rationale]
      ]
    ),
    ...(["discipline", "subject", "skill", "problem_type", "split"] as const).map((d) =>
      table([d.replace("_", " "), "examples"], by(d))
    ),
    table(
      ["video duration", "videos"],
      s.videoDurations.histogram.map((h) => [h.bucket, h.videos])
    ) +
      (v.videos > 0
        ? `\nmean ${v.mean_seconds!.toFixed(1)} s, median ${v.median_seconds!.toFixed(1)} s, total ${v.total_hours!.toFixed(2)} h`
        : ""),
    table(
      ["discipline", "knowledge points", "with videos", "with examples", "with seeds"],
      s.knowledgeCoverage.map((c) => [c.discipline, c.knowledge_points, c.with_videos, c.with_examples, c.with_seeds])
    ),
    ...(s.modelUsage.length === 0
      ? []
      : [
          table(
            ["stage", "model", "calls", "cache hits", "failures", "tokens in", "tokens out", "cost ($)"],
            s.modelUsage.map((u) => [
              u.stage,
              u.model_id,
              u.calls,
              u.cache_hits,
              u.failures,
              u.input_tokens,
              u.output_tokens,
              u.cost_usd.toFixed(4)
            ])
          )
        ])
  ]
  return sections.join("\n\n")
}
