import { existsSync } from "node:fs"
import { Effect } from "effect"
import { Media } from "../Media.ts"
import type { Video } from "../Video.ts"
import type { VideoSourceShape } from "../VideoSource.ts"
import { jsonParam, rowsOf } from "./BatchSql.ts"
import { type CandidateFilter, readCandidates } from "./Candidates.ts"
import { keyedPageOf } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 4, download and probe: every video that is a candidate of some knowledge point after the text
 * filters is brought to this machine by its source (a local file is used where it lies) and probed with
 * ffprobe. A file that is not a readable video is dropped with ffprobe's reason; a source that fails
 * (network, quota) is an error, tried again by the next run. Items are video ids.
 */
export interface DownloadInput {
  readonly video: Video
  readonly localPath: string | undefined
}

export type DownloadOutcome =
  | { readonly _tag: "downloaded"; readonly path: string; readonly duration: number }
  | { readonly _tag: "failed"; readonly reason: string }

export const downloadStage = (
  sources: ReadonlyArray<VideoSourceShape>,
  dir: string,
  after: CandidateFilter
): Stage<DownloadInput, DownloadOutcome, Media> => ({
  name: "download",
  // a video once, whichever of its knowledge points kept it
  pending: (page) =>
    Effect.flatMap(readCandidates(after, page, true), (candidates) =>
      keyedPageOf("download", candidates, (c) => [
        {
          id: c.video.id,
          input: { video: c.video, localPath: c.localPath },
          inputHash: hashOf(c.video.id, c.video.url, c.localPath ?? null)
        }
      ])
    ),
  process: ({ input: { video, localPath } }) =>
    Effect.gen(function* () {
      const media = yield* Media
      let path = localPath !== undefined && existsSync(localPath) ? localPath : undefined
      if (path === undefined) {
        const source = sources.find((s) => s.id === video.source)
        if (source === undefined) {
          return {
            verdict: {
              decision: "error" as const,
              reason: `no configured source "${video.source}" can download it (sources: ${sources.map((s) => s.id).join(", ") || "none"})`
            }
          }
        }
        const got = yield* Effect.result(source.download({ video, localPath }, dir))
        // a network fault leaves the video pending (asked again); a video that is gone is a final error
        if (got._tag === "Failure")
          return {
            verdict: {
              decision: "error" as const,
              reason: `download failed: ${got.failure.message}`,
              ...(got.failure.transient ? { transient: true } : {})
            }
          }
        path = got.success
      }
      const probe = yield* Effect.result(media.probe(path))
      if (probe._tag === "Failure") {
        const reason = probe.failure.message
        return {
          verdict: { decision: "drop" as const, reason: `not a usable video: ${reason}` },
          output: { _tag: "failed" as const, reason }
        }
      }
      const p = probe.success
      return {
        verdict: {
          decision: "keep" as const,
          reason: `${p.duration.toFixed(1)} s, ${p.width}x${p.height} ${p.videoCodec}`,
          evidence: {
            path,
            duration: p.duration,
            width: p.width,
            height: p.height,
            codec: p.videoCodec,
            bytes: p.sizeBytes
          }
        },
        output: { _tag: "downloaded" as const, path, duration: p.duration }
      }
    }),
  commit: (tx, results) => {
    const rows = results.flatMap(({ item, output }) =>
      output === undefined
        ? []
        : [
            output._tag === "downloaded"
              ? { id: item.id, state: "downloaded", path: output.path, error: null, duration: output.duration }
              : { id: item.id, state: "failed", path: null, error: output.reason, duration: null }
          ]
    )
    return rows.length === 0
      ? Effect.void
      : tx.run(
          `UPDATE videos SET download_state = r.state, local_path = coalesce(r.path, videos.local_path), download_error = r.error, duration = coalesce(r.duration, videos.duration)
       FROM ${rowsOf({ id: "VARCHAR", state: "VARCHAR", path: "VARCHAR", error: "VARCHAR", duration: "DOUBLE" })} r WHERE videos.id = r.id`,
          { rows: jsonParam(rows) }
        )
  }
})
