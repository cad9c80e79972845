import { DuckDBInstance } from "@duckdb/node-api"
import { readdir, readFile } from "node:fs/promises"
import { basename, extname, join } from "node:path"
import { Effect } from "effect"
import { FileError, reasonOf } from "./Errors.ts"
import {
  type Fingerprint,
  findNearDuplicates,
  type NearDuplicateOptions,
  type NearDuplicatePair
} from "./NearDuplicates.ts"
import type { Video } from "./Video.ts"

/**
 * Contamination with evaluation benchmarks: corpus videos whose YouTube id occurs in a benchmark's
 * metadata (URLs, ids, video file names) are dropped, and corpus videos near-duplicate to a benchmark
 * video's fingerprint are flagged.
 */
const urlPattern =
  /(?:youtube(?:-nocookie)?\.com\/(?:watch\?(?:[^\s"'<>]*?&)?v=|shorts\/|embed\/|v\/|live\/)|youtu\.be\/)([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])/g

/**
 * A bare 11-character token counts as a YouTube id only when it looks random: it has a digit, a "-", or
 * an upper case letter after the first character; so words ("experiments") and snake_case field names
 * ("question_id") do not. Ids made only of lower case letters and "_" are missed
 * when bare (about 1 in 10,000); in URLs every id is found.
 */
const looksLikeId = (token: string) => /^[A-Za-z0-9_-]{11}$/.test(token) && /[0-9-]|.[A-Z]/.test(token)

/** YouTube ids in free text: every URL form, and fields or tokens that are ids themselves. */
export const youtubeIdsInText = (text: string): Set<string> => {
  const ids = new Set<string>()
  for (const m of text.matchAll(urlPattern)) ids.add(m[1]!)
  for (const m of text.matchAll(/(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])/g))
    if (looksLikeId(m[1]!)) ids.add(m[1]!)
  return ids
}

/** A YouTube id in a video file name: "<id>.mp4", "<id>_<start>_<end>.mp4" or "v_<id>.mp4" (ActivityNet style). */
export const youtubeIdInFileName = (path: string): string | undefined => {
  const m = /^(?:v_)?([A-Za-z0-9_-]{11})(?:$|[_.])/.exec(basename(path, extname(path)))
  return m !== null && looksLikeId(m[1]!) ? m[1] : undefined
}

/** The rows of a parquet file as JSON texts, one per row (DuckDB's to_json: lists, structs and numbers as JSON has them). */
export const parquetRowsAsJson = async (path: string): Promise<Array<string>> => {
  const instance = await DuckDBInstance.create(":memory:")
  const c = await instance.connect()
  try {
    const reader = await c.runAndReadAll(
      `SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${path.replaceAll("'", "''")}') t`
    )
    return reader.getRowObjectsJS().map((r) => r.j as string)
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}

/**
 * The YouTube ids of a benchmark: from its metadata files (JSON, JSONL, CSV, TSV, TXT, parquet) and the
 * names of its video files, searched recursively under `paths`. Where each id was seen is kept.
 */
export const benchmarkYoutubeIds = (paths: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: async () => {
      const found = new Map<string, string>()
      const note = (id: string, where: string) => (found.has(id) ? undefined : found.set(id, where))
      const visit = async (path: string): Promise<void> => {
        const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined)
        if (entries !== undefined) {
          for (const e of entries) await visit(join(path, e.name))
          return
        }
        const ext = extname(path).toLowerCase()
        if ([".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v"].includes(ext)) {
          const id = youtubeIdInFileName(path)
          if (id !== undefined) note(id, path)
        } else if ([".json", ".jsonl", ".csv", ".tsv", ".txt"].includes(ext)) {
          for (const id of youtubeIdsInText(await readFile(path, "utf8"))) note(id, path)
        } else if (ext === ".parquet") {
          for (const id of youtubeIdsInText((await parquetRowsAsJson(path)).join("\n"))) note(id, path)
        }
      }
      for (const p of paths) await visit(p)
      return found
    },
    catch: (e) => new FileError({ path: paths.join(", "), operation: "read benchmark metadata", reason: reasonOf(e) })
  })

/** The YouTube id of a corpus video: its source id for the youtube source, else one in its URL. */
export const youtubeIdOf = (video: Pick<Video, "source" | "source_id" | "url">): string | undefined =>
  video.source === "youtube" ? video.source_id : [...youtubeIdsInText(video.url)].find((id) => video.url.includes(id))

export interface ContaminatedVideo {
  readonly videoId: string
  readonly youtubeId: string
  /** where the id was found in the benchmark */
  readonly seenIn: string
}

/** Corpus videos whose YouTube id a benchmark uses. */
export const contaminatedById = (
  videos: ReadonlyArray<Pick<Video, "id" | "source" | "source_id" | "url">>,
  benchmarkIds: ReadonlyMap<string, string>
): Array<ContaminatedVideo> =>
  videos.flatMap((v) => {
    const yt = youtubeIdOf(v)
    const seenIn = yt === undefined ? undefined : benchmarkIds.get(yt)
    return yt !== undefined && seenIn !== undefined ? [{ videoId: v.id, youtubeId: yt, seenIn }] : []
  })

/** Corpus videos near-duplicate to a benchmark video (pairs with `a` the corpus video, `b` the benchmark's). */
export const nearDuplicatesOfBenchmark = (
  corpus: ReadonlyArray<Fingerprint>,
  benchmark: ReadonlyArray<Fingerprint>,
  options: NearDuplicateOptions
): Array<NearDuplicatePair> => {
  const all = [
    ...corpus.map((f) => ({ ...f, id: `c\u0000${f.id}` })),
    ...benchmark.map((f) => ({ ...f, id: `b\u0000${f.id}` }))
  ]
  return findNearDuplicates(all, options)
    .filter((p) => p.a.startsWith("c\u0000") && p.b.startsWith("b\u0000"))
    .map((p) => ({ ...p, a: p.a.slice(2), b: p.b.slice(2) }))
}
