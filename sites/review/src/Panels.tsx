import { keyHelp } from "./Keys.ts"
import type { ReviewStepInfo } from "./types.ts"

/** What a reviewer checks for the step (`g`). */
export const Guidelines = ({ step }: { readonly step: ReviewStepInfo }) => (
  <section className="panel" aria-label="Guidelines">
    <p className="title">Guidelines: {step.step}</p>
    <p className="muted">One item is one {step.unit}.</p>
    <ul>
      {step.guidelines.map((g, i) => (
        <li key={i}>{g}</li>
      ))}
    </ul>
  </section>
)

/** The keys (`?`). */
export const KeyHelp = () => (
  <section className="panel" aria-label="Keyboard shortcuts">
    <p className="title">Keyboard shortcuts</p>
    <dl className="keys">
      {keyHelp.map(([k, does]) => (
        <div key={k}>
          <dt>
            <kbd>{k}</kbd>
          </dt>
          <dd>{does}</dd>
        </div>
      ))}
    </dl>
    <p className="muted">The keys are off while you type in a field or hold ctrl, alt or meta.</p>
  </section>
)
