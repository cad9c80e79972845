import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { createRequire, registerHooks } from "node:module"
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Exit, Schema } from "effect"
import * as CorpusStore from "./CorpusStore.ts"
import { configDefaults, VideokrConfig } from "./Config.ts"
import { FileError, InputError, UsageError, reasonOf } from "./Errors.ts"
import { schemaProblems } from "./internal/schemaProblems.ts"
import { loadProblem, placeProblems } from "./internal/configProblems.ts"
import type { VideokrPlugin } from "./Plugin.ts"

export const configFileName = "videokr.config.ts"

/** A videokr project: a folder with `videokr.config.ts`, its corpus file and its exports. */
export interface Project {
  readonly dir: string
  readonly configPath: string
  readonly config: VideokrConfig
  readonly corpusPath: string
  readonly exportDir: string
}

/**
 * Where a project keeps what every machine of a run must see (storage.root, default the project folder):
 * downloads, the response cache (models.cacheDir, relative to the project, when set), sampled frames and
 * the journals of model calls.
 */
export const storageOf = (project: Pick<Project, "dir" | "config">) => {
  const root = resolve(project.dir, project.config.storage?.root ?? ".")
  return {
    root,
    downloads: join(root, "videos", "downloads"),
    cache:
      project.config.models?.cacheDir === undefined
        ? join(root, ".videokr/cache")
        : resolve(project.dir, project.config.models.cacheDir),
    frames: join(root, ".videokr/frames"),
    ledger: join(root, ".videokr/ledger")
  }
}

/**
 * What a stage's results depend on in the config, hashed: a worker must have the same as the run that
 * hands it items (`videokr run --queue`). Where things are on a machine (sources, storage, the cache)
 * and how fast to go (concurrency, retries, batch mode) may differ from machine to machine.
 */
export const configFingerprint = (config: VideokrConfig): string => {
  const {
    sources: _s,
    concurrency: _c,
    batch: _b,
    batchPollSeconds: _p,
    retry: _r,
    ...pipeline
  } = config.pipeline ?? {}
  const relevant = {
    pipeline,
    pools: config.models?.pools ?? null,
    seed: config.models?.poolSeed ?? null,
    plugins: config.plugins ?? []
  }
  return createHash("sha256").update(JSON.stringify(relevant)).digest("hex").slice(0, 16)
}

/** The nearest folder at or above `start` holding videokr.config.ts, as git finds its repository. */
export const findProjectDir = (start: string): string | undefined => {
  let dir = resolve(start)
  for (;;) {
    if (existsSync(join(dir, configFileName))) return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

let selfResolution = false
/**
 * A project folder need not install videokr itself (the CLI may be installed globally or run from a
 * checkout): when its config imports "@videokr/…" and the folder cannot resolve it, use this copy.
 */
const resolveVideokrFromHere = () => {
  if (selfResolution) return
  selfResolution = true
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context)
      } catch (e) {
        // plugins use videokr's own packages, and its Effect (one instance, so that services and errors are shared)
        if (specifier.startsWith("@videokr/") || specifier === "effect" || specifier.startsWith("effect/"))
          return nextResolve(specifier, { ...context, parentURL: import.meta.url })
        throw e
      }
    }
  })
}

/** Loads the project of `dir` (or of the nearest enclosing project folder when `search` is set). */
export const loadProject = (dir: string, options: { readonly search: boolean }) =>
  Effect.gen(function* () {
    const found = options.search
      ? findProjectDir(dir)
      : existsSync(join(dir, configFileName))
        ? resolve(dir)
        : undefined
    if (found === undefined) {
      return yield* new UsageError({
        reason: `no ${configFileName} in ${resolve(dir)}${options.search ? " or any folder above it" : ""}; create a project with \`videokr init <dir>\` or pass --project <dir>`
      })
    }
    const configPath = join(found, configFileName)
    resolveVideokrFromHere()
    const module = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(configPath).href) as Promise<{ default?: unknown }>,
      catch: (e) =>
        new InputError({
          file: configPath,
          problems: [loadProblem(e, configPath)],
          omitted: 0,
          outcome: "fix the configuration"
        })
    })
    const exit = Schema.decodeUnknownExit(VideokrConfig)(module.default ?? {}, {
      errors: "all",
      onExcessProperty: "error"
    })
    if (Exit.isFailure(exit)) {
      const text = yield* Effect.orElseSucceed(
        Effect.tryPromise(() => readFile(configPath, "utf8")),
        () => ""
      )
      const problems = placeProblems(schemaProblems(exit.cause, module.default, 0), text, VideokrConfig)
      return yield* new InputError({ file: configPath, problems, omitted: 0, outcome: "fix the configuration" })
    }
    const config = exit.value
    return {
      dir: found,
      configPath,
      config,
      corpusPath: resolve(found, config.corpus ?? configDefaults.corpus),
      exportDir: resolve(found, config.exportDir ?? configDefaults.exportDir)
    } satisfies Project
  })

