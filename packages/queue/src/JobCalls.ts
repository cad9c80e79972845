import { Context } from "effect"
import type { CallRow } from "@videokr/core"

/**
 * The model calls of the job a worker is doing: its model session's `record` adds each call's row here
 * (after journaling it), and the job hands them back to the coordinator with its outcome.
 */
export const JobCalls = Context.Reference<{ readonly calls: Array<CallRow> | undefined }>("@videokr/queue/JobCalls", {
  defaultValue: () => ({ calls: undefined })
})
