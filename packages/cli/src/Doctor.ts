import { execFile } from "node:child_process"
import { statfs } from "node:fs/promises"
import { DuckDBInstance } from "@duckdb/node-api"
import { Console, Effect, Option, Schema } from "effect"
import { Media, type Project } from "@videokr/core"
import { table } from "./Output.ts"

/**
 * `videokr doctor`: what this machine has for videokr. ffmpeg/ffprobe (versions, decoders), DuckDB and
 * Node are required; yt-dlp only for the youtube source; provider keys are reported present or absent,
 * never their values.
 */
export class DoctorFailed extends Schema.TaggedError<DoctorFailed>()("DoctorFailed", {
  missing: Schema.Array(Schema.String)
}) {
  override get message() {
    return `missing: ${this.missing.join(", ")}`
  }
}

const run = (file: string, args: Array<string>) =>
  new Promise<string>((resolve, reject) =>
    execFile(file, args, { timeout: 10_000 }, (e, out) => (e ? reject(e) : resolve(out)))
  )

export const doctor = (project: Option.Option<Project>) =>
  Effect.gen(function* () {
    const rows: Array<[string, string, string]> = []
    const missing: Array<string> = []
    const check = (name: string, ok: boolean, detail: string, required: boolean) => {
      rows.push([name, ok ? "ok" : required ? "MISSING" : "absent", detail])
      if (!ok && required) missing.push(name)
    }
    // how this Node runs: the launcher's flags and environment (bin/node-flags.json), or the user's own
    const runtime = [
      ...process.execArgv.filter((a) => !/^--(conditions|disable-warning)=/.test(a)),
      ...(process.env.MALLOC_ARENA_MAX === undefined ? [] : [`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}`])
    ]
    check("node", true, runtime.length === 0 ? process.version : `${process.version} (${runtime.join(" ")})`, true)
    const dir = Option.match(project, { onNone: () => process.cwd(), onSome: (p) => p.dir })
    const media = yield* Media.Media
    const versions = yield* Effect.result(media.versions)
    if (versions._tag === "Success") {
      check("ffmpeg", true, versions.success.ffmpeg, true)
      check("ffprobe", true, versions.success.ffprobe, true)
      const decoders = yield* Effect.promise(() =>
        run(media.binaries.ffmpeg, ["-hide_banner", "-decoders"]).catch(() => "")
      )
      const has = (codec: string) => new RegExp(`^\\s*V\\S*\\s+${codec}\\s`, "m").test(decoders)
      const codecs = ["h264", "hevc", "vp9", "av1", "libdav1d"].filter(has)
      check("video decoders", codecs.includes("h264"), codecs.join(", ") || "none found", true)
    } else {
      check("ffmpeg / ffprobe", false, versions.failure.message, true)
    }
    const duck = yield* Effect.promise(async () => {
      const instance = await DuckDBInstance.create(":memory:")
      const c = await instance.connect()
      const v = (await c.runAndReadAll("SELECT version() AS v")).getRowObjectsJS()[0]!.v as string
      c.closeSync()
      instance.closeSync()
      return v
    }).pipe(Effect.result)
    check(
      "duckdb",
      duck._tag === "Success",
      duck._tag === "Success" ? duck.success : "cannot open an in-memory database",
      true
    )
    const ytdlp = process.env.VIDEOKR_YTDLP ?? "yt-dlp"
    const yt = yield* Effect.promise(() =>
      run(ytdlp, ["--version"])
        .then((v) => v.trim())
        .catch(() => undefined)
    )
    check(
      "yt-dlp",
      yt !== undefined,
      yt ?? `not found as "${ytdlp}" (only the youtube source needs it; set VIDEOKR_YTDLP)`,
      false
    )
    const fs = yield* Effect.promise(() => statfs(dir).catch(() => undefined))
    if (fs !== undefined) {
      const free = (fs.bavail * fs.bsize) / 2 ** 30
      check("disk space", free >= 1, `${free.toFixed(1)} GiB free in ${dir}`, true)
    }
    const keyVars = new Set(["OPENAI_API_KEY", "ANTHROPIC_API_KEY"])
    Option.map(project, (p) =>
      Object.values(p.config.models?.providers ?? {}).forEach((s) => s.apiKeyEnv && keyVars.add(s.apiKeyEnv))
    )
    for (const v of keyVars) check(v, Boolean(process.env[v]), process.env[v] ? "set" : "not set", false)
    yield* Console.log(table(["check", "status", "detail"], rows))
    if (missing.length > 0) return yield* new DoctorFailed({ missing })
  })
