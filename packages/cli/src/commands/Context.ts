/**
 * What every command shares: the project it works on (--project, or found from the current folder), paths as the
 * user typed them, and command modules loaded only when their command runs.
 */
import { relative, resolve } from "node:path"
import { Effect, Option } from "effect"
import { Flag, GlobalFlag } from "effect/cli"
import { loadProject, type Project } from "@videokr/core"
import { readStoreLayer, writeStoreLayer } from "../LiveRun.ts"

/**
 * A command's implementation, loaded when that command runs: a command starts without the modules of
 * the others (model SDK adapters, filters, the evaluation tasks, the site builder), which would add a
 * few hundred milliseconds of CPU to every start.
 */
export const lazily = <M>(load: () => Promise<M>) => ({
  use: <A, E, R>(f: (module: M) => Effect.Effect<A, E, R>) => Effect.flatMap(Effect.promise(load), f)
})

/** `--project <dir>`, before or after the subcommand. */
export const ProjectFlag = GlobalFlag.Setting("project")({
  flag: Flag.String("project").pipe(
    Flag.withDescription(
      "the project folder (default: the nearest folder with videokr.config.ts, from the current one up)"
    ),
    Flag.optional
  )
})

/** The project the command works on: --project, or found from the current folder as git finds its repository. */
export const project = Effect.flatMap(ProjectFlag, (flag) =>
  Option.match(flag, {
    onNone: () => loadProject(process.cwd(), { search: true }),
    onSome: (dir) => loadProject(dir, { search: false })
  })
)

export const withProject = <A, E, R>(f: (p: Project) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(project, (p) => f(p).pipe(Effect.provide(writeStoreLayer(p))))

/** For commands that only read the corpus: they work during a run, reading through it. */
export const withReadProject = <A, E, R>(f: (p: Project) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(project, (p) => f(p).pipe(Effect.provide(readStoreLayer(p))))

/**
 * Paths the user types are relative to the folder they type them in (resolved here, so that the commands,
 * which resolve their configured paths against the project folder, receive them absolute).
 */
export const here = (path: string) => resolve(path)

export const hereOption = (path: Option.Option<string>) => Option.getOrUndefined(Option.map(path, here))

/** `name=path` specs (`--data task=folder`, `--corpus name=file`): the path part from the current folder. */
export const herePair = (spec: string) => {
  const at = spec.indexOf("=")
  return at > 0 ? `${spec.slice(0, at)}=${here(spec.slice(at + 1))}` : here(spec)
}

export const show = (path: string) => {
  const r = relative(process.cwd(), path)
  return r.startsWith("..") ? path : r || "."
}

/** A path as the user would type it in a shell (quoted when it needs to be). */
export const typed = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`)

export const commaList = (o: Option.Option<string>) =>
  Option.match(o, {
    onNone: () => [],
    onSome: (s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
  })

/** The response cache's flags of the commands that call paid models (`run`, `site judge`). */
export const cacheFlags = {
  noCache: Flag.Boolean("no-cache").pipe(
    Flag.withDescription("neither read nor write the response cache"),
    Flag.withDefault(false)
  ),
  refresh: Flag.Boolean("refresh").pipe(
    Flag.withDescription("ask the models again and overwrite their cached answers"),
    Flag.withDefault(false)
  )
}

/** The cache mode those flags ask for. */
export const cacheModeOf = (args: { readonly noCache: boolean; readonly refresh: boolean }) =>
  args.noCache ? ("off" as const) : args.refresh ? ("refresh" as const) : ("use" as const)
