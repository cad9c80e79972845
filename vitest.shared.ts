import type { ViteUserConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the "@videokr/source" export condition,
// so tests never need a prior build.
export const shared: ViteUserConfig = {
  resolve: { conditions: ["@videokr/source"] },
  ssr: { resolve: { conditions: ["@videokr/source"], externalConditions: ["@videokr/source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
}
