/** Where the reviewer is, kept in the URL hash (`#step=<step>&item=<item id>`) so that a reload resumes. */
export interface Place {
  readonly step: string | null
  readonly item: string | null
}

export const readPlace = (): Place => {
  let step: string | null = null
  let item: string | null = null
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=")
    if (eq < 0) continue
    let value: string
    try {
      value = decodeURIComponent(part.slice(eq + 1))
    } catch {
      continue
    }
    if (value === "") continue
    if (part.slice(0, eq) === "step") step = value
    else if (part.slice(0, eq) === "item") item = value
  }
  return { step, item }
}

export const hashOf = (p: Place) =>
  p.step === null ? "" : `#step=${encodeURIComponent(p.step)}${p.item === null ? "" : `&item=${encodeURIComponent(p.item)}`}`

/** Writes the place into the URL without a history entry per item. */
export const writePlace = (p: Place) => {
  const hash = hashOf(p)
  if (hash === location.hash || (hash === "" && location.hash === "")) return
  history.replaceState(history.state, "", hash === "" ? location.pathname + location.search : hash)
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
