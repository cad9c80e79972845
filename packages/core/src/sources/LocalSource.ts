import { parse as parseCsv } from "csv-parse/sync"
import picomatch from "picomatch"
import { createHash } from "node:crypto"
import { readdir, readFile, stat } from "node:fs/promises"
import { basename, extname, join, relative, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import { Media, type MediaError } from "../Media.ts"
import type { Video } from "../Video.ts"
import { type SourceFile, type VideoCandidate, SourceError, type VideoSourceShape } from "../VideoSource.ts"

/**
 * The `local` source: a folder (or a glob under it) of video files the user owns or has licensed, with an optional sidecar
 * (JSONL or CSV, one row per file: file, title, description, tags, license, channel, knowledge_point_id)
 * so that the whole pipeline runs offline. Files are probed (duration, and to refuse what is not a
 * video); search matches the query's words against titles, descriptions, tags and file names.
 */
export interface LocalSourceOptions {
  readonly root: string
  /** a glob under the root, e.g. "lectures/**\/*.mp4" (default: every file with a video extension) */
  readonly glob?: string | undefined
  /** file extensions taken as videos (default .mp4 .mkv .webm .mov .avi .m4v) */
  readonly extensions?: ReadonlyArray<string> | undefined
  readonly sidecar?: string | undefined
  /** the license of files the sidecar does not name one for */
  readonly defaultLicense?: string | undefined
}

export interface LocalScan {
  readonly candidates: ReadonlyArray<VideoCandidate>
  /** every file looked at (the sidecar aside), taken or skipped, with why */
  readonly files: ReadonlyArray<SourceFile>
  /** the folder's files with their sizes and times, and the sidecar's: changes when either does */
  readonly revision: string
}

type SidecarRow = {
  file: string
  title?: string
  description?: string
  tags?: string | Array<string>
  license?: string
  channel?: string
  knowledge_point_id?: string
}

const parseSidecar = (path: string, text: string): Map<string, SidecarRow> => {
  const rows: Array<SidecarRow> =
    extname(path).toLowerCase() === ".csv"
      ? (parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Array<SidecarRow>)
      : text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as SidecarRow)
  return new Map(rows.map((r) => [r.file, r]))
}

const stampOf = async (path: string) => {
  const s = await stat(path)
  return `${s.size}:${Math.trunc(s.mtimeMs)}`
}

const walk = async (dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) {
      if (!d.name.startsWith(".")) out.push(...(await walk(join(dir, d.name))))
    } else out.push(join(dir, d.name))
  }
  return out
}

