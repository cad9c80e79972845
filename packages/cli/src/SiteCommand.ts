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
  IncompleteRun,
  type InputError,
  loadPlugins,
  type Project,
  type StoreError,
  subjectDisciplines,
  UsageError,
  writeTextAtomic
} from "@videokr/core"
import {
  boardTaskMap,
  diffVerdicts,
  eachSubmission,
  judgeableOutputs,
  judgePromptVersion,
  judgeSubmission,
  projectDocuments,
  readVerdicts,
  rescoreSubmission
} from "@videokr/eval"
import { middlewareLayerFor } from "@videokr/providers"
import { modelSession } from "./ModelSession.ts"
import { table } from "./Output.ts"
import type { TaskDataError } from "@videokr/eval"
import { siteData, type SiteFiles, verdictsDirOf } from "@videokr/eval"

/** The Astro site of the repository (sites/leaderboard). */
export const siteDir = fileURLToPath(new URL("../../../sites/leaderboard/", import.meta.url))

const astroBin = () =>
  join(createRequire(join(siteDir, "package.json")).resolve("astro/package.json"), "..", "bin", "astro.mjs")

export interface SiteOptions {
  /** submission folders (submissions/<org>/<model>/) */
  readonly submissions: string
  /** the board judge's verdicts (default: site.verdicts, else verdicts/ in the project) */
  readonly verdicts?: string | undefined
  /** the built site (build) */
  readonly out: string
  /**
   * the path the site is served under (Astro's base), e.g. "/board/" for a GitHub Pages project site at
   * https://<org>.github.io/board/; default "/"
   */
  readonly base?: string | undefined
  readonly port?: number | undefined
}

/** What can stop a build: a submission or the corpus that cannot be read, a task's data, the store. */
export type SiteError = FileError | InputError | StoreError | TaskDataError

const astro = (args: ReadonlyArray<string>, dataFile: string, quiet: boolean, base?: string) =>
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
            VIDEOKR_SITE_BASE: base ?? "/",
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
    const { data, files } = yield* siteData(
      project,
      resolve(project.dir, options.submissions),
      options.verdicts === undefined ? verdictsDirOf(project) : resolve(project.dir, options.verdicts)
    )
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
        yield* astro(["build", "--outDir", build], dataFile, options.quiet ?? true, options.base)
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

export interface JudgeSiteOptions {
  readonly submissions: string
  readonly verdicts: string | undefined
  /** the judge model (default: site.judge) */
  readonly judge: string | undefined
  /** ask again what already has a verdict (e.g. into another --verdicts folder, to compare) */
  readonly again: boolean
  readonly concurrency: number | undefined
  readonly cache: "use" | "refresh" | "off"
}

/**
 * `videokr site judge`: the open-ended outputs of every submission judged by the board's pinned judge,
 * verdicts stored beside the submissions. Every submission is checked as the build checks it first. Ends
 * with IncompleteRun (exit 3) when transient failures left outputs unjudged: the same command finishes them.
 */
export const judgeSite = (project: Project, options: JudgeSiteOptions) =>
  Effect.gen(function* () {
    const judge = options.judge ?? project.config.site?.judge
    if (judge === undefined)
      return yield* new UsageError({
        reason:
          "no judge: pin the board's judge with site.judge in videokr.config.ts (a dated model id), or name one with --judge"
      })
    const submissionsDir = resolve(project.dir, options.submissions)
    const verdictsDir = options.verdicts === undefined ? verdictsDirOf(project) : resolve(project.dir, options.verdicts)
    const stored = yield* readVerdicts(verdictsDir)
    const documentsOf = projectDocuments(project)
    const disciplines = yield* subjectDisciplines
    const plugins = yield* loadPlugins(project)
    const session = yield* modelSession(project, plugins, options.cache)
    const now = new Date().toISOString()
    const out = process.stderr
    const summaries = yield* eachSubmission(submissionsDir, (loaded, where) =>
      Effect.gen(function* () {
        // a submission the build would refuse is refused here too, before anything is paid for
        yield* rescoreSubmission(loaded, boardTaskMap, documentsOf, disciplines)
        const items = yield* judgeableOutputs(loaded, boardTaskMap, documentsOf, judge)
        return yield* judgeSubmission(where, items, stored, {
          judge,
          verdictsDir,
          again: options.again,
          concurrency: options.concurrency ?? project.config.eval?.concurrency ?? 8,
          now: () => now,
          onProgress: (p) => {
            if (out.isTTY)
              out.write(
                `\r\x1b[2K${p.submission}: ${p.done} of ${p.total} judged${p.pending > 0 ? `, ${p.pending} waiting after transient failures` : ""}`
              )
          }
        }).pipe(Effect.provide(session.services), Effect.ensuring(Effect.orDie(session.calls.flush)))
      }).pipe(Effect.tap(() => Effect.sync(() => (out.isTTY ? out.write("\n") : undefined))))
    )
    yield* Effect.orDie(session.calls.close)
    yield* Console.log(
      table(
        ["submission", "to judge", "judged before", "asked now", "failed", "pending"],
        summaries.map((s) => [s.submission, s.judgeable, s.stored, s.asked, s.failed, s.pending])
      )
    )
    const asked = summaries.reduce((n, s) => n + s.asked, 0)
    yield* Console.log(
      `judge ${judge}, prompt version ${judgePromptVersion}: ${asked} verdict(s) written under ${verdictsDir}`
    )
    const pending = summaries.reduce((n, s) => n + s.pending, 0)
    if (pending > 0)
      return yield* new IncompleteRun({
        what: summaries
          .filter((s) => s.pending > 0)
          .map((s) => `${s.pending} output(s) of ${s.submission}`)
          .join(", "),
        pending,
        hint: "run `videokr site judge` again once the judge answers"
      })
  }).pipe(Effect.provide(middlewareLayerFor(project.config.models)))

/** `videokr site judge diff <a> <b>`: two judgings compared on the same outputs. */
export const diffJudgings = (a: string, b: string) =>
  Effect.gen(function* () {
    const [va, vb] = [yield* readVerdicts(a), yield* readVerdicts(b)]
    const d = diffVerdicts(va.byKey, vb.byKey)
    if (d.differing.length > 0)
      yield* Console.log(
        table(
          ["task", "document", "submission", `${a}`, `${b}`],
          d.differing.map(({ a: x, b: y }) => [
            x.task,
            x.id,
            x.submission,
            `${x.verdict} (${x.judge})`,
            `${y.verdict} (${y.judge})`
          ])
        )
      )
    const agree = d.both - d.differing.length
    yield* Console.log(
      `${d.both} output(s) judged in both: ${agree} agree${d.both === 0 ? "" : ` (${((agree / d.both) * 100).toFixed(1)}%)`}, ${d.differing.length} differ; ${d.onlyA} only in ${a}, ${d.onlyB} only in ${b}`
    )
    return d
  })
