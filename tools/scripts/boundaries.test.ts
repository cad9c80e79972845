import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Dependencies point one way (ARCHITECTURE.md): cli and the site -> eval, filters, queue, providers -> core;
 * nothing imports cli. The queue runs providers' limits through Redis. Filters may use eval: the validators score answers exactly as evaluation does. Checked on package.json dependencies and on every import in the sources.
 */
const root = fileURLToPath(new URL("../../", import.meta.url))
const allowed: Record<string, ReadonlyArray<string>> = {
  core: [],
  providers: ["core"],
  filters: ["core", "providers", "eval"],
  eval: ["core", "providers"],
  queue: ["core", "providers"],
  cli: ["core", "providers", "filters", "eval", "queue"],
  leaderboard: ["core", "eval"],
  tools: ["core", "providers", "filters", "eval", "queue", "cli"]
}
const dirs: Record<string, string> = {
  core: "packages/core", providers: "packages/providers", filters: "packages/filters", eval: "packages/eval", queue: "packages/queue",
  cli: "packages/cli", leaderboard: "sites/leaderboard", tools: "tools"
}

const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (f === "node_modules" || f === "dist" || f.startsWith(".")) return []
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx|astro|mjs)$/.test(f) ? [p] : []
  })

describe("package boundaries", () => {
  for (const [name, dir] of Object.entries(dirs)) {
    it(`${name} depends only on ${allowed[name]!.join(", ") || "no workspace package"}`, () => {
      const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> }
      const declared = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@videokr/")).map((d) => d.slice(9))
      expect(declared.filter((d) => !allowed[name]!.includes(d))).toEqual([])
      const imported = new Set(
        sources(join(root, dir)).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/from\s+["']@videokr\/([a-z-]+)/g)].map((m) => m[1]!))
      )
      expect([...imported].filter((d) => d !== name && !allowed[name]!.includes(d))).toEqual([])
      for (const d of imported) if (d !== name) expect(declared).toContain(d)
    })
  }
})
