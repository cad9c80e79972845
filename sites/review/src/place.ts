/** Where the reviewer is, kept in the URL hash (`#step=<step>&item=<item id>`) so that a reload resumes. */
export interface Place {
  readonly step: string | null
  readonly item: string | null
}

/** The app's views: the Review view is the default (no `view=` in the hash). */
export const views = ["review", "agreement", "seeds"] as const
export type View = (typeof views)[number]

/** The discipline and skill whose seed examples are listed (`#view=seeds&discipline=..&skill=..`). */
export interface Cell {
  readonly discipline: string
  readonly skill: string
}

/** Everything the hash holds: the view, the Review view's place, the Seeds view's cell. */
export interface Route {
  readonly view: View
  readonly place: Place
  readonly cell: Cell | null
}

const hashParams = (): Map<string, string> => {
  const found = new Map<string, string>()
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=")
    if (eq < 0) continue
    try {
      const value = decodeURIComponent(part.slice(eq + 1))
      if (value !== "") found.set(part.slice(0, eq), value)
    } catch {
      // a broken escape: skip the part
    }
  }
  return found
}

export const readRoute = (): Route => {
  const p = hashParams()
  const view = views.find((v) => v === p.get("view")) ?? "review"
  const discipline = p.get("discipline")
  const skill = p.get("skill")
  return {
    view,
    place: { step: p.get("step") ?? null, item: p.get("item") ?? null },
    cell: discipline !== undefined && skill !== undefined ? { discipline, skill } : null
  }
}

export const hashOf = (p: Place) =>
  p.step === null
    ? ""
    : `#step=${encodeURIComponent(p.step)}${p.item === null ? "" : `&item=${encodeURIComponent(p.item)}`}`

/** The hash of a view: the Review view's is its place's, the others name themselves. */
export const hashOfView = (view: View, place: Place, cell: Cell | null) =>
  view === "review"
    ? hashOf(place) || "#view=review"
    : `#view=${view}${view === "seeds" && cell !== null ? `&discipline=${encodeURIComponent(cell.discipline)}&skill=${encodeURIComponent(cell.skill)}` : ""}`

/** Writes a hash into the URL without a history entry (per item, per list). */
export const writeHash = (hash: string) => {
  if (hash === location.hash || (hash === "" && location.hash === "")) return
  history.replaceState(history.state, "", hash === "" ? location.pathname + location.search : hash)
}

/**
 * Writes the place into the URL without a history entry per item; never over a hash that names another
 * view (a link to it may have been followed before the app heard of it: its hashchange is still queued).
 */
export const writePlace = (p: Place) => {
  if (readRoute().view === "review") writeHash(hashOf(p))
}

const storageKey = "videokr-review:reviewer"

/** The reviewer: `?reviewer=` in the URL (remembered), else the name this browser remembers. */
export const initialReviewer = (): string | null => {
  const fromUrl = new URLSearchParams(location.search).get("reviewer")?.trim()
  if (fromUrl) {
    rememberReviewer(fromUrl)
    return fromUrl
  }
  try {
    return localStorage.getItem(storageKey)?.trim() || null
  } catch {
    return null
  }
}

export const rememberReviewer = (name: string) => {
  try {
    localStorage.setItem(storageKey, name)
  } catch {
    // storage off (private mode): the name lasts for this page only
  }
}

/** Drops `?reviewer=` from the URL once the reviewer chose another name, so a reload keeps the new one. */
export const dropReviewerParam = () => {
  const u = new URL(location.href)
  if (!u.searchParams.has("reviewer")) return
  u.searchParams.delete("reviewer")
  history.replaceState(history.state, "", u.pathname + u.search + u.hash)
}
