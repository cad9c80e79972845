import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { Video } from "../Video.ts"
import type { SourceFile, VideoSourceShape } from "../VideoSource.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { keyAfter, onePage, pageOf } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

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

export const searchStage = (
  sources: ReadonlyArray<VideoSourceShape>,
  gates: Gates
): Stage<
  ScenarioRow,
  ReadonlyArray<{ readonly video: Video; readonly source: string; readonly localPath?: string | undefined }>,
  never
> => ({
  name: "search",
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const after = keyAfter(["knowledge_point_id", "position"], page)
      const rows = yield* store.query<ScenarioRow & { position: number }>(
        `SELECT id, knowledge_point_id, position, text FROM scenarios WHERE ${after.sql} ORDER BY knowledge_point_id, position LIMIT ${page.size}`,
        after.params
      )
      // a source that can tell what it holds (a folder) is searched again when that changes
      const revisions = sources.map((s) => (s.revision === undefined ? s.id : `${s.id}@${s.revision}`))
      return yield* pageOf(
        "search",
        page,
        rows,
        (r) => [r.knowledge_point_id, r.position],
        ({ position: _, ...r }) => [{ id: r.id, input: r, inputHash: hashOf(r.text, revisions, gates) }]
      )
    }),
  process: (item) =>
    Effect.gen(function* () {
      const kept: Array<{ video: Video; source: string; localPath?: string | undefined }> = []
      const failed: Array<string> = []
      for (const source of sources) {
        const found = yield* Effect.result(source.search(item.input.text, { limit: gates.perScenario }))
        if (found._tag === "Failure") {
          // a source that could not be asked just now: the scenario waits for it rather than lose its candidates
          if (found.failure.transient)
            return {
              verdict: {
                decision: "error" as const,
                reason: `search failed: ${found.failure.message}`,
                transient: true
              }
            }
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
        return {
          verdict: {
            decision: "drop" as const,
            reason: failed.length === 0 ? "no source found a video" : "no candidate passed the gates",
            evidence: { failed }
          }
        }
      }
      return {
        verdict: {
          decision: "keep" as const,
          reason: `${kept.length} candidate video(s)`,
          evidence: { videos: kept.map((k) => k.video.id), failed }
        },
        output: kept
      }
    }),
  commit: (tx, results) =>
    Effect.gen(function* () {
      yield* tx.run(`DELETE FROM scenario_videos WHERE scenario_id IN ${idsOf}`, {
        ids: jsonParam(results.map((r) => r.item.id))
      })
      const found = results.flatMap(({ item, output }) =>
        (output ?? []).map((c, rank) => ({
          ...c,
          scenario: item.id,
          kp: item.input.knowledge_point_id,
          rank: rank + 1,
          hash: item.inputHash
        }))
      )
      if (found.length === 0) return
      // videos new to the corpus, once each, numbered after the last one
      const seen = new Set<string>()
      const videos = found
        .filter((f) => !seen.has(f.video.id) && seen.add(f.video.id))
        .map(({ video: v, kp, localPath }) => ({
          id: v.id,
          source: v.source,
          source_id: v.source_id,
          url: v.url,
          license: v.license,
          duration: v.duration,
          title: v.title,
          description: v.description ?? null,
          tags: v.tags ?? null,
          channel: v.channel ?? null,
          kp,
          local_path: localPath ?? null
        }))
      yield* tx.run(
        `INSERT INTO videos (seq, id, source, source_id, url, license, duration, title, description, tags, channel, knowledge_point_id, source_file, source_line, local_path)
         SELECT (SELECT coalesce(max(seq), 0) FROM videos) + row_number() OVER (), id, source, source_id, url, license, duration, title, description, tags, channel, kp, 'search', NULL, local_path
         FROM ${rowsOf({ id: "VARCHAR", source: "VARCHAR", source_id: "VARCHAR", url: "VARCHAR", license: "VARCHAR", duration: "DOUBLE", title: "VARCHAR", description: "VARCHAR", tags: "JSON", channel: "VARCHAR", kp: "VARCHAR", local_path: "VARCHAR" })}
         WHERE id NOT IN (SELECT id FROM videos)`,
        { rows: jsonParam(videos) }
      )
      yield* tx.run(
        `INSERT INTO scenario_videos SELECT scenario, video, source, rank, hash FROM ${rowsOf({ scenario: "VARCHAR", video: "VARCHAR", source: "VARCHAR", rank: "INTEGER", hash: "VARCHAR" })}`,
        {
          rows: jsonParam(
            found.map((f) => ({
              scenario: f.scenario,
              video: f.video.id,
              source: f.source,
              rank: f.rank,
              hash: f.hash
            }))
          )
        }
      )
    })
})

/**
 * The files of folder sources (local), one verdict each: taken as a video, or skipped with why (not a
 * video file name, not a readable video), so that `videokr why local:<file>` and the funnel tell about a
 * file that search never offers. Items are file ids; a changed file is looked at again.
 */
export const sourceFilesStage = (sources: ReadonlyArray<VideoSourceShape>): Stage<SourceFile, undefined, never> => ({
  name: "sources",
  pending: onePage(
    "sources",
    Effect.sync(() =>
      sources
        .flatMap((s) => s.files ?? [])
        .map((f) => ({ id: f.id, input: f, inputHash: hashOf(f.stamp, f.decision, f.reason) }))
    )
  ),
  process: (item) => Effect.succeed({ verdict: { decision: item.input.decision, reason: item.input.reason } }),
  commit: () => Effect.void
})
