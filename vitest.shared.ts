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
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
}
