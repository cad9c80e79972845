import { type Effect, Schema } from "effect"
import type { Video } from "./Video.ts"

/**
 * The video source port: where candidate videos come from (YouTube through yt-dlp, a local folder, a
 * list of URLs). Sources are plugins; the built-ins use the same contract.
 */
export interface VideoCandidate {
  readonly video: Video
  /** where the file is once it is on this machine */
  readonly localPath?: string | undefined
}

export interface VideoSourceShape {
  readonly id: string
  /** candidates for a search query (a scenario of a knowledge point) */
  readonly search: (
    query: string,
    options: { readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<VideoCandidate>, SourceError>
  /** brings a candidate's file to `dir` (resumable where the source allows) and returns its path */
  readonly download: (candidate: VideoCandidate, dir: string) => Effect.Effect<string, SourceError>
  /**
   * what the source holds, when it can tell (a folder's files, sizes and times): searches are done again
   * when it changes, so that new files are found by a later run
   */
  readonly revision?: string | undefined
  /** every file the source looked at, with whether it is taken as a video and why (a folder source) */
  readonly files?: ReadonlyArray<SourceFile> | undefined
}

/** A file a source looked at: taken as a video (keep) or skipped (drop), with the reason. */
export interface SourceFile {
  /** the id its video has, or would have ("local:<path under the root>") */
  readonly id: string
  readonly path: string
  readonly decision: "keep" | "drop"
  readonly reason: string
  /** size and modification time: a changed file is looked at again */
  readonly stamp: string
}

export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  source: Schema.String,
  item: Schema.String,
  reason: Schema.String,
  /** a network fault, a 429 or a 5xx: says nothing about the video, so its item stays pending */
  transient: Schema.optionalKey(Schema.Boolean)
}) {
  override get message() {
    return `${this.source} ${this.item}: ${this.reason}`
  }
}

/**
 * Whether a source's failure is of the moment (the network, the site's rate limit or servers) rather
 * than of the video (gone, private, not found): from the HTTP status when there is one, else the text
 * that fetch, Node and yt-dlp use for such faults.
 */
export const isTransientSourceFailure = (reason: string): boolean =>
  /\bHTTP(?: Error)? (?:408|425|429|5\d\d)\b|fetch failed|timed? ?out|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|Connection (?:reset|refused|aborted)|Temporary failure|Network is unreachable|IncompleteRead|transfer ended at|\bterminated\b|UND_ERR_SOCKET|other side closed|EPIPE|ECONNABORTED/i.test(
    reason
  )

/** A source failure, marked transient when it is one. */
export const sourceError = (source: string, item: string, e: unknown): SourceError => {
  const reason =
    e instanceof Error
      ? [
          e.message,
          (e as { cause?: { message?: string; code?: string } }).cause?.code ??
            (e as { cause?: { message?: string } }).cause?.message
        ]
          .filter(Boolean)
          .join(": ")
      : String(e)
  return new SourceError({ source, item, reason, ...(isTransientSourceFailure(reason) ? { transient: true } : {}) })
}
