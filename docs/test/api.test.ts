import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

// `npm run docs:api` as it runs: TypeDoc over the public packages' entry points, warnings as errors
// (a broken link or a symbol left out fails it), a page per package with the plugin authors' kits in it
const docs = fileURLToPath(new URL("../", import.meta.url))

describe("the API docs", () => {
  it("build without a warning, one module per public entry point, the kits and the plugin contract documented", () => {
    const out = mkdtempSync(join(tmpdir(), "videokr-api-docs-"))
    const r = spawnSync(join(docs, "node_modules/.bin/typedoc"), ["--out", out], { cwd: docs, encoding: "utf8" })
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\[(warning|error)\]/)
    expect(r.status).toBe(0)
    const modules = readdirSync(join(out, "modules")).map((f) => f.replace(/\.html$/, ""))
    for (const m of ["_videokr_core", "_videokr_core_testing", "_videokr_providers", "_videokr_providers_testing", "_videokr_filters", "_videokr_eval", "_videokr_queue", "_videokr_train"]) {
      expect(modules).toContain(m)
    }
    const page = (module: string) => readFileSync(join(out, "modules", `${module}.html`), "utf8")
    expect(page("_videokr_core_testing")).toContain("checkConformance")
    expect(page("_videokr_core_testing")).toContain("sourceConformance")
    expect(page("_videokr_providers_testing")).toContain("conformanceChecks")
    expect(page("_videokr_core")).toContain("definePlugin")
    expect(existsSync(join(out, "index.html"))).toBe(true)
  })
})
