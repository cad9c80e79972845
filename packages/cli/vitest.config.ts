import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"
import { shared } from "../../vitest.shared.ts"

/**
 * The longest end-to-end files start first, so that the workers finish together. Vitest orders files by
 * the last run's durations when it has them, else (a fresh clone, as on CI) by file size, which put the
 * longest ones last.
 */
const longest = ["pipeline-kill", "run-outage", "new-user", "pipeline-e2e", "eval-e2e", "batch-mode", "live-run"]
const rank = (file: TestSpecification) => {
  const i = longest.findIndex((name) => file.moduleId.endsWith(`/${name}.test.ts`))
  return i < 0 ? longest.length : i
}
class LongestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>) {
    // a stable sort: the others keep vitest's order
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

// The CLI's tests run the real command in child processes and wait on them and on loopback servers
// much of the time: three files at once keep two cores busy (vitest's default is one worker on two cores).
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    globalSetup: ["test/support/global-setup.ts"]
  }
})
