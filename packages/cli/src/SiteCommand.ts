import { spawn } from "node:child_process"
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { Console, Effect, Stream } from "effect"
import {
  type CorpusStore,
  FileError,
  type InputError,
  type Project,
  type StoreError,
  writeTextAtomic
} from "@videokr/core"
import type { TaskDataError } from "@videokr/eval"
import { siteData, type SiteFiles } from "@videokr/eval"

/** The Astro site of the repository (sites/leaderboard). */
export const siteDir = fileURLToPath(new URL("../../../sites/leaderboard/", import.meta.url))

const astroBin = () =>
  join(createRequire(join(siteDir, "package.json")).resolve("astro/package.json"), "..", "bin", "astro.mjs")

export interface SiteOptions {
  /** submission folders (submissions/<org>/<model>/) */
  readonly submissions: string
  /** the built site (build) */
  readonly out: string
  readonly port?: number | undefined
}

/** What can stop a build: a submission or the corpus that cannot be read, a task's data, the store. */
export type SiteError = FileError | InputError | StoreError | TaskDataError

const astro = (args: ReadonlyArray<string>, dataFile: string, quiet: boolean) =>
  Effect.tryPromise({
    try: () =>
      new Promise<void>((ok, no) => {
        // from the site folder: Astro keeps its caches and prerender files relative to the working folder
        const child = spawn(process.execPath, [astroBin(), ...args, "--root", siteDir], {
          cwd: siteDir,
          // a NODE_ENV inherited from a test runner would make Astro ship React's development build
          env: {
            ...process.env,
            VIDEOKR_SITE_DATA: dataFile,
            ASTRO_TELEMETRY_DISABLED: "1",
            NODE_ENV: args[0] === "build" ? "production" : "development"
          },
          stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit"
        })
        let output = ""
        child.stdout?.on("data", (d) => (output += d))
        child.stderr?.on("data", (d) => (output += d))
        child.on("error", no)
        child.on("close", (code) =>
          code === 0 ? ok() : no(new Error(`astro ${args[0]} exited with ${code}\n${output.slice(-4000)}`))
        )
      }),
    catch: (e) =>
      new FileError({
        path: siteDir,
        operation: `astro ${args[0]}`,
        reason: e instanceof Error ? e.message : String(e)
      })
  })

/** The site's data for Astro, in a scratch folder that is removed afterwards. */
const withData = <A, E, R>(
  project: Project,
  options: SiteOptions,
  f: (dataFile: string, files: SiteFiles) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function* () {
    const { data, files } = yield* siteData(project, resolve(project.dir, options.submissions))
    const scratch = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "videokr-site-")))
    return yield* Effect.gen(function* () {
      const dataFile = join(scratch, "site-data.json")
      yield* Effect.promise(() => writeFile(dataFile, JSON.stringify(data)))
      return yield* f(dataFile, files)
    }).pipe(Effect.ensuring(Effect.promise(() => rm(scratch, { recursive: true, force: true }))))
  })

/**
 * `videokr site build`: every submission checked and scored again, the dataset card made from the store,
 * the pages built statically by Astro into `out`, with the card's files under downloads/.
 */
export const buildSite = (
  project: Project,
  options: SiteOptions & { readonly quiet?: boolean }
): Effect.Effect<string, SiteError, CorpusStore.CorpusStore> =>
  withData(project, options, (dataFile, files) =>
    Effect.gen(function* () {
      const out = resolve(project.dir, options.out)
      const started = performance.now()
      // Astro's prerendering imports the site's packages from the output folder: it is built inside the
      // site's folder, then moved into place whole (a reader never sees half a site)
      const build = yield* Effect.promise(() => mkdtemp(join(siteDir, ".build-")))
      yield* Effect.gen(function* () {
        yield* astro(["build", "--outDir", build], dataFile, options.quiet ?? true)
        for (const [name, text] of Object.entries(files))
          yield* writeTextAtomic(join(build, "downloads", name), Stream.make(text))
        const staged = `${out}.${process.pid}.tmp`
        yield* Effect.promise(async () => {
          await rm(staged, { recursive: true, force: true })
          await cp(build, staged, { recursive: true })
          await rm(out, { recursive: true, force: true })
          await rename(staged, out)
        })
      }).pipe(Effect.ensuring(Effect.promise(() => rm(build, { recursive: true, force: true }))))
      const js = yield* Effect.promise(() => pageScriptBytes(out, "index.html"))
      yield* Console.log(
        `site built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${out} (open ${join(out, "index.html")}, or serve the folder)`
      )
      yield* Console.log(
        `leaderboard page: ${(js.bytes / 1024).toFixed(1)} KB of JavaScript compressed in ${js.files} file(s)`
      )
      return out
    })
  )

/** The JavaScript a built page loads (its islands' modules and what they import), gzip-compressed, in bytes. */
export const pageScriptBytes = async (site: string, page: string) => {
  const html = await readFile(join(site, page), "utf8")
  const assets = join(site, "_astro")
  const files = new Set((await readdir(assets).catch(() => [])).filter((f) => f.endsWith(".js")))
  const reached = new Set<string>()
  const visit = async (name: string): Promise<void> => {
    if (reached.has(name) || !files.has(name)) return
    reached.add(name)
    for (const m of (await readFile(join(assets, name), "utf8")).matchAll(/["'](?:\.\/|\/_astro\/)([^"']+\.js)["']/g))
      await visit(m[1]!)
  }
  for (const m of html.matchAll(/(?:component-url|renderer-url|src)="[^"]*\/_astro\/([^"]+\.js)"/g)) await visit(m[1]!)
  let bytes = 0
  for (const f of reached) bytes += gzipSync(await readFile(join(assets, f))).length
  return { bytes, files: reached.size }
}

/** `videokr site dev`: Astro's dev server over the project's data (rebuilt when the command is run again). */
export const devSite = (
  project: Project,
  options: SiteOptions
): Effect.Effect<void, SiteError, CorpusStore.CorpusStore> =>
  withData(project, options, (dataFile) =>
    astro(["dev", ...(options.port === undefined ? [] : ["--port", String(options.port)])], dataFile, false)
  )
