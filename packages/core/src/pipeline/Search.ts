import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { Video } from "../Video.ts"
import type { VideoSourceShape } from "../VideoSource.ts"
import { doneKeys, hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 2, search: each scenario is a query to every configured source; candidates pass the license and
 * duration gates (Creative Commons by default) and are recorded as videos of the scenario. A scenario
 * with no candidate that passes is dropped, with what was found and why it failed the gates.
 */
export interface Gates {
  readonly licenses: ReadonlyArray<string>
  readonly minDuration?: number | undefined
  readonly maxDuration?: number | undefined
  readonly perScenario: number
}

export const defaultGates: Gates = { licenses: ["creative commons", "^cc[ -]?(by|0)"], perScenario: 5 }

/** Why a video fails the gates, or undefined when it passes. */
export const gateFailure = (v: Pick<Video, "license" | "duration">, gates: Gates): string | undefined => {
  if (!gates.licenses.some((p) => new RegExp(p, "i").test(v.license))) return `license "${v.license}" is not allowed`
  if (gates.minDuration !== undefined && v.duration < gates.minDuration) return `shorter than ${gates.minDuration} s`
  if (gates.maxDuration !== undefined && v.duration > gates.maxDuration) return `longer than ${gates.maxDuration} s`
  return undefined
}

interface ScenarioRow {
  readonly id: string
  readonly knowledge_point_id: string
  readonly text: string
}

export const searchStage = (sources: ReadonlyArray<VideoSourceShape>, gates: Gates): Stage<ScenarioRow, ReadonlyArray<{ readonly video: Video; readonly source: string; readonly localPath?: string | undefined }>, never> => ({
  name: "search",
  pending: Effect.gen(function* () {
    const store = yield* CorpusStore
    const done = yield* doneKeys("search")
    const rows = yield* store.query<ScenarioRow>("SELECT id, knowledge_point_id, text FROM scenarios ORDER BY knowledge_point_id, position")
    return rows
      .map((r) => ({ id: r.id, input: r, inputHash: hashOf(r.text, sources.map((s) => s.id), gates) }))
      .filter((item) => !done.has(`${item.id}:${item.inputHash}`))
  }),
  process: (item) =>
    Effect.gen(function* () {
      const kept: Array<{ video: Video; source: string; localPath?: string | undefined }> = []
      const failed: Array<string> = []
      for (const source of sources) {
        const found = yield* Effect.result(source.search(item.input.text, { limit: gates.perScenario }))
        if (found._tag === "Failure") {
          failed.push(`${source.id}: ${found.failure.message}`)
          continue
        }
        for (const c of found.success) {
          const why = gateFailure(c.video, gates)
          if (why === undefined) kept.push({ video: c.video, source: source.id, localPath: c.localPath })
          else failed.push(`${c.video.id}: ${why}`)
        }
      }
      if (kept.length === 0) {
        return { verdict: { decision: "drop" as const, reason: failed.length === 0 ? "no source found a video" : "no candidate passed the gates", evidence: { failed } } }
      }
      return { verdict: { decision: "keep" as const, reason: `${kept.length} candidate video(s)`, evidence: { videos: kept.map((k) => k.video.id), failed } }, output: kept }
    }),
  commit: (tx, item, output) =>
    Effect.gen(function* () {
      yield* tx.run("DELETE FROM scenario_videos WHERE scenario_id = $id", { id: item.id })
      for (const [rank, { video, source, localPath }] of (output ?? []).entries()) {
        const exists = yield* tx.query<{ n: number }>("SELECT count(*)::INT AS n FROM videos WHERE id = $id", { id: video.id })
        if (exists[0]!.n === 0) {
          yield* tx.run(
            `INSERT INTO videos (seq, id, source, source_id, url, license, duration, title, description, tags, channel, knowledge_point_id, source_file, source_line, local_path)
             SELECT coalesce(max(seq), 0) + 1, $id, $source, $sourceId, $url, $license, $duration, $title, $description, $tags, $channel, $kp, 'search', NULL, $localPath FROM videos`,
            { id: video.id, source: video.source, sourceId: video.source_id, url: video.url, license: video.license, duration: video.duration, title: video.title,
              description: video.description ?? null, tags: video.tags === undefined ? null : JSON.stringify(video.tags), channel: video.channel ?? null, kp: item.input.knowledge_point_id, localPath: localPath ?? null }
          )
        }
        yield* tx.run("INSERT INTO scenario_videos VALUES ($scenario, $video, $source, $rank, $hash)", { scenario: item.id, video: video.id, source, rank: rank + 1, hash: item.inputHash })
      }
    })
})
