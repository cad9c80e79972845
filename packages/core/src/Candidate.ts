import type { KnowledgePoint } from "./KnowledgeBank.ts"
import type { Video } from "./Video.ts"

/** A (video, knowledge point) pair the search found: what the video filters keep or drop. */
export interface Candidate {
  /** "<video id>@<knowledge point id>" */
  readonly id: string
  readonly video: Video
  readonly knowledgePoint: KnowledgePoint
  /** the file on this machine, once downloaded */
  readonly localPath: string | undefined
}
