import { categories, defaultSort, rows } from "../board.ts"

/**
 * The compare page's data, one file fetched by its island: every board row (submissions and reported
 * rows) with its scores aligned with `categories`. A file rather than the island's props, so that the
 * compare page's HTML stays small with 1,000 submissions, and rather than a page per pair (a million).
 */
export const GET = () =>
  new Response(
    JSON.stringify({
      categories,
      // in the board's default order (submissions and reported rows by the headline score, withdrawn last),
      // so that the first two are a sensible pair
      models: [...rows]
        .sort(
          (a, b) =>
            Number(a.withdrawn) - Number(b.withdrawn) ||
            Number(b.cells[defaultSort] ?? -1) - Number(a.cells[defaultSort] ?? -1) ||
            a.model.localeCompare(b.model)
        )
        .map((r) => ({
          id: r.id,
          label: r.model,
          kind: r.kind,
          withdrawn: r.withdrawn,
          href: r.href,
          scores: categories.map((c) => {
            const v = r.cells[c.key]
            return typeof v === "number" ? v : null
          })
        }))
    })
  )
