import { readFileSync } from "node:fs"
import type { PlannedFile } from "../../src/RunFolder.ts"

/** A vector file of test/vectors (see its README for where each comes from). */
export const vectors = (file: string) =>
  JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), "utf8"))

/** The text of a planned run folder's file. */
export const fileText = (files: ReadonlyArray<PlannedFile>, path: string) => files.find((f) => f.path === path)!.text!
