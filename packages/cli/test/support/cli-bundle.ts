import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build } from "rolldown"
import { isAlive } from "../../src/Processes.ts"

/**
 * The videokr command the CLI's tests run, bundled once per test run from the same sources.
 *
 * Why: the tests start the command about two hundred times, and a start from the sources loads some 70
 * of the workspace's TypeScript modules (stripping the types of each) and DuckDB's client, 180 CommonJS
 * files, one at a time: about 0.5 of a start's 1.5 CPU-seconds, measured on `videokr stats`. The CLI's tests
 * took 748 CPU-seconds from the sources and take 579 this way. The bundle holds the workspace's
 * modules and DuckDB's client, built from the same sources with the "@videokr/source" condition; every
 * other package loads from node_modules as when installed (effect, so that a project's plugins and the
 * command share one Effect). A project's config and plugins that import "@videokr/…" are resolved by
 * the command's own fallback (core's Project.ts) as always; the hooks written beside the bundle then
 * send whatever lands on a workspace source entry to the bundle's entry for it, so that they share its
 * services and classes too.
 *
 * `import.meta.url` is replaced by each module's own source URL, so that files found relative to a
 * module (prompts, fixtures, the site) are found where they are.
 */
const root = fileURLToPath(new URL("../../../../", import.meta.url))
const cacheDir = join(root, "packages/cli/node_modules/.cache")

const packages = ["core", "providers", "filters", "eval", "queue", "train", "cli"] as const

/** The source file of each public entry of the workspace packages, named for the bundle. */
const publicEntries = async () => {
  const entries: Record<string, string> = {}
  for (const name of packages) {
    const manifest = (
      await import(pathToFileURL(join(root, "packages", name, "package.json")).href, { with: { type: "json" } })
    ).default as {
      readonly exports: Record<string, { readonly "@videokr/source": string }>
    }
    for (const [subpath, targets] of Object.entries(manifest.exports)) {
      entries[`videokr-${name}${subpath === "." ? "" : `-${subpath.slice(2)}`}`] = join(
        root,
        "packages",
        name,
        targets["@videokr/source"]
      )
    }
  }
  return entries
}

export interface CliBundle {
  readonly dir: string
  /** Node arguments that run the bundled command; the command's own arguments follow. */
  readonly nodeArgs: ReadonlyArray<string>
}

export const buildCliBundle = async (): Promise<CliBundle> => {
  mkdirSync(cacheDir, { recursive: true })
  // bundles left by test runs that were killed before their teardown (named for their process)
  for (const old of readdirSync(cacheDir)) {
    const pid = /^videokr-cli-(\d+)-/.exec(old)?.[1]
    if (pid !== undefined && !isAlive(Number(pid)))
      rmSync(join(cacheDir, old), { recursive: true, force: true, maxRetries: 3 })
  }
  const dir = mkdtempSync(join(cacheDir, `videokr-cli-${process.pid}-`))
  const entries = await publicEntries()
  await build({
    input: { bin: join(root, "packages/cli/src/bin.ts"), ...entries },
    platform: "node",
    resolve: { conditionNames: ["@videokr/source", "import", "node", "default"] },
    // Only the workspace's own modules and DuckDB's client (some 180 CommonJS files) are bundled; the other
    // packages load from node_modules as when installed: effect, shared with plugins, and packages that
    // find files beside themselves (native bindings, presets, the shipped ffmpeg and ffprobe).
    external: (id) =>
      !(
        id.startsWith(".") ||
        id.startsWith("/") ||
        id.startsWith("@videokr/") ||
        id === "@duckdb/node-api" ||
        id.startsWith("@duckdb/node-api/")
      ),
    preserveEntrySignatures: "strict",
    plugins: [
      {
        name: "source-import-meta-url",
        transform(code, id) {
          if (code.includes("import.meta.url"))
            return code.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(id).href))
        }
      }
    ],
    output: { dir, format: "esm", entryFileNames: "[name].js", chunkFileNames: "chunks/[name]-[hash].js" },
    logLevel: "warn"
  })
  const redirects = Object.fromEntries(
    Object.entries(entries).map(([name, source]) => [
      pathToFileURL(source).href,
      pathToFileURL(join(dir, `${name}.js`)).href
    ])
  )
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { registerHooks } from "node:module"
// the workspace's source entries are this bundle's entries (see ${relative(root, fileURLToPath(import.meta.url))})
const redirects = new Map(Object.entries(${JSON.stringify(redirects, null, 1)}))
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context)
    const bundled = redirects.get(resolved.url)
    return bundled === undefined ? resolved : { ...resolved, url: bundled, format: "module" }
  }
})
`
  )
  return {
    dir,
    nodeArgs: [
      "--conditions=@videokr/source",
      "--disable-warning=ExperimentalWarning",
      "--import",
      pathToFileURL(join(dir, "hooks.mjs")).href,
      join(dir, "bin.js")
    ]
  }
}
