import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

// Relative asset URLs, so the built app works wherever `videokr review` serves it; one JS bundle.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false, chunkSizeWarningLimit: 400 }
})
