import { mkdir, rm } from "node:fs/promises"
import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { extname, join } from "node:path"
import { Effect, Option, Schema } from "effect"
import {
  downloadResumable,
  SourceError,
  sourceError,
  type Video,
  type VideoCandidate,
  type VideoSourceShape
} from "@videokr/core"

/**
 * Creative-Commons videos from Wikimedia Commons, through the MediaWiki Action API: one request per page
 * of results finds the files (`generator=search` over `filetype:video`) with their size, duration,
 * SHA-1 and CommonsMetadata (license, author, description); a download asks the API for the file's
 * current address, fetches it resumably and checks its size and SHA-1. Requests carry the descriptive
 * User-Agent Wikimedia's policy asks for, go one at a time, and pass `maxlag=5`; a maxlag refusal is
 * waited out as its Retry-After says, a 429 or 5xx is a fault of the moment (the item is asked again).
 */
export interface CommonsOptions {
  /** how Wikimedia can reach whoever runs this (a URL or an email), sent in the User-Agent */
  readonly contact: string
  /** the MediaWiki API (default https://commons.wikimedia.org/w/api.php) */
  readonly api?: string | undefined
  /** pages of search results read at most per query (default 3) */
  readonly pages?: number | undefined
  /** download attempts, each resuming the last (default 5) */
  readonly attempts?: number | undefined
}

export const defaultApi = "https://commons.wikimedia.org/w/api.php"
const version = "0.1.0"
const source = "commons"

// formatversion=2: pages is an array (not in rank order: `index` is the rank), booleans are booleans;
// an empty extmetadata is [] (PHP's empty array), so both shapes are accepted
const Meta = Schema.Union([
  Schema.Record(Schema.String, Schema.Struct({ value: Schema.Unknown })),
  Schema.Array(Schema.Unknown)
])
const VideoInfo = Schema.Struct({
  url: Schema.String,
  descriptionurl: Schema.optionalKey(Schema.String),
  size: Schema.optionalKey(Schema.Finite),
  duration: Schema.optionalKey(Schema.Finite),
  sha1: Schema.optionalKey(Schema.String),
  mime: Schema.optionalKey(Schema.String),
  mediatype: Schema.optionalKey(Schema.String),
  extmetadata: Schema.optionalKey(Meta)
})
type VideoInfo = typeof VideoInfo.Type
const Page = Schema.Struct({
  pageid: Schema.optionalKey(Schema.Finite),
  title: Schema.optionalKey(Schema.String),
  index: Schema.optionalKey(Schema.Finite),
  missing: Schema.optionalKey(Schema.Boolean),
  videoinfo: Schema.optionalKey(Schema.Array(VideoInfo))
})
const Answer = Schema.Struct({
  error: Schema.optionalKey(Schema.Struct({ code: Schema.String, info: Schema.optionalKey(Schema.String) })),
  continue: Schema.optionalKey(Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite]))),
  query: Schema.optionalKey(Schema.Struct({ pages: Schema.optionalKey(Schema.Array(Page)) }))
})
type Answer = typeof Answer.Type
const decodeAnswer = Schema.decodeUnknownOption(Answer)

const metadataKeys = [
  "ObjectName",
  "ImageDescription",
  "Artist",
  "LicenseShortName",
  "LicenseUrl",
  "License",
  "Categories",
  "NonFree"
]

/** Text of CommonsMetadata's HTML (author links, descriptions): hidden parts dropped, tags stripped, entities decoded. */
export const plainText = (html: string): string =>
  html
    .replace(/<(div|span)[^>]*display:\s*none[^>]*>[\s\S]*?<\/\1>/gi, "")
    .replace(/<[^>]+>/g, "")
    .replace(
      /&(amp|lt|gt|quot|#39|nbsp);/g,
      (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " })[e] ?? ""
    )
    .replace(/\s+/g, " ")
    .trim()

const metaOf = (info: VideoInfo): Record<string, string> => {
  const meta = info.extmetadata
  if (meta === undefined || Array.isArray(meta)) return {}
  return Object.fromEntries(
    Object.entries(meta as Record<string, { value: unknown }>).map(([k, v]) => [k, plainText(String(v.value ?? ""))])
  )
}

/**
 * The license as the file page states it ("CC BY-SA 4.0", "Public domain"), from LicenseShortName, else
 * CommonsMetadata's normalised code; "unknown" when the page gives none. The pipeline's license gate
 * (pipeline.gates.licenses) decides what is taken; a non-free file says so.
 */
export const licenseOf = (meta: Record<string, string>): string => {
  if (meta.NonFree !== undefined && meta.NonFree !== "" && meta.NonFree.toLowerCase() !== "false")
    return `non-free (${meta.LicenseShortName || "no license"})`
  return meta.LicenseShortName || meta.License || "unknown"
}

const titleOf = (pageTitle: string | undefined, meta: Record<string, string>) =>
  meta.ObjectName || (pageTitle ?? "").replace(/^File:/, "").replace(/\.[a-z0-9]+$/i, "")

const videoOf = (page: typeof Page.Type, info: VideoInfo): Video => {
  const meta = metaOf(info)
  const categories = (meta.Categories ?? "")
    .split("|")
    .map((c) => c.trim())
    .filter(Boolean)
  return {
    id: `${source}:${page.pageid}`,
    source,
    source_id: String(page.pageid),
    url: info.descriptionurl ?? `https://commons.wikimedia.org/w/index.php?curid=${page.pageid}`,
    license: licenseOf(meta),
    duration: info.duration ?? 0,
    title: titleOf(page.title, meta),
    ...(meta.ImageDescription ? { description: meta.ImageDescription } : {}),
    ...(categories.length > 0 ? { tags: categories } : {}),
    ...(meta.Artist ? { channel: meta.Artist } : {})
  }
}

const isVideo = (info: VideoInfo) =>
  info.mediatype === "VIDEO" || (info.mediatype === undefined && (info.mime ?? "").startsWith("video/"))

const sha1Of = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash("sha1")
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject)
  })

