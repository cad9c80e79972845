import { useEffect, useState } from "react"

/**
 * Two models side by side, per category (each benchmark, the averages, VideoKR-Eval's disciplines,
 * skills and question types): the island of the compare page. It reads the board's scores from a JSON
 * file made at build time (compare.json) and keeps the pair in the URL (`?a=<id>&b=<id>`).
 */
export interface CompareData {
  readonly categories: ReadonlyArray<{ readonly key: string; readonly label: string; readonly group: string }>
  readonly models: ReadonlyArray<{
    readonly id: string
    readonly label: string
    readonly kind: "submission" | "reported"
    readonly withdrawn: boolean
    readonly href: string | null
    /** aligned with categories */
    readonly scores: ReadonlyArray<number | null>
  }>
}

type Model = CompareData["models"][number]

const optionLabel = (m: Model) =>
  `${m.label}${m.kind === "reported" ? " (reported)" : ""}${m.withdrawn ? " (withdrawn)" : ""}`

const show = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(1))

function Score({ value }: { readonly value: number | null | undefined }) {
  return (
    <td className="num">
      {show(value)}
      {value === null || value === undefined ? null : (
        <span className="cbar" aria-hidden="true">
          <span style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
        </span>
      )}
    </td>
  )
}

function Picker(props: {
  readonly name: string
  readonly label: string
  readonly value: string
  readonly models: ReadonlyArray<Model>
  readonly onChange: (id: string) => void
}) {
  return (
    <label>
      {props.label}{" "}
      <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.models.map((m) => (
          <option key={m.id} value={m.id}>
            {optionLabel(m)}
          </option>
        ))}
      </select>
    </label>
  )
}

export default function Compare({ dataUrl }: { readonly dataUrl: string }) {
  const [data, setData] = useState<CompareData | null>(null)
  const [failed, setFailed] = useState<string | null>(null)
  const [pair, setPair] = useState<{ a: string; b: string }>({ a: "", b: "" })

  // the data and the pair a shared URL carries, read once on the client; until then data-hydrating says
  // the page does not answer yet
  useEffect(() => {
    fetch(dataUrl)
      .then((r) => (r.ok ? (r.json() as Promise<CompareData>) : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((d) => {
        const p = new URLSearchParams(window.location.search)
        const known = (id: string | null) => (id !== null && d.models.some((m) => m.id === id) ? id : undefined)
        const a = known(p.get("a")) ?? d.models[0]?.id ?? ""
        const b = known(p.get("b")) ?? d.models.find((m) => m.id !== a)?.id ?? a
        setPair({ a, b })
        setData(d)
      })
      .catch((e: unknown) => setFailed(e instanceof Error ? e.message : String(e)))
  }, [dataUrl])

  const choose = (next: { a: string; b: string }) => {
    setPair(next)
    const p = new URLSearchParams(window.location.search)
    p.set("a", next.a)
    p.set("b", next.b)
    window.history.replaceState(null, "", `${window.location.pathname}?${p.toString()}${window.location.hash}`)
  }

  if (failed !== null) return <p role="alert">The scores could not be loaded ({failed}).</p>
  if (data === null)
    return (
      <div data-hydrating="">
        <p>Loading the scores…</p>
      </div>
    )
  const a = data.models.find((m) => m.id === pair.a)
  const b = data.models.find((m) => m.id === pair.b)
  // a category neither model has a number for says nothing about either
  const shown = data.categories
    .map((c, i) => ({ ...c, a: a?.scores[i] ?? null, b: b?.scores[i] ?? null }))
    .filter((c) => c.a !== null || c.b !== null)
  const sections = [...new Set(shown.map((c) => c.group))]
  const name = (m: Model | undefined) => (m === undefined ? "–" : optionLabel(m))

  return (
    <div className="compare">
      <div className="controls">
        <Picker
          name="compare-a"
          label="First model"
          value={pair.a}
          models={data.models}
          onChange={(id) => choose({ ...pair, a: id })}
        />
        <Picker
          name="compare-b"
          label="Second model"
          value={pair.b}
          models={data.models}
          onChange={(id) => choose({ ...pair, b: id })}
        />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <section className="table-wrap short" tabIndex={0} aria-labelledby="compare-caption">
        <table id="compare">
          <caption id="compare-caption">
            {name(a)} and {name(b)}: accuracy (%) by category
          </caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                {a?.href ? <a href={a.href}>{name(a)}</a> : name(a)}
              </th>
              <th scope="col" className="num">
                {b?.href ? <a href={b.href}>{name(b)}</a> : name(b)}
              </th>
              <th scope="col" className="num">
                Second − first
              </th>
            </tr>
          </thead>
          {sections.map((s) => (
            <tbody key={s}>
              <tr>
                <th scope="rowgroup" colSpan={4} className="section">
                  {s}
                </th>
              </tr>
              {shown
                .filter((c) => c.group === s)
                .map((c) => (
                  <tr key={c.key} data-category={c.key}>
                    <th scope="row">{c.label}</th>
                    <Score value={c.a} />
                    <Score value={c.b} />
                    <td className="num">
                      {c.a === null || c.b === null ? "–" : `${c.b - c.a > 0 ? "+" : ""}${(c.b - c.a).toFixed(1)}`}
                    </td>
                  </tr>
                ))}
            </tbody>
          ))}
        </table>
      </section>
      <p className="note">
        Categories neither model has a number for are left out; "–" is a number one of them lacks (a reported row gives
        only what its source publishes).
      </p>
    </div>
  )
}
