import { useEffect, useMemo, useState } from "react"

/**
 * The board: one sortable, filterable table of submissions (re-scored from their outputs) and of the
 * paper's reported numbers, with column groups the visitor shows or hides. Rendered on the server in its
 * default view (the no-JS table), then hydrated: a click on a column sorts by it, the controls filter the
 * rows and choose the column groups, and the whole view is kept in the URL (`<id>.sort`, `<id>.cols`...)
 * so that it can be shared. Withdrawn entries stay listed (marked, unranked) unless hidden; reported rows
 * are marked and never ranked among the submissions.
 */
export type Format = "score" | "int" | "size" | "text"

export interface Column {
  readonly key: string
  readonly label: string
  /** the group that shows or hides it ("core" is always shown) */
  readonly group: string
  readonly format: Format
}

export interface Group {
  readonly id: string
  readonly label: string
  /** shown in the default view */
  readonly on: boolean
}

/** What goes with a cell's value: "±x.x" beside it (its exact interval in `title`), notes under it. */
export interface Extra {
  readonly pm?: string
  readonly title?: string
  readonly notes?: ReadonlyArray<string>
}

export interface Row {
  readonly id: string
  /** the model's page; reported rows have none */
  readonly href: string | null
  readonly model: string
  /** a line under the name: the organisation, or the base model of a reported row */
  readonly sub: string
  readonly kind: "submission" | "reported"
  readonly withdrawn: boolean
  readonly source?: { readonly title: string; readonly url: string }
  /** by column key; the model-info columns (size, weights, frames, date) also drive the filters */
  readonly cells: Readonly<Record<string, number | string | null>>
  readonly extra?: Readonly<Record<string, Extra>>
}

export interface Props {
  readonly id: string
  /** the caption's start; the shown column groups are named after it */
  readonly caption: string
  readonly groups: ReadonlyArray<Group>
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<Row>
  readonly defaultSort: string
}

type Dir = "asc" | "desc"

interface View {
  readonly sort: string
  readonly dir: Dir
  readonly q: string
  readonly withdrawn: boolean
  readonly reported: boolean
  /** the shown column groups, in the groups' order */
  readonly cols: ReadonlyArray<string>
  readonly size: string
  readonly weights: string
  readonly frames: string
  readonly since: string
}

const sizes: ReadonlyArray<{ readonly value: string; readonly label: string; readonly test: (b: number) => boolean }> =
  [
    { value: "lt10", label: "under 10 B", test: (b) => b < 10 },
    { value: "10to40", label: "10–40 B", test: (b) => b >= 10 && b <= 40 },
    { value: "gt40", label: "over 40 B", test: (b) => b > 40 }
  ]

const defaultView = (p: Props): View => ({
  sort: p.defaultSort,
  dir: "desc",
  q: "",
  withdrawn: true,
  reported: true,
  cols: p.groups.filter((g) => g.on).map((g) => g.id),
  size: "",
  weights: "",
  frames: "",
  since: ""
})

// columns whose first click sorts A to Z; the others start with the highest (the newest date first)
const textKeys = new Set(["model", "weights"])
const sortable = (p: Props, key: string) => key === "model" || p.columns.some((c) => c.key === key)

/** The view a shared URL carries (anything it does not say is the default's). */
const readView = (p: Props, search: string): View => {
  const u = new URLSearchParams(search)
  const get = (k: string) => u.get(`${p.id}.${k}`)
  const d = defaultView(p)
  const sort = get("sort")
  const dir = get("dir")
  const cols = get("cols")
  return {
    sort: sort !== null && sortable(p, sort) ? sort : d.sort,
    dir: dir === "asc" || dir === "desc" ? dir : d.dir,
    q: get("q") ?? "",
    withdrawn: get("withdrawn") !== "hide",
    reported: get("reported") !== "hide",
    cols: cols === null ? d.cols : p.groups.filter((g) => cols.split(",").includes(g.id)).map((g) => g.id),
    size: get("size") ?? "",
    weights: get("weights") ?? "",
    frames: get("frames") ?? "",
    since: get("since") ?? ""
  }
}

/** The URL's query for a view: only what differs from the default, in a fixed order. */
const writeView = (p: Props, v: View, search: string) => {
  const u = new URLSearchParams(search)
  for (const k of [...u.keys()]) if (k.startsWith(`${p.id}.`)) u.delete(k)
  const d = defaultView(p)
  const set = (k: string, value: string, fallback: string) =>
    value === fallback ? undefined : u.set(`${p.id}.${k}`, value)
  if (v.sort !== d.sort || v.dir !== d.dir) {
    u.set(`${p.id}.sort`, v.sort)
    u.set(`${p.id}.dir`, v.dir)
  }
  set("q", v.q, "")
  set("withdrawn", v.withdrawn ? "" : "hide", "")
  set("reported", v.reported ? "" : "hide", "")
  set("cols", v.cols.join(","), d.cols.join(","))
  set("size", v.size, "")
  set("weights", v.weights, "")
  set("frames", v.frames, "")
  set("since", v.since, "")
  return u.toString()
}