export const scanLocal = (options: LocalSourceOptions) =>
  Effect.gen(function* () {
    const media = yield* Media
    const root = resolve(options.root)
    const extensions = new Set(
      (options.extensions ?? [".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v"]).map((e) => e.toLowerCase())
    )
    const fail = (item: string) => (e: unknown) =>
      new SourceError({ source: "local", item, reason: e instanceof Error ? e.message : String(e) })
    const sidecarPath = options.sidecar === undefined ? undefined : resolve(options.sidecar)
    // read once: its rows name the files, and its text is part of the revision
    const sidecarText =
      sidecarPath === undefined
        ? ""
        : yield* Effect.tryPromise({ try: () => readFile(sidecarPath, "utf8"), catch: fail(sidecarPath) })
    const sidecar =
      sidecarPath === undefined
        ? new Map<string, SidecarRow>()
        : yield* Effect.try({ try: () => parseSidecar(sidecarPath, sidecarText), catch: fail(sidecarPath) })
    const matches = options.glob === undefined ? undefined : picomatch(options.glob, { dot: false })
    const all = (yield* Effect.tryPromise({ try: () => walk(root), catch: fail(root) }))
      .filter((f) => f !== sidecarPath)
      .sort()
    const stamps = new Map<string, string>()
    for (const file of all) stamps.set(file, yield* Effect.tryPromise({ try: () => stampOf(file), catch: fail(file) }))
    const taken = (f: string) => (matches ? matches(relative(root, f)) : extensions.has(extname(f).toLowerCase()))
    const files = all.filter(taken)
    const looked: Array<SourceFile> = all
      .filter((f) => !taken(f))
      .map((f) => ({
        id: `local:${relative(root, f)}`,
        path: f,
        decision: "drop" as const,
        reason: matches
          ? `skipped: not matched by the source's glob "${options.glob}"`
          : `skipped: not a video file name (the local source takes ${[...extensions].join(" ")}; pipeline.sources[].glob chooses others)`,
        stamp: stamps.get(f)!
      }))
    const candidates: Array<VideoCandidate> = []
    for (const file of files) {
      const rel = relative(root, file)
      const probed = yield* Effect.result(media.probe(file))
      if (probed._tag === "Failure") {
        const e = probed.failure as MediaError
        // the id names the file: ffprobe's own mention of it is left out
        looked.push({
          id: `local:${rel}`,
          path: file,
          decision: "drop",
          reason: `not a readable video (${e.kind}): ${e.reason.replaceAll(`${file}: `, "")}`,
          stamp: stamps.get(file)!
        })
        continue
      }
      const meta = sidecar.get(rel) ?? sidecar.get(basename(file))
      const tags =
        typeof meta?.tags === "string"
          ? meta.tags
              .split(/[;,]/)
              .map((t) => t.trim())
              .filter(Boolean)
          : meta?.tags
      const video: Video = {
        id: `local:${rel}`,
        source: "local",
        source_id: rel,
        url: pathToFileURL(file).href,
        license: meta?.license ?? options.defaultLicense ?? "unknown",
        duration: probed.success.duration,
        title: meta?.title ?? basename(file, extname(file)),
        ...(meta?.description ? { description: meta.description } : {}),
        ...(tags ? { tags } : {}),
        ...(meta?.channel ? { channel: meta.channel } : {}),
        ...(meta?.knowledge_point_id ? { knowledge_point_id: meta.knowledge_point_id } : {})
      }
      candidates.push({ video, localPath: file })
      looked.push({
        id: video.id,
        path: file,
        decision: "keep",
        reason: `a video of ${video.duration.toFixed(1)} s, license ${video.license}`,
        stamp: stamps.get(file)!
      })
    }
    const revision = createHash("sha256")
      .update(JSON.stringify([[...stamps].map(([f, s]) => [relative(root, f), s]), sidecarText]))
      .digest("hex")
      .slice(0, 16)
    return { candidates, files: looked.sort((a, b) => a.id.localeCompare(b.id)), revision } satisfies LocalScan
  })

const words = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 2)
  )

/** The source: scanned once, searched by word overlap; "download" is the file where it is. */
export const makeLocalSource = (options: LocalSourceOptions) =>
  Effect.map(scanLocal(options), (scan): VideoSourceShape & { readonly scan: LocalScan } => ({
    id: "local",
    scan,
    revision: scan.revision,
    files: scan.files,
    search: (query, { limit }) =>
      Effect.sync(() => {
        const q = words(query)
        return scan.candidates
          .map((c) => {
            const v = c.video
            const w = words([v.title, v.description ?? "", ...(v.tags ?? []), v.source_id].join(" "))
            return { c, score: [...q].filter((x) => w.has(x)).length }
          })
          .filter((x) => x.score > 0)
          .sort((a, b) => b.score - a.score || a.c.video.id.localeCompare(b.c.video.id))
          .slice(0, limit)
          .map((x) => x.c)
      }),
    download: (candidate) =>
      candidate.localPath === undefined
        ? Effect.fail(new SourceError({ source: "local", item: candidate.video.id, reason: "no local file" }))
        : Effect.tryPromise({
            try: () => stat(candidate.localPath!).then(() => candidate.localPath!),
            catch: (e) => new SourceError({ source: "local", item: candidate.video.id, reason: String(e) })
          })
  }))
