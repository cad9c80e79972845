import type {
  ApiProblem,
  NewReviewMark,
  ReviewAgreement,
  ReviewItem,
  ReviewQueue,
  ReviewSession,
  ReviewVideo,
  SeedCoverage,
  SeedDraft,
  SeedRecord,
  StoredReviewMark
} from "./types.ts"

/**
 * A failed request: `status` 0 when the server could not be reached; `message` is the server's `error` when
 * it sent one, `body` the whole JSON answer (a SeedProblem's `problems`).
 */
export class ApiError extends Error {
  readonly status: number
  readonly body: unknown
  constructor(status: number, message: string, body?: unknown) {
    super(message)
    this.status = status
    this.body = body
  }
}

export const tokenMessage =
  "This review server needs its access token: open the URL videokr review printed (it ends in ?token=...)"

const url = (path: string, query?: Record<string, string>) => {
  const u = new URL(path, document.baseURI)
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v)
  return u
}

const request = async (path: string, init: RequestInit = {}, query?: Record<string, string>): Promise<Response> => {
  let res: Response
  try {
    res = await fetch(url(path, query), { credentials: "same-origin", ...init })
  } catch {
    throw new ApiError(0, "The review server does not answer: is videokr review still running?")
  }
  if (res.ok) return res
  if (res.status === 401) throw new ApiError(401, tokenMessage)
  let message = `${res.status} ${res.statusText}`.trim()
  let body: unknown
  try {
    body = await res.json()
    const error = (body as Partial<ApiProblem> | null)?.error
    if (typeof error === "string" && error !== "") message = error
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(res.status, message, body)
}

const json = async <A>(path: string, query?: Record<string, string>): Promise<A> =>
  (await (await request(path, { headers: { accept: "application/json" } }, query)).json()) as A

export const getSession = () => json<ReviewSession>("api/session")

export const getQueue = (step: string, reviewer: string) => json<ReviewQueue>("api/queue", { step, reviewer })

export const postMark = async (mark: NewReviewMark): Promise<StoredReviewMark> =>
  (await (
    await request("api/marks", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(mark)
    })
  ).json()) as StoredReviewMark

export const deleteMark = async (markId: string, reviewer: string): Promise<void> => {
  await request(`api/marks/${encodeURIComponent(markId)}`, { method: "DELETE" }, { reviewer })
}

export const getAgreement = () => json<ReviewAgreement>("api/agreement")

export const getCoverage = () => json<SeedCoverage>("api/seeds/coverage")

export const getSeeds = (discipline: string, skill: string) =>
  json<ReadonlyArray<SeedRecord>>("api/seeds", { discipline, skill })

export const getVideos = () => json<ReadonlyArray<ReviewVideo>>("api/videos")

/** A new seed example (POST), or a change of seed `id` (PUT); a 400's ApiError carries the SeedProblem as `body`. */
export const saveSeed = async (draft: SeedDraft, id?: string): Promise<{ readonly id: string }> =>
  (await (
    await request(id === undefined ? "api/seeds" : `api/seeds/${encodeURIComponent(id)}`, {
      method: id === undefined ? "POST" : "PUT",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(draft)
    })
  ).json()) as { readonly id: string }

// Items, kept in memory (newest 300) so that moving to an item fetched before renders at once.
const itemKey = (step: string, item: string) => `${step}\u0000${item}`
const items = new Map<string, ReviewItem>()
const pending = new Map<string, Promise<ReviewItem>>()
const warmed = new Set<string>()

/** The item if it is in memory (synchronous, for rendering). */
export const cachedItem = (step: string, item: string): ReviewItem | undefined => items.get(itemKey(step, item))

/** The item, from memory or fetched once however often it is asked for. */
export const loadItem = (step: string, item: string): Promise<ReviewItem> => {
  const key = itemKey(step, item)
  const have = items.get(key)
  if (have !== undefined) return Promise.resolve(have)
  const inflight = pending.get(key)
  if (inflight !== undefined) return inflight
  const p = json<ReviewItem>("api/item", { step, item }).then(
    (it) => {
      pending.delete(key)
      items.set(key, it)
      if (items.size > 300) items.delete(items.keys().next().value!)
      return it
    },
    (e: unknown) => {
      pending.delete(key)
      throw e
    }
  )
  pending.set(key, p)
  return p
}

/** Fetches an item ahead and warms the browser's cache with its first frames (errors wait until it is shown). */
export const prefetchItem = (step: string, item: string, frames = 4) => {
  loadItem(step, item).then(
    (it) => {
      for (const f of it.frames.slice(0, frames)) {
        if (warmed.has(f.url)) continue
        warmed.add(f.url)
        const img = new Image()
        img.decoding = "async"
        img.src = f.url
      }
    },
    () => {}
  )
}
