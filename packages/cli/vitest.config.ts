import { defineConfig } from "vitest/config"
import { shared } from "../../vitest.shared.ts"

// The CLI's tests run the real command in child processes and wait on them and on loopback servers
// most of the time: three files at once keep two cores busy (vitest's default is one worker on two cores).
export default defineConfig({ ...shared, test: { ...shared.test, maxWorkers: 3 } })