const compare = (a: number | string | null | undefined, b: number | string | null | undefined, dir: Dir) => {
  // empty cells sort last in either direction
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1
  if (b === null || b === undefined) return -1
  const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))
  return dir === "asc" ? c : -c
}

const keeps = (v: View) => (r: Row) => {
  const q = v.q.trim().toLowerCase()
  const size = r.cells["size"]
  const weights = r.cells["weights"]
  const date = r.cells["date"]
  const bucket = sizes.find((s) => s.value === v.size)
  return (
    (v.withdrawn || !r.withdrawn) &&
    (v.reported || r.kind !== "reported") &&
    (q === "" || r.model.toLowerCase().includes(q) || r.sub.toLowerCase().includes(q)) &&
    (v.size === "" ||
      (v.size === "unknown" ? typeof size !== "number" : typeof size === "number" && bucket?.test(size) === true)) &&
    (v.weights === "" ||
      (v.weights === "unknown" ? weights === null || weights === undefined : weights === v.weights)) &&
    (v.frames === "" || String(r.cells["frames"]) === v.frames) &&
    (v.since === "" || (typeof date === "string" && date >= v.since))
  )
}

const shownValue = (v: number | string | null | undefined, format: Format) =>
  v === null || v === undefined
    ? "–"
    : typeof v === "string"
      ? v
      : format === "score"
        ? v.toFixed(1)
        : format === "size"
          ? `${v} B`
          : Math.round(v).toLocaleString("en")

/** A cell; `first` marks the first column of a group (a rule on its left sets the groups apart). */
function Cell({ row, column, first }: { readonly row: Row; readonly column: Column; readonly first?: boolean }) {
  const v = row.cells[column.key]
  const extra = row.extra?.[column.key]
  const className = `${column.format === "text" ? "" : "num"}${first === true ? " first" : ""}` || undefined
  if ((v === null || v === undefined) && row.kind === "reported")
    return (
      <td className={className} title="not given by the source">
        –<span className="sr-only"> not given by the source</span>
      </td>
    )
  return (
    <td className={className} title={extra?.title}>
      {shownValue(v, column.format)}
      {extra?.pm === undefined ? null : <span className="pm"> {extra.pm}</span>}
      {extra?.notes?.map((n) => (
        <span className="note" key={n}>
          {n}
        </span>
      ))}
    </td>
  )
}

function ModelCell({ row }: { readonly row: Row }) {
  return (
    <th scope="row" className="model">
      {row.href === null ? <span className="name">{row.model}</span> : <a href={row.href}>{row.model}</a>}
      {row.withdrawn ? <span className="badge">withdrawn</span> : null}
      {row.kind === "reported" ? <span className="badge reported-badge">reported</span> : null}
      {row.sub === "" ? null : <span className="note">{row.sub}</span>}
      {row.source === undefined ? null : (
        <a className="note" href={row.source.url} rel="nofollow noopener" title={row.source.title}>
          source
        </a>
      )}
    </th>
  )
}

