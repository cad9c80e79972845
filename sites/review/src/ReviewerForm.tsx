import { useState } from "react"

/** Who is reviewing: asked once, kept in the browser. */
export const ReviewerForm = ({
  initial,
  onDone,
  onCancel
}: {
  readonly initial: string
  readonly onDone: (name: string) => void
  readonly onCancel?: (() => void) | undefined
}) => {
  const [name, setName] = useState(initial)
  return (
    <form
      className="reviewer"
      onSubmit={(e) => {
        e.preventDefault()
        if (name.trim() !== "") onDone(name.trim())
      }}
    >
      <h2>Who is reviewing?</h2>
      <p>Your marks are saved under this name.</p>
      <label>
        Your name{" "}
        <input value={name} onChange={(e) => setName(e.currentTarget.value)} required autoFocus autoComplete="name" />
      </label>
      <div className="actions">
        <button type="submit">Start reviewing</button>
        {onCancel !== undefined && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}
