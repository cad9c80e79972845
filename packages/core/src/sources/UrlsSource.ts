import { parse as parseCsv } from "csv-parse/sync"
import { createHash } from "node:crypto"
import { createWriteStream } from "node:fs"
import { mkdir, readFile, rename, stat } from "node:fs/promises"
import { basename, extname, join } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Effect } from "effect"
import type { Video } from "../Video.ts"
import { SourceError, sourceError, type VideoCandidate, type VideoSourceShape } from "../VideoSource.ts"

/**
 * The `urls` source: a list (JSONL or CSV: url, license, and optionally title, description, tags,
 * duration, knowledge_point_id) of direct video URLs. Downloads go over HTTP into "<id>.part" and resume
 * from where they stopped with a Range request; the file is renamed into place when complete.
 */
export interface UrlsSourceOptions {
  readonly list: string
  /** attempts per download, each resuming the last (default 5) */
  readonly attempts?: number | undefined
}

type Row = {
  url: string
  license?: string
  title?: string
  description?: string
  tags?: string | Array<string>
  duration?: number | string
  knowledge_point_id?: string
}

const idOf = (url: string) => createHash("sha256").update(url).digest("hex").slice(0, 16)

export const readUrlList = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      const text = await readFile(path, "utf8")
      const rows: Array<Row> =
        extname(path).toLowerCase() === ".csv"
          ? (parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Array<Row>)
          : text
              .split("\n")
              .filter((l) => l.trim() !== "")
              .map((l) => JSON.parse(l) as Row)
      return rows.map((r, i): VideoCandidate => {
        if (!r.url || !/^https?:\/\//.test(r.url))
          throw new Error(`line ${i + 1}: field "url": expected an http(s) URL, got ${JSON.stringify(r.url)}`)
        if (!r.license)
          throw new Error(`line ${i + 1}: field "license": required (the license the video is used under)`)
        const tags =
          typeof r.tags === "string"
            ? r.tags
                .split(/[;,]/)
                .map((t) => t.trim())
                .filter(Boolean)
            : r.tags
        const video: Video = {
          id: `urls:${idOf(r.url)}`,
          source: "urls",
          source_id: idOf(r.url),
          url: r.url,
          license: r.license,
          duration: Number(r.duration ?? 0),
          title: r.title ?? basename(new URL(r.url).pathname),
          ...(r.description ? { description: r.description } : {}),
          ...(tags && tags.length > 0 ? { tags } : {}),
          ...(r.knowledge_point_id ? { knowledge_point_id: r.knowledge_point_id } : {})
        }
        return { video }
      })
    },
    catch: (e) => new SourceError({ source: "urls", item: path, reason: e instanceof Error ? e.message : String(e) })
  })

export interface DownloadOptions {
  /** attempts, each resuming the last (default 5) */
  readonly attempts?: number | undefined
  /** the source named in errors (default "urls") */
  readonly source?: string | undefined
  /** headers of every request (a User-Agent a site's policy asks for) */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * Downloads `url` to `target`, resuming a partial "<target>.part" with a Range request; a file already at
 * `target` is complete (it is renamed there only when whole) and is not fetched again.
 */
export const downloadResumable = (url: string, target: string, options: DownloadOptions = {}) =>
  Effect.tryPromise({
    try: async () => {
      if (
        await stat(target).then(
          (s) => s.isFile(),
          () => false
        )
      )
        return target
      const part = `${target}.part`
      let lastError: unknown
      for (let attempt = 0; attempt < (options.attempts ?? 5); attempt++) {
        const have = await stat(part).then(
          (s) => s.size,
          () => 0
        )
        try {
          const response = await fetch(url, {
            headers: { ...options.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }
          })
          if (response.status === 416) break // nothing left to fetch: the part is complete
          if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status} ${response.statusText}`)
          // 206: the server resumed; 200: it sent the whole file again, so start over
          const append = response.status === 206 && have > 0
          await pipeline(
            Readable.fromWeb(response.body as never),
            createWriteStream(part, { flags: append ? "a" : "w" })
          )
          const expected = Number(response.headers.get("content-length") ?? NaN) + (append ? have : 0)
          const size = (await stat(part)).size
          if (Number.isFinite(expected) && size < expected)
            throw new Error(`transfer ended at ${size} of ${expected} bytes`)
          lastError = undefined
          break
        } catch (e) {
          lastError = e
          // a file that is gone (404) or refused (403) stays so: only a fault of the moment is tried again
          if (sourceError(options.source ?? "urls", url, e).transient !== true) break
        }
      }
      if (lastError !== undefined) throw lastError
      await rename(part, target)
      return target
    },
    catch: (e) => sourceError(options.source ?? "urls", url, e)
  })

export const makeUrlsSource = (options: UrlsSourceOptions) =>
  Effect.map(
    readUrlList(options.list),
    (candidates): VideoSourceShape & { readonly candidates: ReadonlyArray<VideoCandidate> } => ({
      id: "urls",
      candidates,
      // a list has no search engine: every listed video is a candidate for every query
      search: (_query, { limit }) => Effect.succeed(candidates.slice(0, limit)),
      download: (candidate, dir) =>
        Effect.flatMap(
          Effect.promise(() => mkdir(dir, { recursive: true })),
          () =>
            downloadResumable(
              candidate.video.url,
              join(dir, `${candidate.video.source_id}${extname(new URL(candidate.video.url).pathname) || ".mp4"}`),
              { attempts: options.attempts }
            )
        )
    })
  )