export default function Leaderboard(props: Props) {
  const { id, caption, groups, columns, rows } = props
  const [view, setView] = useState<View>(() => defaultView(props))
  // false in the server's HTML and until React has hydrated the table and applied the URL's state: the
  // data-hydrating attribute says the table does not answer clicks and keys yet (Astro marks an island
  // hydrated when hydration has only been scheduled)
  const [ready, setReady] = useState(false)

  // the view a shared URL carries, read once on the client (a static page's props never change)
  useEffect(() => {
    setView(readView(props, window.location.search))
    setReady(true)
  }, [])

  const change = (patch: Partial<View>) => {
    const next = { ...view, ...patch }
    setView(next)
    const search = writeView(props, next, window.location.search)
    window.history.replaceState(
      null,
      "",
      `${window.location.pathname}${search === "" ? "" : `?${search}`}${window.location.hash}`
    )
  }

  const onSort = (key: string) =>
    change({
      sort: key,
      dir: key === view.sort ? (view.dir === "desc" ? "asc" : "desc") : textKeys.has(key) ? "asc" : "desc"
    })

  const shown = useMemo(() => {
    const value = (r: Row) => (view.sort === "model" ? r.model : r.cells[view.sort])
    return rows
      .filter(keeps(view))
      .sort(
        (a, b) =>
          Number(a.withdrawn) - Number(b.withdrawn) ||
          compare(value(a), value(b), view.dir) ||
          a.model.localeCompare(b.model)
      )
  }, [rows, view])

  const core = columns.filter((c) => c.group === "core")
  const visible = groups
    .filter((g) => view.cols.includes(g.id))
    .map((g) => ({ group: g, columns: columns.filter((c) => c.group === g.id) }))
    .filter((g) => g.columns.length > 0)
  const frames = [...new Set(rows.map((r) => r.cells["frames"]).filter((f) => typeof f === "number"))].sort(
    (a, b) => a - b
  )
  const ariaSort = (key: string) => (key === view.sort ? (view.dir === "asc" ? "ascending" : "descending") : undefined)
  const sortButton = (key: string, label: string) => (
    <button type="button" onClick={() => onSort(key)}>
      {label}
    </button>
  )
  let rank = 0

  return (
    <div className="board" data-hydrating={ready ? undefined : ""}>
      {/* disabled until hydrated: without JavaScript the controls cannot work, and say so by being greyed */}
      <fieldset className="controls" disabled={!ready}>
        <legend>Rows</legend>
        <label>
          Filter by model or organisation{" "}
          <input type="search" name={`${id}-filter`} value={view.q} onChange={(e) => change({ q: e.target.value })} />
        </label>
        <label>
          Size{" "}
          <select name={`${id}-size`} value={view.size} onChange={(e) => change({ size: e.target.value })}>
            <option value="">any</option>
            {sizes.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
            <option value="unknown">not given</option>
          </select>
        </label>
        <label>
          Weights{" "}
          <select name={`${id}-weights`} value={view.weights} onChange={(e) => change({ weights: e.target.value })}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="closed">closed</option>
            <option value="unknown">not given</option>
          </select>
        </label>
        <label>
          Frames{" "}
          <select name={`${id}-frames`} value={view.frames} onChange={(e) => change({ frames: e.target.value })}>
            <option value="">any</option>
            {frames.map((f) => (
              <option key={f} value={String(f)}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          Submitted since{" "}
          <input
            type="date"
            name={`${id}-since`}
            value={view.since}
            onChange={(e) => change({ since: e.target.value })}
          />
        </label>
        <label>
          <input type="checkbox" checked={view.withdrawn} onChange={(e) => change({ withdrawn: e.target.checked })} />{" "}
          show withdrawn
        </label>
        <label>
          <input type="checkbox" checked={view.reported} onChange={(e) => change({ reported: e.target.checked })} />{" "}
          show reported
        </label>
        <span role="status" aria-live="polite">
          {shown.length} of {rows.length} rows shown
        </span>
      </fieldset>
      <fieldset className="controls groups" disabled={!ready}>
        <legend>Columns</legend>
        {groups.map((g) => (
          <label key={g.id}>
            <input
              type="checkbox"
              name={`${id}-col-${g.id}`}
              checked={view.cols.includes(g.id)}
              onChange={(e) =>
                change({
                  cols: groups
                    .filter((x) => (x.id === g.id ? e.target.checked : view.cols.includes(x.id)))
                    .map((x) => x.id)
                })
              }
            />{" "}
            {g.label}
          </label>
        ))}
      </fieldset>
      {/* focusable so that keyboard users can scroll it sideways */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <section className="table-wrap" tabIndex={0} aria-labelledby={`${id}-caption`}>
        <table id={id}>
          <caption id={`${id}-caption`}>
            {caption}
            {visible.length === 0 ? "" : `; ${visible.map((g) => g.group.label).join("; ")}`}
          </caption>
          <thead>
            <tr>
              <th scope="col" rowSpan={2} className="num rank">
                #
              </th>
              <th scope="col" rowSpan={2} className="model" aria-sort={ariaSort("model")}>
                {sortButton("model", "Model")}
              </th>
              {core.map((c) => (
                <th scope="col" rowSpan={2} key={c.key} className="num" aria-sort={ariaSort(c.key)}>
                  {sortButton(c.key, c.label)}
                </th>
              ))}
              {visible.map((g) => (
                <th scope="colgroup" colSpan={g.columns.length} key={g.group.id} className="group">
                  {g.group.label}
                </th>
              ))}
            </tr>
            <tr>
              {visible.flatMap((g) =>
                g.columns.map((c, i) => (
                  <th
                    scope="col"
                    key={c.key}
                    className={`${c.format === "text" ? "" : "num"}${i === 0 ? " first" : ""}`}
                    aria-sort={ariaSort(c.key)}
                  >
                    {sortButton(c.key, c.label)}
                  </th>
                ))
              )}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr
                key={r.id}
                className={r.kind === "reported" ? "reported" : r.withdrawn ? "withdrawn" : undefined}
                data-model={r.model}
                data-kind={r.kind}
              >
                <td className="num rank">{r.withdrawn || r.kind === "reported" ? "" : ++rank}</td>
                <ModelCell row={r} />
                {core.map((c) => (
                  <Cell key={c.key} row={r} column={c} />
                ))}
                {visible.flatMap((g) =>
                  g.columns.map((c, i) => <Cell key={c.key} row={r} column={c} first={i === 0} />)
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  )
}
