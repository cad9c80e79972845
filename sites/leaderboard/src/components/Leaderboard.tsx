import { useEffect, useMemo, useState } from "react"

/**
 * A sortable, filterable results table. Rendered on the server in its default order (the no-JS table),
 * then hydrated: a click on a column sorts by it, the search box filters by model or organisation, and the
 * state is kept in the URL (`<id>.sort`, `<id>.dir`, `<id>.q`, `<id>.withdrawn`) so that a view can be
 * shared. Withdrawn entries stay listed (marked, unranked) when asked for.
 */
export interface Column {
  readonly key: string
  readonly label: string
  readonly numeric: boolean
}

export interface Row {
  readonly id: string
  readonly href: string
  readonly model: string
  readonly organisation: string
  readonly withdrawn: boolean
  readonly cells: Readonly<Record<string, number | string | null>>
  /** a second line under a cell, e.g. the 95% interval */
  readonly notes?: Readonly<Record<string, string>>
}

export interface Props {
  readonly id: string
  readonly caption: string
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<Row>
  readonly defaultSort: string
}

type Dir = "asc" | "desc"

const compare = (a: number | string | null | undefined, b: number | string | null | undefined, dir: Dir) => {
  // empty cells sort last in either direction
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1
  if (b === null || b === undefined) return -1
  const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))
  return dir === "asc" ? c : -c
}

const show = (v: number | string | null | undefined) =>
  v === null || v === undefined ? "–" : typeof v === "number" ? v.toFixed(1) : v

export default function Leaderboard({ id, caption, columns, rows, defaultSort }: Props) {
  const [sort, setSort] = useState(defaultSort)
  const [dir, setDir] = useState<Dir>("desc")
  const [query, setQuery] = useState("")
  const [withdrawn, setWithdrawn] = useState(true)
  // false in the server's HTML and until React has hydrated the table and applied the URL's state: the
  // data-hydrating attribute says the table does not answer clicks and keys yet (Astro marks an island
  // hydrated when hydration has only been scheduled)
  const [ready, setReady] = useState(false)

  // the state a shared URL carries, read once on the client
  useEffect(() => {
    const p = new URLSearchParams(window.location.search)
    const s = p.get(`${id}.sort`)
    if (s !== null && (s === "model" || s === "organisation" || columns.some((c) => c.key === s))) setSort(s)
    const d = p.get(`${id}.dir`)
    if (d === "asc" || d === "desc") setDir(d)
    setQuery(p.get(`${id}.q`) ?? "")
    setWithdrawn(p.get(`${id}.withdrawn`) !== "hide")
    setReady(true)
  }, [id, columns])

  const update = (next: { sort?: string; dir?: Dir; query?: string; withdrawn?: boolean }) => {
    const p = new URLSearchParams(window.location.search)
    const s = next.sort ?? sort
    const d = next.dir ?? dir
    const q = next.query ?? query
    const w = next.withdrawn ?? withdrawn
    if (s === defaultSort && d === "desc") {
      p.delete(`${id}.sort`)
      p.delete(`${id}.dir`)
    } else {
      p.set(`${id}.sort`, s)
      p.set(`${id}.dir`, d)
    }
    if (q === "") p.delete(`${id}.q`)
    else p.set(`${id}.q`, q)
    if (w) p.delete(`${id}.withdrawn`)
    else p.set(`${id}.withdrawn`, "hide")
    const search = p.toString()
    window.history.replaceState(
      null,
      "",
      `${window.location.pathname}${search === "" ? "" : `?${search}`}${window.location.hash}`
    )
  }

  const onSort = (key: string) => {
    const nextDir: Dir =
      key === sort ? (dir === "desc" ? "asc" : "desc") : key === "model" || key === "organisation" ? "asc" : "desc"
    setSort(key)
    setDir(nextDir)
    update({ sort: key, dir: nextDir })
  }

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase()
    const value = (r: Row) => (sort === "model" ? r.model : sort === "organisation" ? r.organisation : r.cells[sort])
    return rows
      .filter(
        (r) =>
          (withdrawn || !r.withdrawn) &&
          (q === "" || r.model.toLowerCase().includes(q) || r.organisation.toLowerCase().includes(q))
      )
      .sort(
        (a, b) =>
          Number(a.withdrawn) - Number(b.withdrawn) ||
          compare(value(a), value(b), dir) ||
          a.model.localeCompare(b.model)
      )
  }, [rows, sort, dir, query, withdrawn])

  const ariaSort = (key: string) => (key === sort ? (dir === "asc" ? "ascending" : "descending") : undefined)
  let rank = 0

  return (
    <div data-hydrating={ready ? undefined : ""}>
      <div className="controls">
        <label>
          Filter by model or organisation{" "}
          <input
            type="search"
            name={`${id}-filter`}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value)
              update({ query: e.target.value })
            }}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={withdrawn}
            onChange={(e) => {
              setWithdrawn(e.target.checked)
              update({ withdrawn: e.target.checked })
            }}
          />{" "}
          show withdrawn
        </label>
        <span role="status" aria-live="polite">
          {shown.length} of {rows.length} shown
        </span>
      </div>
      <div className="scroll">
        <table id={id}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col" aria-sort={ariaSort("model")}>
                <button type="button" onClick={() => onSort("model")}>
                  Model
                </button>
              </th>
              <th scope="col" aria-sort={ariaSort("organisation")}>
                <button type="button" onClick={() => onSort("organisation")}>
                  Organisation
                </button>
              </th>
              {columns.map((c) => (
                <th scope="col" key={c.key} className={c.numeric ? "num" : undefined} aria-sort={ariaSort(c.key)}>
                  <button type="button" onClick={() => onSort(c.key)}>
                    {c.label}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} className={r.withdrawn ? "withdrawn" : undefined} data-model={r.model}>
                <td className="num">{r.withdrawn ? "" : ++rank}</td>
                <td>
                  <a href={r.href}>{r.model}</a>
                  {r.withdrawn ? <span className="badge">withdrawn</span> : null}
                </td>
                <td>{r.organisation}</td>
                {columns.map((c) => (
                  <td key={c.key} className={c.numeric ? "num" : undefined}>
                    {show(r.cells[c.key])}
                    {r.notes?.[c.key] === undefined ? null : <span className="ci">{r.notes[c.key]}</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
