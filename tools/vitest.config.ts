import { defineConfig } from "vitest/config"
import { sharedModules } from "../vitest.shared.ts"

export default defineConfig({
  ...sharedModules,
  test: { ...sharedModules.test, include: ["bench/src/**/*.test.ts", "scripts/**/*.test.ts"] }
})
