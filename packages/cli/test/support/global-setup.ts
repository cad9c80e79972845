import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { TestProject } from "vitest/node"
import { buildCliBundle } from "./cli-bundle.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** Node arguments that run the videokr command (its own arguments follow). */
    readonly videokrNodeArgs: ReadonlyArray<string>
  }
}

/**
 * Builds the command the tests run (./cli-bundle.ts). VIDEOKR_TEST_CLI=sources runs the sources instead,
 * as `npm run videokr` does: slower, and a way to tell a bundling problem from a real one.
 */
export default async function setup(project: TestProject) {
  if (process.env.VIDEOKR_TEST_CLI === "sources") {
    project.provide("videokrNodeArgs", ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", fileURLToPath(new URL("../../src/bin.ts", import.meta.url))])
    return
  }
  const bundle = await buildCliBundle()
  project.provide("videokrNodeArgs", bundle.nodeArgs)
  return () => rmSync(bundle.dir, { recursive: true, force: true, maxRetries: 3 })
}
