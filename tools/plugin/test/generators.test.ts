import { afterAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

// `nx g @videokr/plugin:<kind> <name>` as a plugin author types it, then the generated package's own
// tests and type check, as they run in its folder: against the built @videokr packages (as installed
// from npm), not the workspace's sources
const root = fileURLToPath(new URL("../../../", import.meta.url))
const out = join("tmp", `generated-${process.pid}`)
afterAll(() => rmSync(join(root, out), { recursive: true, force: true }))

const { NODE_OPTIONS, ...env } = process.env
const userEnv = {
  ...env,
  NODE_OPTIONS: (NODE_OPTIONS ?? "").replace("--conditions=@videokr/source", ""),
  NO_COLOR: "1",
  NX_DAEMON: "false",
  NX_NO_CLOUD: "true",
  NX_TUI: "false"
}
const run = (cwd: string, command: string, ...args: Array<string>) => {
  const r = spawnSync(join(root, "node_modules/.bin", command), args, { cwd, encoding: "utf8", env: userEnv })
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

describe("nx g @videokr/plugin", () => {
  for (const kind of ["provider", "filter", "source"] as const) {
    it(`:${kind} makes a package whose tests pass the ${kind} kit`, () => {
      const name = `acme-${kind}`
      const dir = join(out, name)
      const generated = run(root, "nx", "g", `@videokr/plugin:${kind}`, name, `--directory=${dir}`, "--no-interactive")
      expect(generated.output).toContain(`Created the ${kind} plugin videokr-plugin-${name} in ${dir}`)
      expect(generated.code).toBe(0)
      const pkg = join(root, dir)
      expect(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).name).toBe(`videokr-plugin-${name}`)
      expect(readFileSync(join(pkg, "README.md"), "utf8")).toContain(`plugins: ["videokr-plugin-${name}"]`)
      const tests = run(pkg, "vitest", "run")
      expect(tests.output).toMatch(/Tests\s+\d+ passed/)
      expect(tests.output).not.toMatch(/failed/)
      expect(tests.code).toBe(0)
      const types = run(pkg, "tsc", "--noEmit", "-p", "tsconfig.json")
      expect(types.output).toBe("")
      expect(types.code).toBe(0)
    })
  }

  it("refuses a name that is not lowercase with dashes, and a folder that already holds a package", () => {
    const bad = run(
      root,
      "nx",
      "g",
      "@videokr/plugin:filter",
      "Acme_Filter",
      `--directory=${join(out, "bad")}`,
      "--no-interactive"
    )
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/should match the pattern|must be lowercase/)
    expect(existsSync(join(root, out, "bad"))).toBe(false)
    const again = run(
      root,
      "nx",
      "g",
      "@videokr/plugin:filter",
      "acme-filter",
      `--directory=${join(out, "acme-filter")}`,
      "--no-interactive"
    )
    expect(again.code).not.toBe(0)
    expect(again.output).toContain("already holds a package")
  })
})
