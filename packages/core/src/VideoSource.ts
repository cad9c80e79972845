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
  readonly search: (query: string, options: { readonly limit: number }) => Effect.Effect<ReadonlyArray<VideoCandidate>, SourceError>
  /** brings a candidate's file to `dir` (resumable where the source allows) and returns its path */
  readonly download: (candidate: VideoCandidate, dir: string) => Effect.Effect<string, SourceError>
}


export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  source: Schema.String,
  item: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.source} ${this.item}: ${this.reason}`
  }
}
