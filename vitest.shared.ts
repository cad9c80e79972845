import type { ViteUserConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the "@videokr/source" export condition,
// so tests never need a prior build.
export const shared: ViteUserConfig = {
  resolve: { conditions: ["@videokr/source"] },
  ssr: { resolve: { conditions: ["@videokr/source"], externalConditions: ["@videokr/source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // the JSON report feeds the workspace summary line of `npm test` (tools/scripts/test.ts)
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
    // A timeout only ends a hang. It is the same for every test and long: under `npm run test:stress`
    // (eight busy processes on two cores) an end-to-end test that takes a minute on an idle machine
    // takes many; the tests themselves wait on events, never on time.
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    // expect.poll waits for an event (a page updated, a file written): its default of one second is a
    // clock, which a busy machine runs out of; this one only ends a hang, like the test timeout
    expect: { poll: { timeout: 5 * 60_000, interval: 50 } }
  }
}

/**
 * For the packages whose tests keep no state in modules or in the environment: the test files a worker
 * runs share one module graph instead of each importing effect and the sources again (measured: eval's
 * tests 26 → 9 CPU-seconds, providers' 24 → 10, filters' 14 → 10).
 */
export const sharedModules: ViteUserConfig = { ...shared, test: { ...shared.test, isolate: false } }
