import { type RefObject, useEffect, useRef } from "react"
import { markText } from "./ItemView.tsx"
import type { ReviewMarkSummary } from "./types.ts"

export interface MarkingProps {
  readonly mine: ReviewMarkSummary | null
  readonly categories: ReadonlyArray<string>
  readonly chooser: boolean
  readonly note: string
  readonly noteRef: RefObject<HTMLTextAreaElement | null>
  readonly canUndo: boolean
  readonly hasPrevious: boolean
  readonly hasNext: boolean
  readonly onNote: (note: string) => void
  readonly onCorrect: () => void
  readonly onIncorrect: () => void
  readonly onPick: (category: string) => void
  readonly onUndo: () => void
  readonly onPrevious: () => void
  readonly onNext: () => void
}

/** The reviewer's mark of the item and the buttons that do what the keys do. */
export const Marking = (p: MarkingProps) => {
  const incorrect = useRef<HTMLButtonElement>(null)
  const fieldset = useRef<HTMLFieldSetElement>(null)
  const wasOpen = useRef(false)
  useEffect(() => {
    if (p.chooser && !wasOpen.current) fieldset.current?.querySelector("button")?.focus()
    // closed while focus was in it (Escape, a pick): back to the button that opens it
    if (!p.chooser && wasOpen.current && (document.activeElement === null || document.activeElement === document.body))
      incorrect.current?.focus()
    wasOpen.current = p.chooser
  }, [p.chooser])
  return (
    <section className="marking" aria-label="Your mark">
      <p className="mine">
        {p.mine === null ? "You have not marked this item yet." : `You marked: ${markText(p.mine)}`}
        {p.mine?.note != null && p.mine.note !== "" && <span className="muted"> (note: {p.mine.note})</span>}
      </p>
      <div className="actions">
        <button type="button" className="ok" onClick={p.onCorrect}>
          Correct (c)
        </button>
        <button
          type="button"
          className="bad"
          ref={incorrect}
          aria-expanded={p.chooser}
          aria-controls={p.chooser ? "reasons" : undefined}
          onClick={p.onIncorrect}
        >
          Incorrect (x)
        </button>
        <button type="button" onClick={p.onUndo} disabled={!p.canUndo}>
          Undo (u)
        </button>
      </div>
      {p.chooser && (
        <fieldset id="reasons" className="reasons" ref={fieldset}>
          <legend>Reason</legend>
          <p className="hint">Press 1–{Math.min(9, p.categories.length)} or choose; Escape cancels.</p>
          {p.categories.map((c, i) => (
            <button type="button" key={c} onClick={() => p.onPick(c)}>{`${i + 1} ${c}`}</button>
          ))}
        </fieldset>
      )}
      <label className="note">
        Note (optional)
        <textarea ref={p.noteRef} value={p.note} rows={3} onChange={(e) => p.onNote(e.currentTarget.value)} />
      </label>
      <div className="actions">
        <button type="button" onClick={p.onPrevious} disabled={!p.hasPrevious}>
          Previous (k)
        </button>
        <button type="button" onClick={p.onNext} disabled={!p.hasNext}>
          Next (j)
        </button>
      </div>
    </section>
  )
}
