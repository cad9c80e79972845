import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The lint run (Biome, biome.jsonc): it passes on the tree, and fails on an import that points up or
 * sideways between packages (the boundaries: cli and the sites -> eval, filters, queue, providers ->
 * core), shown by fixtures linted as files of core and filters in a folder whose config extends the
 * repository's. Each package's declared
 * workspace dependencies are the ones its code imports, so that package.json follows the same direction.
 */
const root = fileURLToPath(new URL("../../", import.meta.url))
const biome = (cwd: string, args: ReadonlyArray<string>) => {
  const r = spawnSync(join(root, "node_modules/.bin/biome"), args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" }
  })
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}
const lintAs = (fixture: string, path: string) => {
  const dir = mkdtempSync(join(tmpdir(), "videokr-lint-"))
  writeFileSync(
    join(dir, "biome.jsonc"),
    JSON.stringify({ root: true, extends: [join(root, "biome.jsonc")], vcs: { enabled: false } })
  )
  mkdirSync(join(dir, dirname(path)), { recursive: true })
  copyFileSync(fileURLToPath(new URL(`fixtures/lint/${fixture}`, import.meta.url)), join(dir, path))
  return biome(dir, ["lint", path])
}

describe("the lint run", () => {
  it("passes on the tree, formatted as the formatter has it", () => {
    const r = biome(root, ["ci", "--colors=off", "--error-on-warnings"])
    expect(r.output).not.toMatch(/error/i)
    expect(r.code).toBe(0)
  })

  it("fails on an upward import, naming the boundary, and on a sideways one", () => {
    const up = lintAs("upward.ts", "packages/core/src/Upward.ts")
    expect(up.code).not.toBe(0)
    expect(up.output).toContain("lint/style/noRestrictedImports")
    expect(up.output).toContain("core depends on no other videokr package")
    const sideways = lintAs("sideways.ts", "packages/filters/src/Sideways.ts")
    expect(sideways.code).not.toBe(0)
    expect(sideways.output).toContain("filters depend on core alone")
    expect(lintAs("downward.ts", "packages/filters/src/Downward.ts").code).toBe(0)
  })
})

// import and export statements (a line of its own, or the closing line of a multi-line one) and dynamic
// imports: not the text of a page that shows an import as an example
const importPattern =
  /^(?:import|export|\})[^\n]*?\sfrom\s+["'](@videokr\/[a-z-]+)|\bimport\(\s*["'](@videokr\/[a-z-]+)/gm

const sources = (dir: string): Array<string> =>
  (statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(dir) : []).flatMap((f) => {
    const p = join(dir, f)
    if (f === "node_modules" || f === "dist" || f === "fixtures" || f.startsWith(".")) return []
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|tsx|astro|mjs)$/.test(f) ? [p] : []
  })

describe("package.json dependencies", () => {
  const packages = ["packages", "sites"].flatMap((d) => readdirSync(join(root, d)).map((p) => join(d, p)))
  for (const dir of packages) {
    it(`${dir} declares the workspace packages its code imports, and no other`, () => {
      const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as {
        name: string
        dependencies?: Record<string, string>
        devDependencies?: Record<string, string>
      }
      const declared = (deps: Record<string, string> | undefined) =>
        Object.keys(deps ?? {}).filter((d) => d.startsWith("@videokr/"))
      const importsOf = (folder: string) =>
        new Set(
          sources(join(root, dir, folder)).flatMap((f) =>
            [...readFileSync(f, "utf8").matchAll(importPattern)].map((m) => (m[1] ?? m[2])!)
          )
        )
      const src = [...importsOf("src")].filter((d) => d !== pkg.name)
      const all = [...declared(pkg.dependencies), ...declared(pkg.devDependencies)]
      // a library declares what its code imports as dependencies; an app bundled at build (a site) may declare them as devDependencies
      for (const d of src) expect(all).toContain(d)
      for (const d of declared(pkg.dependencies)) expect(src).toContain(d)
      for (const d of importsOf("test")) if (d !== pkg.name) expect(all).toContain(d)
    })
  }
})
