/**
 * What a stage decided about one item, with its reason: the record every check (built-in or a plugin's)
 * returns, and the one the store keeps per (stage, item).
 */
export interface Verdict {
  readonly decision: "keep" | "drop" | "error"
  readonly reason: string
  readonly modelId?: string | undefined
  readonly evidence?: unknown
  /**
   * an "error" that says nothing about the item (an outage, a 429 storm, an unusable answer): the item
   * stays pending and is asked again, in this run and the next. The engine also treats an error as
   * transient when one of the item's model calls failed transiently (ItemCalls), whoever wrote the check.
   */
  readonly transient?: boolean | undefined
}
