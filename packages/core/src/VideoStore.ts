import { Effect, Stream } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import { fingerprintPacker } from "./NearDuplicates.ts"
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

/**
 * Every stored fingerprint for a spec, in video import order, packed as the rows stream in (never a
 * string per frame held at once); `where` narrows the videos (SQL on `f.video_id`).
 */
export const readFingerprints = (spec: SamplingSpec, where = "TRUE") =>
  Effect.flatMap(CorpusStore, (store) =>
    Effect.suspend(() => {
      const packer = fingerprintPacker()
      let current: string | undefined
      return store
        .stream<{ id: string; phash: string }>(
          `SELECT f.video_id AS id, f.phash FROM video_fingerprints f JOIN videos v ON v.id = f.video_id
           WHERE f.spec = $spec AND ${where} ORDER BY v.seq, f.video_id, f.frame`,
          { spec: specKey(spec) }
        )
        .pipe(
          Stream.runForEach((rows) =>
            Effect.sync(() => {
              for (const r of rows) {
                if (r.id !== current) packer.startVideo((current = r.id))
                packer.add(r.phash)
              }
            })
          ),
          Effect.map(() => packer.done())
        )
    })
  )
