import { defineConfig } from "vitest/config"
import { sharedModules } from "../../vitest.shared.ts"

export default defineConfig(sharedModules)
