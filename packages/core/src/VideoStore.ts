import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import type { Fingerprint } from "./NearDuplicates.ts"
import type { Frame, SamplingSpec } from "./Media.ts"

/**
 * Download state and fingerprints of the corpus's videos, each write one transaction: a video is
 * "pending" until its file is here ("downloaded", with its path) or it could not be had ("failed", with
 * why); its fingerprint is stored per sampling spec, so a re-run reuses it.
 */
export const markDownloaded = (videoId: string, localPath: string) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.run(
      "UPDATE videos SET download_state = 'downloaded', local_path = $path, download_error = NULL WHERE id = $id",
      {
        id: videoId,
        path: localPath
      }
    )
  )

export const markDownloadFailed = (videoId: string, reason: string) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.run("UPDATE videos SET download_state = 'failed', download_error = $reason WHERE id = $id", {
      id: videoId,
      reason
    })
  )

export const specKey = (spec: SamplingSpec): string => JSON.stringify(spec)

export const storeFingerprint = (
  videoId: string,
  spec: SamplingSpec,
  frames: ReadonlyArray<Pick<Frame, "index" | "time">>,
  hashes: ReadonlyArray<string>
) =>
  Effect.flatMap(CorpusStore, (store) =>
    store.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.run("DELETE FROM video_fingerprints WHERE video_id = $id AND spec = $spec", {
          id: videoId,
          spec: specKey(spec)
        })
        for (let i = 0; i < hashes.length; i++) {
          yield* tx.run("INSERT INTO video_fingerprints VALUES ($id, $spec, $frame, $seconds, $phash)", {
            id: videoId,
            spec: specKey(spec),
            frame: frames[i]!.index,
            seconds: frames[i]!.time,
            phash: hashes[i]!
          })
        }
      })
    )
  )

/** Every stored fingerprint for a spec, in video import order. */
export const readFingerprints = (spec: SamplingSpec) =>
  Effect.flatMap(CorpusStore, (store) =>
    Effect.map(
      store.query<{ id: string; hashes: Array<string> }>(
        `SELECT f.video_id AS id, list(f.phash ORDER BY f.frame) AS hashes
         FROM video_fingerprints f JOIN videos v ON v.id = f.video_id WHERE f.spec = $spec GROUP BY f.video_id, v.seq ORDER BY v.seq`,
        { spec: specKey(spec) }
      ),
      (rows): Array<Fingerprint> => rows.map((r) => ({ id: r.id, hashes: r.hashes }))
    )
  )
