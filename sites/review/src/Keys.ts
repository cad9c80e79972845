import { useEffect, useRef } from "react"

/** What the keys do; the help panel lists `keyHelp`. */
export interface KeyActions {
  readonly correct: () => void
  readonly incorrect: () => void
  readonly category: (n: number) => void
  readonly focusNote: () => void
  readonly undo: () => void
  readonly next: () => void
  readonly previous: () => void
  readonly toggleGuidelines: () => void
  readonly toggleHelp: () => void
  readonly escape: () => void
}

export const keyHelp: ReadonlyArray<readonly [keys: string, does: string]> = [
  ["c", "mark correct"],
  ["x", "mark incorrect: choose the reason"],
  ["1 – 9", "pick the reason (after x)"],
  ["n", "write a note (sent with the next mark)"],
  ["Escape", "leave the note, close the reason chooser and the panels"],
  ["u", "undo your last mark"],
  ["j or →", "next item"],
  ["k or ←", "previous item"],
  ["g", "show or hide the guidelines"],
  ["?", "show or hide this help"]
]

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  (t.isContentEditable ||
    t instanceof HTMLInputElement ||
    t instanceof HTMLSelectElement ||
    t instanceof HTMLTextAreaElement)

/**
 * The review keys on the whole page. They are off while a modifier (ctrl, meta, alt) is held and while
 * focus is in a field (Escape leaves a textarea); arrows stay with a focused video, which seeks with them.
 */
export const useKeys = (enabled: boolean, actions: KeyActions) => {
  const latest = useRef(actions)
  latest.current = actions
  useEffect(() => {
    if (!enabled) return
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return
      const a = latest.current
      if (typing(e.target)) {
        if (e.key === "Escape" && e.target instanceof HTMLTextAreaElement) {
          e.preventDefault()
          e.target.blur()
        }
        return
      }
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
      const act = (f: () => void) => {
        e.preventDefault()
        f()
      }
      if (key >= "1" && key <= "9") return act(() => a.category(Number(key)))
      switch (key) {
        case "c":
          return act(a.correct)
        case "x":
          return act(a.incorrect)
        case "n":
          return act(a.focusNote)
        case "u":
          return act(a.undo)
        case "g":
          return act(a.toggleGuidelines)
        case "?":
          return act(a.toggleHelp)
        case "Escape":
          return act(a.escape)
        case "j":
          return act(a.next)
        case "k":
          return act(a.previous)
        case "ArrowRight":
        case "ArrowLeft":
          if (e.target instanceof HTMLMediaElement) return
          return act(key === "ArrowRight" ? a.next : a.previous)
      }
    }
    window.addEventListener("keydown", onKey)
    return () => window.removeEventListener("keydown", onKey)
  }, [enabled])
}
