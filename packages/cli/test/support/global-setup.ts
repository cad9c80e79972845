import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { TestProject } from "vitest/node"
import { reviewAppDir } from "../../src/ReviewApp.ts"
import { buildCliBundle } from "./cli-bundle.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** Node arguments that run the videokr command (its own arguments follow). */
    readonly videokrNodeArgs: ReadonlyArray<string>
  }
}

/**
 * Builds the command the tests run (./cli-bundle.ts), and the review app when its build is stale. VIDEOKR_TEST_CLI=sources runs the sources instead,
 * as `npm run videokr` does: slower, and a way to tell a bundling problem from a real one.
 */
export default async function setup(project: TestProject) {
  // the review app is built once here, not by several test files' commands at the same moment
  await Effect.runPromise(reviewAppDir)
  if (process.env.VIDEOKR_TEST_CLI === "sources") {
    project.provide("videokrNodeArgs", [
      "--conditions=@videokr/source",
      "--disable-warning=ExperimentalWarning",
      fileURLToPath(new URL("../../src/bin.ts", import.meta.url))
    ])
    return
  }
  const bundle = await buildCliBundle()
  project.provide("videokrNodeArgs", bundle.nodeArgs)
  return () => rmSync(bundle.dir, { recursive: true, force: true, maxRetries: 3 })
}
