import { useEffect, useReducer, useRef, useState } from "react"
import { Agreement } from "./Agreement.tsx"
import { ApiError, cachedItem, deleteMark, getQueue, getSession, loadItem, postMark, prefetchItem } from "./api.ts"
import { ItemView } from "./ItemView.tsx"
import { useKeys } from "./Keys.ts"
import { Marking } from "./Marking.tsx"
import { Guidelines, KeyHelp } from "./Panels.tsx"
import { Player } from "./Player.tsx"
import {
  type Cell,
  dropReviewerParam,
  hashOfView,
  initialReviewer,
  type Place,
  readRoute,
  rememberReviewer,
  type View,
  writeHash,
  writePlace
} from "./place.ts"
import { ReviewerForm } from "./ReviewerForm.tsx"
import { Seeds } from "./Seeds.tsx"
import type { NewReviewMark, ReviewMarkSummary, ReviewQueue, ReviewSession, UndoEntry } from "./types.ts"

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

const queueKey = (step: string, reviewer: string) => `${step}\u0000${reviewer}`

/** The queue with the reviewer's mark of one item replaced (and `done` counted again). */
const withMine = (q: ReviewQueue, itemId: string, mine: ReviewMarkSummary | null): ReviewQueue => {
  const items = q.items.map((i) => (i.item_id === itemId ? { ...i, mine } : i))
  return { ...q, items, done: items.filter((i) => i.mine !== null).length }
}

const endNotice = (q: ReviewQueue) => {
  const left = q.items.filter((i) => i.mine === null).length
  return left === 0
    ? "All items of this step are reviewed"
    : `That was the last item of this step; ${left} ${left === 1 ? "item is" : "items are"} not reviewed by you yet.`
}

const ItemPending = ({ error }: { readonly error: string | null }) =>
  error === null ? (
    <p className="muted pending">Loading the item…</p>
  ) : (
    <p role="alert" className="alert">
      {error}
    </p>
  )

const viewNames: ReadonlyArray<readonly [View, string]> = [
  ["review", "Review"],
  ["agreement", "Agreement"],
  ["seeds", "Seeds"]
]

/**
 * The review app: who reviews, which step, one item at a time, keyboard first; beside it the agreement
 * between reviewers and the seed examples. The view is in the URL hash (`#view=..`; none: Review).
 */
