import react from "@astrojs/react"
import { defineConfig } from "astro/config"

// Telemetry is off through ASTRO_TELEMETRY_DISABLED=1 (set by tools/setup/with-env.sh). The path the site is
// served under comes from `videokr site build --base` (VIDEOKR_SITE_BASE): Astro's --base flag moves the
// assets but not import.meta.env.BASE_URL, which the pages' links are made from.
export default defineConfig({ integrations: [react()], base: process.env["VIDEOKR_SITE_BASE"] || "/" })
