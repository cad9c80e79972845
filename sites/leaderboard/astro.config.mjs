import react from "@astrojs/react"
import { defineConfig } from "astro/config"

// Telemetry is off through ASTRO_TELEMETRY_DISABLED=1 (set by tools/setup/with-env.sh).
export default defineConfig({ integrations: [react()] })
