import { defineConfig } from "vitest/config"
// inside the videokr repository: its test settings (the @videokr/source condition, the JSON report that
// `npm test` sums); a plugin in its own repository needs none of this
import { sharedModules } from "../../vitest.shared.ts"

export default defineConfig(sharedModules)