export const App = () => {
  const [reviewer, setReviewer] = useState<string | null>(initialReviewer)
  const [naming, setNaming] = useState(false)
  const [session, setSession] = useState<ReviewSession | null>(null)
  const [fatal, setFatal] = useState<string | null>(null)
  const [route] = useState(readRoute)
  const [view, setView] = useState<View>(route.view)
  const [cell, setCell] = useState<Cell | null>(route.cell)
  const [place, setPlace] = useState<Place>(route.place)
  const [queueState, setQueueState] = useState<{ readonly key: string; readonly queue: ReviewQueue } | null>(null)
  const [queueError, setQueueError] = useState<{ readonly key: string; readonly message: string } | null>(null)
  const [queueVersion, refetchQueue] = useReducer((n: number) => n + 1, 0)
  const [, itemArrived] = useReducer((n: number) => n + 1, 0)
  const [itemError, setItemError] = useState<{ readonly key: string; readonly message: string } | null>(null)
  const [undo, setUndo] = useState<ReadonlyArray<UndoEntry>>([])
  const [note, setNote] = useState("")
  const [chooser, setChooser] = useState(false)
  const [guidelines, setGuidelines] = useState(false)
  const [help, setHelp] = useState(false)
  const [alert, setAlert] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const noteRef = useRef<HTMLTextAreaElement>(null)
  const busy = useRef(false)
  const placeRef = useRef(place)
  placeRef.current = place
  const seedsOpened = useRef(false)
  seedsOpened.current ||= view === "seeds"
  const shownView = useRef(view)

  useEffect(() => {
    getSession().then(setSession, (e: unknown) => setFatal(messageOf(e)))
    // a link (the views, "Adjudicate ..."), back and forward: the view, and the place or cell it names
    const onHash = () => {
      const r = readRoute()
      setView(r.view)
      if (r.view === "seeds") setCell(r.cell)
      if (r.view === "review" && r.place.step !== null) {
        const here = placeRef.current
        if (r.place.step !== here.step || r.place.item !== here.item) {
          setPlace(r.place)
          setChooser(false)
          setAlert(null)
          setNotice(null)
        }
      }
    }
    window.addEventListener("hashchange", onHash)
    // a link followed between the first render and now fired its hashchange before anyone listened
    onHash()
    return () => window.removeEventListener("hashchange", onHash)
  }, [])

  // another view: focus goes to its content
  useEffect(() => {
    if (shownView.current === view) return
    shownView.current = view
    document.getElementById("main")?.focus()
  }, [view])

  useEffect(() => {
    if (view !== "review") writeHash(hashOfView(view, place, cell))
  }, [view, cell?.discipline, cell?.skill])

  const step = session === null ? undefined : (session.steps.find((s) => s.step === place.step) ?? session.steps[0])
  const qKey = step !== undefined && reviewer !== null ? queueKey(step.step, reviewer) : null
  const queue = queueState !== null && queueState.key === qKey ? queueState.queue : null

  // the step's queue for this reviewer (again after an undo)
  useEffect(() => {
    if (step === undefined || reviewer === null || qKey === null) return
    let live = true
    getQueue(step.step, reviewer).then(
      (q) => {
        if (!live) return
        setQueueState({ key: qKey, queue: q })
        setQueueError(null)
      },
      (e: unknown) => live && setQueueError({ key: qKey, message: messageOf(e) })
    )
    return () => {
      live = false
    }
  }, [qKey, queueVersion])

  // no item (or one not in the queue): the first the reviewer has not marked, else the first
  useEffect(() => {
    if (step === undefined || queue === null || queue.items.length === 0) return
    if (place.step === step.step && place.item !== null && queue.items.some((i) => i.item_id === place.item)) return
    const first = queue.items.find((i) => i.mine === null) ?? queue.items[0]!
    if (place.item !== null && place.step === step.step)
      setNotice(`"${place.item}" is not in the queue of step ${step.step}; showing the first item to review.`)
    else if (queue.items.every((i) => i.mine !== null)) setNotice("All items of this step are reviewed")
    setPlace({ step: step.step, item: first.item_id })
  }, [queue, step?.step, place])

  useEffect(() => {
    if (step !== undefined && view === "review") writePlace({ step: step.step, item: place.item })
  }, [step?.step, place.item, view])

  const index = queue === null ? -1 : queue.items.findIndex((i) => i.item_id === place.item)
  const entry = queue === null || index < 0 ? undefined : queue.items[index]
  const item = step !== undefined && entry !== undefined ? cachedItem(step.step, entry.item_id) : undefined
  const iKey = step !== undefined && place.item !== null ? `${step.step}\u0000${place.item}` : null

  // the item, unless it is in memory already (then it rendered straight away)
  useEffect(() => {
    if (step === undefined || place.item === null || cachedItem(step.step, place.item) !== undefined) return
    const key = iKey
    loadItem(step.step, place.item).then(
      () => {
        setItemError((e) => (e?.key === key ? null : e))
        itemArrived()
      },
      (e: unknown) => setItemError({ key: key!, message: messageOf(e) })
    )
  }, [iKey])

  // once an item is shown: the next two (and the previous one) ahead of time
  useEffect(() => {
    if (step === undefined || queue === null || item === undefined || index < 0) return
    for (const i of [index + 1, index + 2, index - 1]) {
      const e = queue.items[i]
      if (e !== undefined) prefetchItem(step.step, e.item_id)
    }
  }, [item, index, queue === null, step?.step])

  const go = (i: number) => {
    const e = queue?.items[i]
    if (step === undefined || e === undefined) return
    setPlace({ step: step.step, item: e.item_id })
    setChooser(false)
    setAlert(null)
    setNotice(null)
  }

  const save = async (correct: boolean, category?: string) => {
    if (reviewer === null || step === undefined || queue === null || entry === undefined || busy.current) return
    busy.current = true
    const sent = note
    const text = note.trim()
    const mark: NewReviewMark = {
      step: step.step,
      item_id: entry.item_id,
      reviewer,
      correct,
      ...(category === undefined ? {} : { category }),
      ...(text === "" ? {} : { note: text })
    }
    setAlert(null)
    try {
      const stored = await postMark(mark)
      const mine: ReviewMarkSummary = {
        mark_id: stored.mark_id,
        reviewer,
        correct,
        category: category ?? null,
        note: text === "" ? null : text,
        marked_at: stored.marked_at
      }
      const key = queueKey(step.step, reviewer)
      const updated = withMine(queue, entry.item_id, mine)
      setUndo((u) => [...u, { mark_id: stored.mark_id, step: step.step, item_id: entry.item_id, previous: entry.mine }])
      setQueueState((s) => (s !== null && s.key === key ? { key, queue: withMine(s.queue, entry.item_id, mine) } : s))
      setNote((n) => (n === sent ? "" : n))
      setChooser(false)
      const here = placeRef.current
      if (here.step === step.step && here.item === entry.item_id) {
        const next = queue.items[index + 1]
        if (next !== undefined) {
          setPlace({ step: step.step, item: next.item_id })
          setNotice(null)
        } else setNotice(endNotice(updated))
      }
    } catch (e) {
      setAlert(messageOf(e))
    } finally {
      busy.current = false
    }
  }

  const undoLast = async () => {
    const top = undo.at(-1)
    if (top === undefined || reviewer === null || busy.current) return
    busy.current = true
    setAlert(null)
    try {
      await deleteMark(top.mark_id, reviewer)
    } catch (e) {
      // a mark that is gone already cannot be undone again: drop it from the stack
      if (e instanceof ApiError && e.status === 404) setUndo((u) => u.filter((x) => x !== top))
      setAlert(messageOf(e))
      busy.current = false
      return
    }
    const key = queueKey(top.step, reviewer)
    setUndo((u) => u.filter((x) => x !== top))
    setQueueState((s) =>
      s !== null && s.key === key ? { key, queue: withMine(s.queue, top.item_id, top.previous) } : s
    )
    setPlace({ step: top.step, item: top.item_id })
    setChooser(false)
    setNotice(null)
    refetchQueue()
    busy.current = false
  }

  const categories = step?.categories ?? []
  const incorrect = () => {
    if (entry === undefined) return
    if (categories.length === 0) void save(false)
    else setChooser(true)
  }
  const pick = (category: string) => void save(false, category)

  useKeys(session !== null && reviewer !== null && !naming && view === "review", {
    correct: () => {
      setChooser(false)
      void save(true)
    },
    incorrect,
    category: (n) => {
      const c = categories[n - 1]
      if (chooser && c !== undefined) pick(c)
    },
    focusNote: () => noteRef.current?.focus(),
    undo: () => void undoLast(),
    next: () => go(index + 1),
    previous: () => go(index - 1),
    toggleGuidelines: () => setGuidelines((g) => !g),
    toggleHelp: () => setHelp((h) => !h),
    escape: () => {
      setChooser(false)
      setGuidelines(false)
      setHelp(false)
    }
  })

  const chooseName = (name: string) => {
    if (name !== reviewer) {
      setUndo([])
      setNotice(null)
      setAlert(null)
      if (step !== undefined) setPlace({ step: step.step, item: null })
    }
    rememberReviewer(name)
    dropReviewerParam()
    setReviewer(name)
    setNaming(false)
  }

  const signedIn = fatal === null && reviewer !== null && !naming
  const reviewing = signedIn && view === "review"
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <h1>videokr review</h1>
          {session !== null && <p className="project">{session.project}</p>}
        </div>
        {signedIn && (
          <div className="bar">
            <nav aria-label="Views">
              <ul>
                {viewNames.map(([v, name]) => (
                  <li key={v}>
                    <a
                      href={hashOfView(v, { step: step?.step ?? place.step, item: place.item }, cell)}
                      aria-current={v === view ? "page" : undefined}
                    >
                      {name}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <p className="who">
              Reviewer: <strong>{reviewer}</strong>{" "}
              <button type="button" onClick={() => setNaming(true)}>
                Change
              </button>
            </p>
          </div>
        )}
        {reviewing && session !== null && step !== undefined && (
          <div className="bar">
            <label className="step">
              Step{" "}
              <select
                value={step.step}
                onChange={(e) => {
                  setPlace({ step: e.currentTarget.value, item: null })
                  setChooser(false)
                  setAlert(null)
                  setNotice(null)
                }}
              >
                {session.steps.map((s) => (
                  <option key={s.step} value={s.step}>{`${s.step} (${s.queued})`}</option>
                ))}
              </select>
            </label>
            {queue !== null && (
              <div className="progress">
                <p role="status">{`${queue.done} of ${queue.items.length} reviewed by you`}</p>
                <progress aria-label="Review progress" max={Math.max(1, queue.items.length)} value={queue.done} />
              </div>
            )}
            <div className="toggles">
              <button type="button" aria-expanded={guidelines} onClick={() => setGuidelines((g) => !g)}>
                Guidelines (g)
              </button>
              <button type="button" aria-expanded={help} onClick={() => setHelp((h) => !h)}>
                Keys (?)
              </button>
            </div>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {fatal !== null ? (
          <p role="alert" className="alert">
            {fatal}
          </p>
        ) : reviewer === null || naming ? (
          <ReviewerForm
            initial={reviewer ?? ""}
            onDone={chooseName}
            onCancel={reviewer === null ? undefined : () => setNaming(false)}
          />
        ) : view === "agreement" ? (
          <Agreement />
        ) : view === "seeds" ? null : session === null ? (
          <p className="muted">Loading the review session…</p>
        ) : step === undefined ? (
          <p>
            No step has a review queue yet: draw one with <code>videokr review sample --step &lt;step&gt;</code>.
          </p>
        ) : (
          <>
            {alert !== null && (
              <p role="alert" className="alert">
                {alert}
              </p>
            )}
            <div className="notice" aria-live="polite">
              {notice}
            </div>
            {(guidelines || help) && (
              <div className="panels">
                {guidelines && <Guidelines step={step} />}
                {help && <KeyHelp />}
              </div>
            )}
            {queueError !== null && queueError.key === qKey && queue === null ? (
              <p role="alert" className="alert">
                {queueError.message}
              </p>
            ) : queue === null ? (
              <p className="muted">Loading the queue…</p>
            ) : queue.items.length === 0 ? (
              <p>This step has no items to review.</p>
            ) : entry === undefined ? (
              <p className="muted">Opening the first item…</p>
            ) : (
              <div className="review">
                <div className="side">
                  {item !== undefined ? (
                    <Player key={item.item_id} item={item} />
                  ) : (
                    <ItemPending error={itemError !== null && itemError.key === iKey ? itemError.message : null} />
                  )}
                  <Marking
                    mine={entry.mine}
                    categories={categories}
                    chooser={chooser}
                    note={note}
                    noteRef={noteRef}
                    canUndo={undo.length > 0}
                    hasPrevious={index > 0}
                    hasNext={index + 1 < queue.items.length}
                    onNote={setNote}
                    onCorrect={() => void save(true)}
                    onIncorrect={incorrect}
                    onPick={pick}
                    onUndo={() => void undoLast()}
                    onPrevious={() => go(index - 1)}
                    onNext={() => go(index + 1)}
                  />
                </div>
                {item !== undefined && (
                  <ItemView item={item} position={index + 1} total={queue.items.length} reviewer={reviewer} />
                )}
              </div>
            )}
          </>
        )}
        {seedsOpened.current && fatal === null && reviewer !== null && (
          <Seeds active={signedIn && view === "seeds"} reviewer={reviewer} cell={cell} onCell={setCell} />
        )}
      </main>
    </>
  )
}