export const makeCommonsSource = (options: CommonsOptions): VideoSourceShape => {
  if (typeof options.contact !== "string" || options.contact.trim() === "") {
    throw new Error(
      `option "contact" is required: a URL or an email where Wikimedia can reach you (their User-Agent policy; requests without one are refused)`
    )
  }
  const api = options.api ?? defaultApi
  const headers = {
    "user-agent": `videokr-plugin-commons/${version} (${options.contact}) node/${process.versions.node}`,
    "accept-encoding": "gzip"
  }

  /** One API request; a maxlag refusal is waited out (Retry-After) up to three times. */
  const ask = (params: Record<string, string>, item: string): Effect.Effect<Answer, SourceError> =>
    Effect.gen(function* () {
      const url = `${api}?${new URLSearchParams({ action: "query", format: "json", formatversion: "2", maxlag: "5", ...params })}`
      for (let attempt = 0; ; attempt++) {
        const response = yield* Effect.tryPromise({
          try: () => fetch(url, { headers }),
          catch: (e) => sourceError(source, item, e)
        })
        const text = yield* Effect.tryPromise({
          try: () => response.text(),
          catch: (e) => sourceError(source, item, e)
        })
        if (!response.ok)
          return yield* Effect.fail(
            sourceError(source, item, new Error(`HTTP ${response.status} ${response.statusText}`))
          )
        const answer = Option.getOrUndefined(decodeAnswer(safeJson(text)))
        if (answer === undefined)
          return yield* new SourceError({
            source,
            item,
            reason: `the API answered with something that is not its JSON: ${text.slice(0, 80)}`,
            transient: true
          })
        if (answer.error?.code === "maxlag" && attempt < 3) {
          yield* Effect.sleep(Math.min(Number(response.headers.get("retry-after") ?? 5), 30) * 1000)
          continue
        }
        if (answer.error !== undefined) {
          // maxlag and ratelimited are the site's load, not the query's
          const transient = ["maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"].includes(
            answer.error.code
          )
          return yield* new SourceError({
            source,
            item,
            reason: `API error ${answer.error.code}: ${answer.error.info ?? ""}`,
            ...(transient ? { transient: true } : {})
          })
        }
        return answer
      }
    })

  const search = (query: string, { limit }: { readonly limit: number }) =>
    Effect.gen(function* () {
      const found: Array<VideoCandidate> = []
      let next: Record<string, string> = {}
      for (let page = 0; page < (options.pages ?? 3) && found.length < limit; page++) {
        const answer = yield* ask(
          {
            generator: "search",
            gsrsearch: `filetype:video ${query}`,
            gsrnamespace: "6",
            gsrlimit: String(Math.min(50, Math.max(limit, 10))),
            prop: "videoinfo",
            viprop: "url|size|mime|mediatype|sha1|extmetadata",
            viextmetadatafilter: metadataKeys.join("|"),
            viextmetadatalanguage: "en",
            ...next
          },
          query
        )
        const pages = [...(answer.query?.pages ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        for (const p of pages) {
          const info = p.videoinfo?.[0]
          if (
            p.pageid === undefined ||
            info === undefined ||
            !isVideo(info) ||
            found.some((c) => c.video.id === `${source}:${p.pageid}`)
          )
            continue
          found.push({ video: videoOf(p, info) })
        }
        if (answer.continue === undefined) break
        next = Object.fromEntries(Object.entries(answer.continue).map(([k, v]) => [k, String(v)]))
      }
      return found.slice(0, limit)
    })

  const download = (candidate: VideoCandidate, dir: string) =>
    Effect.gen(function* () {
      const item = candidate.video.id
      // the file's address now (it moves when the file is renamed), with its size and SHA-1 to check
      const answer = yield* ask(
        { pageids: candidate.video.source_id, prop: "videoinfo", viprop: "url|size|sha1|mime" },
        item
      )
      const page = answer.query?.pages?.[0]
      const info = page?.videoinfo?.[0]
      if (page === undefined || page.missing === true || info === undefined)
        return yield* new SourceError({ source, item, reason: "the file is gone from Commons" })
      yield* Effect.tryPromise({
        try: () => mkdir(dir, { recursive: true }),
        catch: (e) => sourceError(source, item, e)
      })
      const target = join(
        dir,
        `${candidate.video.source_id}${extname(new URL(info.url).pathname).toLowerCase() || ".webm"}`
      )
      const path = yield* downloadResumable(info.url, target, { attempts: options.attempts, source, headers })
      const digest = yield* Effect.tryPromise({ try: () => sha1Of(path), catch: (e) => sourceError(source, item, e) })
      if (info.sha1 !== undefined && digest !== info.sha1.toLowerCase()) {
        yield* Effect.promise(() => rm(path, { force: true }))
        return yield* new SourceError({
          source,
          item,
          reason: `the downloaded file's SHA-1 ${digest} is not the one Commons gives (${info.sha1}); it was removed and will be fetched again`,
          transient: true
        })
      }
      return path
    })

  return { id: source, search, download }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
