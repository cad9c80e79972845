import { useEffect, useState } from "react"
import { getAgreement } from "./api.ts"
import { hashOf } from "./place.ts"
import type { ReviewAgreement, ReviewMarkSummary } from "./types.ts"

const percent = (share: number | null) => (share === null ? "-" : `${Math.round(share * 1000) / 10}%`)

/** "ana: correct", "bo: incorrect (wrong answer)". */
export const agreementMark = (m: ReviewMarkSummary) =>
  `${m.reviewer}: ${m.correct ? "correct" : m.category === null ? "incorrect" : `incorrect (${m.category})`}`

/**
 * How far the reviewers agree, per step (Cohen's kappa of the two first reviewers of each item), and the
 * items they are split on: "Adjudicate" opens one in the Review view, where the adjudicator's mark joins
 * the others. Fetched each time the view opens.
 */
export const Agreement = () => {
  const [agreement, setAgreement] = useState<ReviewAgreement | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    getAgreement().then(
      (a) => live && setAgreement(a),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e))
    )
    return () => {
      live = false
    }
  }, [])
  if (error !== null)
    return (
      <p role="alert" className="alert">
        {error}
      </p>
    )
  if (agreement === null) return <p className="muted">Loading the agreement…</p>
  return (
    <section className="agreement" aria-labelledby="agreement-heading">
      <h2 id="agreement-heading">Agreement</h2>
      <div className="scroll">
        <table>
          <caption>Agreement between reviewers</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="num">
                Items marked by two reviewers
              </th>
              <th scope="col" className="num">
                Observed agreement
              </th>
              <th scope="col" className="num">
                Cohen's kappa
              </th>
            </tr>
          </thead>
          <tbody>
            {agreement.steps.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  No item has been marked by two reviewers yet.
                </td>
              </tr>
            ) : (
              agreement.steps.map((s) => (
                <tr key={s.step}>
                  <th scope="row">{s.step}</th>
                  <td className="num">{s.pairs}</td>
                  <td className="num">{percent(s.observed)}</td>
                  <td className="num">{s.kappa === null ? "-" : s.kappa.toFixed(2)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>

      <h3 id="disagreements-heading">Disagreements to adjudicate</h3>
      {agreement.disagreements.length === 0 ? (
        <p>No disagreements.</p>
      ) : (
        <div className="scroll">
          <table aria-labelledby="disagreements-heading">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Item</th>
                <th scope="col">Model</th>
                <th scope="col">Marks</th>
              </tr>
            </thead>
            <tbody>
              {agreement.disagreements.map((d) => (
                <tr key={`${d.step}\u0000${d.item_id}`}>
                  <td>{d.step}</td>
                  <td>
                    <a href={hashOf({ step: d.step, item: d.item_id })}>
                      Adjudicate <code>{d.item_id}</code>
                    </a>
                  </td>
                  <td>
                    <code>{d.model_id}</code>
                  </td>
                  <td>
                    <ul className="plain">
                      {d.marks.map((m) => (
                        <li key={m.mark_id}>{agreementMark(m)}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
