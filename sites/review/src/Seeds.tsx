import { type ReactNode, useEffect, useReducer, useRef, useState } from "react"
import { ApiError, getCoverage, getSeeds, getVideos, saveSeed } from "./api.ts"
import type { Cell } from "./place.ts"
import type { ReviewVideo, SeedCoverage, SeedDraft, SeedProblem, SeedRecord } from "./types.ts"

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

const problemTypes = ["multiple choice", "open-ended"] as const

/** The editor's fields, as typed (the draft is made of them when saving). */
interface SeedForm {
  readonly discipline: string
  readonly skill: string
  readonly problem_type: string
  readonly video_id: string
  readonly video_description: string
  readonly question: string
  readonly options: string
  readonly answer: string
  readonly rationale: string
  readonly subject: string
  readonly knowledge_point_id: string
}

const blank = (discipline: string, skill: string): SeedForm => ({
  discipline,
  skill,
  problem_type: "multiple choice",
  video_id: "",
  video_description: "",
  question: "",
  options: "",
  answer: "",
  rationale: "",
  subject: "",
  knowledge_point_id: ""
})

const formOf = (s: SeedRecord): SeedForm => ({
  discipline: s.discipline,
  skill: s.skill,
  problem_type: s.problem_type,
  video_id: s.video_id ?? "",
  video_description: s.video_description ?? "",
  question: s.question,
  options: (s.options ?? []).join("\n"),
  answer: s.answer,
  rationale: s.rationale,
  subject: s.subject ?? "",
  knowledge_point_id: s.knowledge_point_id ?? ""
})

const optional = (s: string) => (s.trim() === "" ? undefined : s.trim())

const draftOf = (f: SeedForm, author: string): SeedDraft => ({
  skill: f.skill,
  discipline: f.discipline,
  subject: optional(f.subject),
  knowledge_point_id: optional(f.knowledge_point_id),
  video_id: optional(f.video_id),
  video_description: optional(f.video_description),
  question: f.question.trim(),
  options:
    f.problem_type === "multiple choice"
      ? f.options
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== "")
      : undefined,
  problem_type: f.problem_type,
  answer: f.answer.trim(),
  rationale: f.rationale.trim(),
  author
})

const short = (text: string, n = 120) => (text.length <= n ? text : `${text.slice(0, n - 1)}…`)

const isSeedProblem = (body: unknown): body is SeedProblem =>
  typeof body === "object" && body !== null && Array.isArray((body as Partial<SeedProblem>).problems)

/** The problems of a save the server refused: the message per field, the whole `error`. */
interface Problems {
  readonly error: string
  readonly fields: ReadonlyMap<string, string>
}

const controlProps = (id: string, problem: string | undefined) => ({
  id,
  "aria-invalid": problem === undefined ? undefined : true,
  "aria-describedby": problem === undefined ? undefined : `${id}-problem`
})

/** A labelled control with the server's message for its field under it (its description). */
const Field = ({
  id,
  label,
  problem,
  children
}: {
  readonly id: string
  readonly label: ReactNode
  readonly problem: string | undefined
  readonly children: (props: ReturnType<typeof controlProps>) => ReactNode
}) => (
  <div className="field">
    <label htmlFor={id}>{label}</label>
    {children(controlProps(id, problem))}
    {problem !== undefined && (
      <p id={`${id}-problem`} className="problem">
        {problem}
      </p>
    )}
  </div>
)

const Optional = () => <span className="muted"> (optional)</span>

interface EditorProps {
  readonly id: string | null
  readonly initial: SeedForm
  readonly author: string
  readonly coverage: SeedCoverage
  readonly videos: ReadonlyArray<ReviewVideo> | null
  readonly videosError: string | null
  readonly active: boolean
  readonly onSaved: (id: string, form: SeedForm) => void
  readonly onCancel: () => void
}

