import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Exit, Ref, Schema, Stream } from "effect"
import { ChatResponse, type ChatRequest, ItemCalls, type ModelProviderShape, writeTextAtomic } from "@videokr/core"

/**
 * The response cache: every paid response is written, content-addressed, before it is used, so that a
 * re-run or a crash never pays twice. One JSON file per response under `dir/ab/<key>.json`, written
 * atomically. Modes: "use" (read and write), "refresh" (ask again and overwrite: --refresh), "off"
 * (neither: --no-cache).
 *
 * The key is the sha256 of the canonical JSON of: provider id, model, messages (each image replaced by
 * the sha256 of its bytes), generation parameters, response format, and the draw index (0 by default),
 * so that several draws of a sampled request are several cached responses. API keys are never part of it.
 */
export type CacheMode = "use" | "refresh" | "off"

export interface CacheOptions {
  readonly dir: string
  readonly mode: CacheMode
}

export interface CacheStats {
  readonly hits: number
  readonly misses: number
  readonly writes: number
}

/** JSON with object keys sorted at every level, so equal requests give equal text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        )
      : v
  )

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** The request as it is keyed and stored: image bytes replaced by their hash. */
export const normalizeRequest = (providerId: string, request: ChatRequest) => ({
  provider: providerId,
  model: request.model,
  messages: request.messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === "string"
        ? m.content
        : m.content.map((p) =>
            p.type === "image" ? { type: "image", mediaType: p.mediaType, sha256: sha256(p.data), detail: p.detail } : p
          )
  })),
  params: request.params ?? {},
  responseFormat: request.responseFormat,
  draw: request.draw ?? 0
})

/** Keys already computed, per request object: the cache and the usage ledger both need a request's key, and it hashes every image. */
const keys = new WeakMap<ChatRequest, Map<string, string>>()

export const cacheKey = (providerId: string, request: ChatRequest): string => {
  let byProvider = keys.get(request)
  if (byProvider === undefined) keys.set(request, (byProvider = new Map()))
  let key = byProvider.get(providerId)
  if (key === undefined)
    byProvider.set(providerId, (key = sha256(canonicalJson(normalizeRequest(providerId, request)))))
  return key
}

const Entry = Schema.Struct({ key: Schema.String, request: Schema.Unknown, response: ChatResponse })
const decodeEntry = Schema.decodeUnknownExit(Schema.fromJsonString(Entry))

/** A response worth keeping: not empty, and valid JSON when JSON was asked for. */
const cacheable = (request: ChatRequest, response: ChatResponse): boolean => {
  if (response.text.trim() === "") return false
  if (request.responseFormat === undefined) return true
  try {
    JSON.parse(response.text)
    return true
  } catch {
    return false
  }
}

/** The cache folder: look up and store responses by key. */
export const responseCache = (dir: string) => {
  const pathOf = (key: string) => join(dir, key.slice(0, 2), `${key}.json`)
  const get = (key: string) =>
    Effect.promise(() => readFile(pathOf(key), "utf8").catch(() => undefined)).pipe(
      Effect.map((text) => {
        if (text === undefined) return undefined
        const exit = decodeEntry(text)
        // an unreadable entry (a disk fault) is a miss, and is overwritten by the fresh response
        return Exit.isSuccess(exit) && exit.value.key === key ? exit.value.response : undefined
      })
    )
  /** Stores a response unless it is not worth keeping; true when stored. */
  const put = (providerId: string, request: ChatRequest, response: ChatResponse) =>
    Effect.gen(function* () {
      if (!cacheable(request, response)) return false
      const key = cacheKey(providerId, request)
      const { cached: _c, rateLimits: _r, ...stored } = response
      const entry = { key, request: normalizeRequest(providerId, request), response: stored }
      yield* writeTextAtomic(pathOf(key), Stream.make(JSON.stringify(entry) + "\n")).pipe(Effect.orDie)
      return true
    })
  return { get, put }
}

/**
 * The cache around a provider. An item that `videokr run --retry-errors` asks again (ItemCalls.refresh)
 * is asked as in "refresh" mode: its earlier answers are what made it an error. `onHit` sees each answer
 * served from the cache (the ledger records it as a cached call).
 */
export const withCache = (
  provider: ModelProviderShape,
  options: CacheOptions & {
    readonly onHit?: ((request: ChatRequest, response: ChatResponse) => Effect.Effect<void>) | undefined
  }
) =>
  Effect.gen(function* () {
    const stats = yield* Ref.make<CacheStats>({ hits: 0, misses: 0, writes: 0 })
    const count = (f: (s: CacheStats) => CacheStats) => Ref.update(stats, f)
    const cache = responseCache(options.dir)

    const chat = (request: ChatRequest) =>
      Effect.gen(function* () {
        if (options.mode === "off") return yield* provider.chat(request)
        const refresh = options.mode === "refresh" || (yield* ItemCalls.useSync((c) => c.refresh))
        if (!refresh) {
          const hit = yield* cache.get(cacheKey(provider.id, request))
          if (hit !== undefined) {
            yield* count((s) => ({ ...s, hits: s.hits + 1 }))
            if (options.onHit !== undefined) yield* options.onHit(request, hit)
            return { ...hit, cached: true }
          }
        }
        yield* count((s) => ({ ...s, misses: s.misses + 1 }))
        const response = yield* provider.chat(request)
        if (yield* cache.put(provider.id, request, response)) yield* count((s) => ({ ...s, writes: s.writes + 1 }))
        return response
      })

    return { provider: { ...provider, chat } satisfies ModelProviderShape, stats: Ref.get(stats) }
  })