/** The corpus store of a project. */
export const projectStoreLayer = (project: Project) =>
  CorpusStore.layer({
    path: project.corpusPath,
    ...(project.config.store?.memoryLimit ? { memoryLimit: project.config.store.memoryLimit } : {}),
    ...(project.config.store?.threads ? { threads: project.config.store.threads } : {})
  })

export const sampleFiles = [
  "knowledge-bank.jsonl",
  "knowledge-bank.csv",
  "seeds.jsonl",
  "videos.jsonl",
  "examples.jsonl"
] as const

const configTemplate = `import { defineConfig } from "@videokr/core"

export default defineConfig({
  // the corpus (one DuckDB file) and where exports go, relative to this folder
  corpus: "corpus.duckdb",
  exportDir: "exports",
  // seeded SFT/RL split: the same seed gives the same split
  split: { seed: 42, sftFraction: 0.638 }
})
`

export interface InitOptions<E, R> {
  /** copy the sample data from this folder into data/ */
  readonly sampleDir?: string | undefined
  /** the text of videokr.config.ts (default: a minimal config) */
  readonly config?: string | undefined
  /** more to put into the folder before the config is written (a folder with a config is a project) */
  readonly prepare?: ((dir: string) => Effect.Effect<unknown, E, R>) | undefined
}

/**
 * Creates a project folder: data/ (with the sample data when `sampleDir` is given), whatever `prepare`
 * adds, and videokr.config.ts last, so that a failed init leaves no project behind and can be run again.
 */
export const initProject = <E = never, R = never>(dir: string, options: InitOptions<E, R> = {}) =>
  Effect.gen(function* () {
    const target = resolve(dir)
    const configPath = join(target, configFileName)
    if (existsSync(configPath))
      return yield* new UsageError({ reason: `${configPath} already exists; this folder is a project already` })
    const io = (operation: string, path: string) => (e: unknown) =>
      new FileError({ path, operation, reason: reasonOf(e) })
    yield* Effect.tryPromise({
      try: () => mkdir(join(target, "data"), { recursive: true }),
      catch: io("create folder", target)
    })
    const copied: Array<string> = []
    if (options.sampleDir !== undefined) {
      for (const f of sampleFiles) {
        const to = join(target, "data", f)
        yield* Effect.tryPromise({ try: () => copyFile(join(options.sampleDir!, f), to), catch: io("copy sample", to) })
        copied.push(to)
      }
    }
    if (options.prepare !== undefined) yield* options.prepare(target)
    yield* Effect.tryPromise({
      try: () => writeFile(configPath, options.config ?? configTemplate, { flag: "wx" }),
      catch: io("write", configPath)
    })
    return { dir: target, configPath, files: copied }
  })

/** Loads the plugins a project lists (paths relative to the project folder, or package names). */
export const loadPlugins = (project: Project) =>
  Effect.forEach(project.config.plugins ?? [], (entry) =>
    Effect.gen(function* () {
      resolveVideokrFromHere()
      const where = entry.startsWith(".") || entry.startsWith("/") ? resolve(project.dir, entry) : entry
      const url = yield* Effect.try({
        try: () =>
          pathToFileURL(where === entry ? createRequire(join(project.dir, "package.json")).resolve(entry) : where).href,
        catch: (e) => new FileError({ path: entry, operation: "find plugin", reason: reasonOf(e) })
      })
      const module = yield* Effect.tryPromise({
        try: () => import(url) as Promise<{ default?: unknown }>,
        catch: (e) => new FileError({ path: where, operation: "load plugin", reason: reasonOf(e) })
      })
      const plugin = module.default as VideokrPlugin | undefined
      const bad = (field: string, message: string) =>
        new InputError({
          file: where,
          problems: [{ line: 0, field, message }],
          omitted: 0,
          outcome: "the plugin was not loaded"
        })
      if (plugin === undefined || typeof plugin !== "object")
        return yield* bad("default", "expected `export default definePlugin({...})`")
      if (typeof plugin.name !== "string" || plugin.name === "")
        return yield* bad("name", "expected a non-empty string")
      for (const [prefix, factory] of Object.entries(plugin.providers ?? {})) {
        if (typeof factory !== "function")
          return yield* bad(`providers.${prefix}`, "expected a function (args) => provider")
      }
      return plugin
    })
  )