/** Writes one seed example (or changes one): the fields of a seed, on a video of this machine. */
const SeedEditor = (p: EditorProps) => {
  const [form, setForm] = useState(p.initial)
  const [problems, setProblems] = useState<Problems | null>(null)
  const [saving, setSaving] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)
  const formRef = useRef<HTMLFormElement>(null)
  const player = useRef<HTMLVideoElement>(null)
  const set = (field: keyof SeedForm) => (e: { readonly currentTarget: { readonly value: string } }) => {
    const value = e.currentTarget.value
    setForm((f) => ({ ...f, [field]: value }))
  }

  useEffect(() => heading.current?.focus(), [])
  // out of sight (another view): the preview stops
  useEffect(() => {
    if (!p.active) player.current?.pause()
  }, [p.active])
  // refused: focus the first field with a problem (the alert is read out as well)
  useEffect(() => {
    if (problems !== null) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus()
  }, [problems])

  const videos = p.videos ?? []
  const video = videos.find((v) => v.id === form.video_id)
  const chooseVideo = (id: string) =>
    setForm((f) => {
      const before = videos.find((v) => v.id === f.video_id)?.knowledge_point_id ?? ""
      const after = videos.find((v) => v.id === id)?.knowledge_point_id ?? ""
      // the knowledge point follows the video, unless the expert typed another
      return {
        ...f,
        video_id: id,
        knowledge_point_id:
          f.knowledge_point_id === "" || f.knowledge_point_id === before ? after : f.knowledge_point_id
      }
    })

  const choice = form.problem_type === "multiple choice"
  const shown = new Set([
    "discipline",
    "skill",
    "problem_type",
    "video_id",
    "video_description",
    "question",
    "answer",
    "rationale",
    "subject",
    "knowledge_point_id",
    ...(choice ? ["options"] : [])
  ])
  const problemOf = (field: string) => problems?.fields.get(field)
  const others = [...(problems?.fields ?? [])].filter(([field]) => !shown.has(field))

  const submit = async () => {
    if (saving) return
    setSaving(true)
    try {
      const { id } = await saveSeed(draftOf(form, p.author), p.id ?? undefined)
      setSaving(false)
      p.onSaved(id, form)
    } catch (e) {
      setSaving(false)
      const fields = new Map<string, string>()
      if (e instanceof ApiError && isSeedProblem(e.body)) {
        for (const { field, message } of e.body.problems) {
          const name = /^[A-Za-z_]*/.exec(field)![0]
          fields.set(name, fields.has(name) ? `${fields.get(name)}; ${message}` : message)
        }
      }
      setProblems({ error: messageOf(e), fields })
    }
  }

  return (
    <section className="editor" aria-labelledby="seed-editor-heading">
      <h3 id="seed-editor-heading" ref={heading} tabIndex={-1}>
        {p.id === null ? (
          "New seed example"
        ) : (
          <>
            Edit seed example <code>{p.id}</code>
          </>
        )}
      </h3>
      <form
        aria-label="Seed example"
        className="seed"
        ref={formRef}
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {problems !== null && (
          <div role="alert" className="alert">
            <p>{problems.error}</p>
            {others.length > 0 && (
              <ul>
                {others.map(([field, message]) => (
                  <li key={field}>{`${field === "" ? "seed" : field}: ${message}`}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="row">
          <Field id="seed-discipline" label="Discipline" problem={problemOf("discipline")}>
            {(c) => (
              <select {...c} value={form.discipline} onChange={set("discipline")}>
                {!p.coverage.disciplines.includes(form.discipline) && (
                  <option value={form.discipline}>{form.discipline}</option>
                )}
                {p.coverage.disciplines.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="seed-skill" label="Skill" problem={problemOf("skill")}>
            {(c) => (
              <select {...c} value={form.skill} onChange={set("skill")}>
                {!p.coverage.skills.includes(form.skill) && <option value={form.skill}>{form.skill}</option>}
                {p.coverage.skills.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="seed-problem-type" label="Problem type" problem={problemOf("problem_type")}>
            {(c) => (
              <select {...c} value={form.problem_type} onChange={set("problem_type")}>
                {!(problemTypes as ReadonlyArray<string>).includes(form.problem_type) && (
                  <option value={form.problem_type}>{form.problem_type}</option>
                )}
                {problemTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>

        <Field id="seed-video" label="Video" problem={problemOf("video_id")}>
          {(c) => (
            <select {...c} value={form.video_id} onChange={(e) => chooseVideo(e.currentTarget.value)}>
              <option value="">No video</option>
              {form.video_id !== "" && video === undefined && (
                <option value={form.video_id}>{`${form.video_id} (not on this machine)`}</option>
              )}
              {videos.map((v) => (
                <option key={v.id} value={v.id}>{`${v.title} (${v.id})`}</option>
              ))}
            </select>
          )}
        </Field>
        {p.videos === null &&
          (p.videosError === null ? (
            <p className="muted">Loading the videos…</p>
          ) : (
            <p className="alert">{p.videosError}</p>
          ))}
        {p.videos !== null && p.videos.length === 0 && <p className="muted">No video is on this machine yet.</p>}
        {video !== undefined && (
          <video
            key={video.id}
            ref={player}
            className="preview"
            controls
            preload="metadata"
            aria-label="Seed video"
            src={video.url}
          />
        )}

        <Field id="seed-video-description" label="Video description" problem={problemOf("video_description")}>
          {(c) => <textarea {...c} rows={2} value={form.video_description} onChange={set("video_description")} />}
        </Field>
        <Field id="seed-question" label="Question" problem={problemOf("question")}>
          {(c) => <textarea {...c} rows={3} value={form.question} onChange={set("question")} />}
        </Field>
        {choice && (
          <Field id="seed-options" label="Options (one per line: A. text)" problem={problemOf("options")}>
            {(c) => <textarea {...c} rows={4} value={form.options} onChange={set("options")} />}
          </Field>
        )}
        <Field id="seed-answer" label="Answer" problem={problemOf("answer")}>
          {(c) => <input {...c} value={form.answer} onChange={set("answer")} autoComplete="off" />}
        </Field>
        <Field id="seed-rationale" label="Rationale" problem={problemOf("rationale")}>
          {(c) => <textarea {...c} rows={4} value={form.rationale} onChange={set("rationale")} />}
        </Field>
        <div className="row">
          <Field
            id="seed-subject"
            label={
              <>
                Subject
                <Optional />
              </>
            }
            problem={problemOf("subject")}
          >
            {(c) => <input {...c} value={form.subject} onChange={set("subject")} autoComplete="off" />}
          </Field>
          <Field
            id="seed-knowledge-point"
            label={
              <>
                Knowledge point id
                <Optional />
              </>
            }
            problem={problemOf("knowledge_point_id")}
          >
            {(c) => (
              <input {...c} value={form.knowledge_point_id} onChange={set("knowledge_point_id")} autoComplete="off" />
            )}
          </Field>
        </div>
        <p>
          Author: <strong>{p.author}</strong> <span className="muted">(the reviewer name: Change it at the top)</span>
        </p>
        <div className="actions">
          <button type="submit" className="ok" disabled={saving}>
            Save seed example
          </button>
          <button type="button" onClick={p.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  )
}

const cellKey = (c: Cell) => `${c.discipline}\u0000${c.skill}`

interface SeedsProps {
  /** the view is shown (it stays mounted while hidden, keeping what is typed) */
  readonly active: boolean
  readonly reviewer: string
  readonly cell: Cell | null
  readonly onCell: (cell: Cell) => void
}

/**
 * Seed examples, the generator's few-shot input: how many there are per discipline and skill against
 * the target, the list of one cell, and the editor that writes one on a video of this machine.
 */
export const Seeds = ({ active, reviewer, cell, onCell }: SeedsProps) => {
  const [coverage, setCoverage] = useState<SeedCoverage | null>(null)
  const [coverageError, setCoverageError] = useState<string | null>(null)
  const [list, setList] = useState<{ readonly key: string; readonly seeds: ReadonlyArray<SeedRecord> } | null>(null)
  const [listError, setListError] = useState<{ readonly key: string; readonly message: string } | null>(null)
  const [version, refresh] = useReducer((n: number) => n + 1, 0)
  const [editing, setEditing] = useState<{
    readonly n: number
    readonly id: string | null
    readonly initial: SeedForm
  } | null>(null)
  const [videos, setVideos] = useState<ReadonlyArray<ReviewVideo> | null>(null)
  const [videosError, setVideosError] = useState<string | null>(null)
  const [saved, setSaved] = useState("")
  const listHeading = useRef<HTMLHeadingElement>(null)
  const newButton = useRef<HTMLButtonElement>(null)
  const [focusBack, setFocusBack] = useState(0)
  const opened = useRef(0)

  // the coverage, again each time the view is shown and after a save
  useEffect(() => {
    if (!active) return
    let live = true
    getCoverage().then(
      (c) => {
        if (!live) return
        setCoverage(c)
        setCoverageError(null)
      },
      (e: unknown) => live && setCoverageError(messageOf(e))
    )
    return () => {
      live = false
    }
  }, [active, version])

  const key = cell === null ? null : cellKey(cell)
  useEffect(() => {
    if (!active || cell === null || key === null) return
    let live = true
    getSeeds(cell.discipline, cell.skill).then(
      (seeds) => {
        if (!live) return
        setList({ key, seeds })
        setListError(null)
      },
      (e: unknown) => live && setListError({ key, message: messageOf(e) })
    )
    return () => {
      live = false
    }
  }, [active, key, version])

  // the videos, once the editor opens
  useEffect(() => {
    if (editing === null || videos !== null) return
    getVideos().then(setVideos, (e: unknown) => setVideosError(messageOf(e)))
  }, [editing !== null])

  // back from the editor: to the list's heading, else to the button that opens the editor
  useEffect(() => {
    if (focusBack > 0) (listHeading.current ?? newButton.current)?.focus()
  }, [focusBack])

  const open = (id: string | null, initial: SeedForm) => {
    setSaved("")
    setEditing({ n: ++opened.current, id, initial })
  }
  const close = () => {
    setEditing(null)
    setFocusBack((n) => n + 1)
  }

  if (coverage === null)
    return (
      <div hidden={!active}>
        {coverageError === null ? (
          <p className="muted">Loading the seed examples…</p>
        ) : (
          <p role="alert" className="alert">
            {coverageError}
          </p>
        )}
      </div>
    )

  const countOf = (d: string, s: string) => coverage.cells.find((c) => c.discipline === d && c.skill === s)?.count ?? 0
  const total = coverage.cells.reduce((n, c) => n + c.count, 0)
  const seeds = list !== null && list.key === key ? list.seeds : null
  return (
    <section className="seeds" aria-labelledby="seeds-heading" hidden={!active}>
      <h2 id="seeds-heading">Seed examples</h2>
      {coverageError !== null && (
        <p role="alert" className="alert">
          {coverageError}
        </p>
      )}
      <div className="scroll">
        <table className="coverage">
          <caption>{`Seed examples per discipline and skill (target ${coverage.target} each)`}</caption>
          <thead>
            <tr>
              <th scope="col">Discipline</th>
              {coverage.skills.map((s) => (
                <th scope="col" key={s}>
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {coverage.disciplines.map((d) => (
              <tr key={d}>
                <th scope="row">{d}</th>
                {coverage.skills.map((s) => {
                  const n = countOf(d, s)
                  const here = cell !== null && cell.discipline === d && cell.skill === s
                  return (
                    <td key={s}>
                      <button
                        type="button"
                        className="count"
                        aria-current={here ? "true" : undefined}
                        onClick={() => onCell({ discipline: d, skill: s })}
                      >
                        <span className="sr">{`${d}, ${s}: `}</span>
                        {`${n} / ${coverage.target}`}
                      </button>
                      <meter aria-hidden="true" min={0} max={coverage.target} value={Math.min(n, coverage.target)} />
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="total">{`Total: ${total} of ${coverage.disciplines.length * coverage.skills.length}×${coverage.target}`}</p>
      <div role="status" className="notice">
        {saved}
      </div>

      {editing !== null ? (
        <SeedEditor
          key={editing.n}
          id={editing.id}
          initial={editing.initial}
          author={reviewer}
          coverage={coverage}
          videos={videos}
          videosError={videosError}
          active={active}
          onSaved={(id, form) => {
            setSaved(`Saved ${id}`)
            onCell({ discipline: form.discipline, skill: form.skill })
            refresh()
            close()
          }}
          onCancel={close}
        />
      ) : (
        <>
          <div className="actions">
            <button
              type="button"
              ref={newButton}
              onClick={() =>
                open(
                  null,
                  blank(cell?.discipline ?? coverage.disciplines[0] ?? "", cell?.skill ?? coverage.skills[0] ?? "")
                )
              }
            >
              New seed example
            </button>
          </div>
          {cell === null ? (
            <p className="muted">Choose a count in the table to list the seed examples of its discipline and skill.</p>
          ) : (
            <section aria-labelledby="seed-list-heading">
              <h3 id="seed-list-heading" ref={listHeading} tabIndex={-1}>{`${cell.discipline}, ${cell.skill}`}</h3>
              {listError !== null && listError.key === key && seeds === null ? (
                <p role="alert" className="alert">
                  {listError.message}
                </p>
              ) : seeds === null ? (
                <p className="muted">Loading the seed examples…</p>
              ) : seeds.length === 0 ? (
                <p>No seed examples for this discipline and skill yet.</p>
              ) : (
                <div className="scroll">
                  <table aria-labelledby="seed-list-heading">
                    <thead>
                      <tr>
                        <th scope="col">Question</th>
                        <th scope="col">Problem type</th>
                        <th scope="col">Source</th>
                        <th scope="col">Author</th>
                        <th scope="col">
                          <span className="sr">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {seeds.map((s) => (
                        <tr key={s.id}>
                          <td>{short(s.question)}</td>
                          <td>{s.problem_type}</td>
                          <td>{s.source}</td>
                          <td>{s.author === "" ? "—" : s.author}</td>
                          <td>
                            <button type="button" onClick={() => open(s.id, formOf(s))}>
                              Edit<span className="sr">{` ${s.id}`}</span>
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          )}
        </>
      )}
    </section>
  )
}
