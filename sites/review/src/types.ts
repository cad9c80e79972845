/**
 * The HTTP contract of `videokr review`, as types only: `import type` is erased by the build, so none of
 * the toolkit's code reaches the browser.
 */
export type {
  ApiProblem,
  NewReviewMark,
  ReviewFrame,
  ReviewItem,
  ReviewMarkSummary,
  ReviewQueue,
  ReviewAgreement,
  ReviewQueueEntry,
  ReviewSession,
  ReviewStepInfo,
  ReviewVideo,
  SeedCoverage,
  SeedDraft,
  SeedProblem,
  SeedRecord,
  StoredReviewMark
} from "@videokr/core"

/** A mark this page saved, newest last: `u` deletes the top one. */
export interface UndoEntry {
  readonly mark_id: string
  readonly step: string
  readonly item_id: string
  /** the reviewer's mark of the item before this one, shown again at once when it is undone */
  readonly previous: import("@videokr/core").ReviewMarkSummary | null
}
