import { execFile } from "node:child_process"
import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import type { Video } from "../Video.ts"
import { SourceError, sourceError, type VideoCandidate, type VideoSourceShape } from "../VideoSource.ts"

/**
 * The `youtube` source through yt-dlp: `ytsearchN:` queries with --dump-json (metadata only), keeping
 * Creative Commons videos within duration bounds that are neither live nor age-restricted; downloads
 * limited in height and container, resumable (yt-dlp's .part files), rate limited.
 */
export interface YoutubeSourceOptions {
  /** the yt-dlp executable (default $VIDEOKR_YTDLP, else "yt-dlp" on PATH) */
  readonly ytdlp?: string | undefined
  readonly minDuration?: number | undefined
  readonly maxDuration?: number | undefined
  readonly maxHeight?: number | undefined
  /** bytes per second, yt-dlp's --limit-rate */
  readonly limitRate?: string | undefined
  /** seconds yt-dlp sleeps between requests (--sleep-requests) */
  readonly sleepRequests?: number | undefined
}

/** What yt-dlp's --dump-json says of a video (the fields used here). */
export interface YtDlpRecord {
  readonly id?: string
  readonly title?: string
  readonly description?: string | null
  readonly tags?: ReadonlyArray<string> | null
  readonly channel?: string | null
  readonly uploader?: string | null
  readonly duration?: number | null
  readonly license?: string | null
  readonly webpage_url?: string
  readonly live_status?: string | null
  readonly is_live?: boolean | null
  readonly age_limit?: number | null
  readonly availability?: string | null
}

export type Assessment = { readonly video: Video } | { readonly rejected: string; readonly id: string }

/** Whether a video may enter the corpus, and why not. */
export const assessYtDlpRecord = (r: YtDlpRecord, options: YoutubeSourceOptions = {}): Assessment => {
  const id = r.id ?? "(no id)"
  if (r.id === undefined) return { id, rejected: "no video id" }
  if (!/creative commons/i.test(r.license ?? ""))
    return { id, rejected: `license is ${r.license ? `"${r.license}"` : "not given"}, not Creative Commons` }
  if (r.is_live || ["is_live", "is_upcoming", "post_live"].includes(r.live_status ?? ""))
    return { id, rejected: `live stream (${r.live_status ?? "live"})` }
  if ((r.age_limit ?? 0) > 0 || r.availability === "needs_auth")
    return { id, rejected: `age-restricted (${r.age_limit ?? 0}+)` }
  if (r.duration == null) return { id, rejected: "duration unknown" }
  if (options.minDuration !== undefined && r.duration < options.minDuration)
    return { id, rejected: `shorter than ${options.minDuration} s (${r.duration} s)` }
  if (options.maxDuration !== undefined && r.duration > options.maxDuration)
    return { id, rejected: `longer than ${options.maxDuration} s (${r.duration} s)` }
  return {
    video: {
      id: `youtube:${r.id}`,
      source: "youtube",
      source_id: r.id,
      url: r.webpage_url ?? `https://www.youtube.com/watch?v=${r.id}`,
      license: r.license!,
      duration: r.duration,
      title: r.title ?? "",
      ...(r.description ? { description: r.description } : {}),
      ...(r.tags && r.tags.length > 0 ? { tags: [...r.tags] } : {}),
      ...((r.channel ?? r.uploader) ? { channel: (r.channel ?? r.uploader)! } : {})
    }
  }
}

export const makeYoutubeSource = (options: YoutubeSourceOptions = {}) => {
  const ytdlp = options.ytdlp ?? process.env.VIDEOKR_YTDLP ?? "yt-dlp"
  const run = (args: Array<string>, item: string) =>
    Effect.tryPromise({
      try: () =>
        new Promise<string>((resolve, reject) =>
          execFile(ytdlp, args, { maxBuffer: 256 << 20 }, (e, stdout, stderr) => {
            if (e === null) return resolve(stdout)
            const missing = (e as NodeJS.ErrnoException).code === "ENOENT"
            reject(
              new Error(
                missing
                  ? `yt-dlp not found at "${ytdlp}"; install it or set its path (VIDEOKR_YTDLP); see videokr doctor`
                  : (stderr
                      .split("\n")
                      .filter((l) => l.includes("ERROR"))
                      .at(-1) ??
                      stderr.trim().split("\n").at(-1) ??
                      e.message)
              )
            )
          })
        ),
      catch: (e) => sourceError("youtube", item, e)
    })
  const pacing = [
    ...(options.sleepRequests ? ["--sleep-requests", String(options.sleepRequests)] : []),
    ...(options.limitRate ? ["--limit-rate", options.limitRate] : [])
  ]

  /** Candidates and the rejected, with reasons (the pipeline records them as verdicts). */
  const searchAssessed = (query: string, limit: number) =>
    Effect.map(
      run(
        ["--dump-json", "--skip-download", "--no-warnings", "--ignore-errors", ...pacing, `ytsearch${limit}:${query}`],
        query
      ),
      (out) =>
        out
          .split("\n")
          .filter((l) => l.trim() !== "")
          .flatMap((l): Array<Assessment> => {
            try {
              return [assessYtDlpRecord(JSON.parse(l) as YtDlpRecord, options)]
            } catch {
              return [{ id: "(unparsable)", rejected: "yt-dlp printed a line that is not JSON" }]
            }
          })
    )

  const source: VideoSourceShape & { readonly searchAssessed: typeof searchAssessed } = {
    id: "youtube",
    searchAssessed,
    search: (query, { limit }) =>
      Effect.map(searchAssessed(query, limit), (all) =>
        all.flatMap((a): Array<VideoCandidate> => ("video" in a ? [{ video: a.video }] : []))
      ),
    download: (candidate, dir) =>
      Effect.gen(function* () {
        yield* Effect.promise(() => mkdir(dir, { recursive: true }))
        const h = options.maxHeight ?? 720
        const out = yield* run(
          [
            "-f",
            `bv*[height<=${h}][ext=mp4]+ba[ext=m4a]/b[height<=${h}][ext=mp4]/bv*[height<=${h}]+ba/b[height<=${h}]`,
            "--merge-output-format",
            "mp4",
            "--continue",
            "--no-progress",
            "--no-warnings",
            ...pacing,
            "-o",
            join(dir, "%(id)s.%(ext)s"),
            "--print",
            "after_move:filepath",
            candidate.video.url
          ],
          candidate.video.id
        )
        const path = out.trim().split("\n").at(-1)
        if (!path)
          return yield* new SourceError({
            source: "youtube",
            item: candidate.video.id,
            reason: "yt-dlp did not say where it put the file"
          })
        return path
      })
  }
  return source
}
