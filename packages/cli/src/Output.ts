/** Plain-text tables for the terminal: the CLI's readable output (machines use --json). */

/** Words of `text` in lines of at most `width` characters (a longer word stands alone, whole). */
export const wrapText = (text: string, width: number): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  return [...lines, line]
}

/** The width to wrap to: the terminal's, else 120 columns (files and pipes). */
export const outputWidth = () => Math.max(process.stdout.columns ?? 120, 60)

/**
 * Columns padded to their widest cell, numbers right-aligned. With `wrap`, one column (a reason, a
 * message; the last by default) is shown whole, wrapped so that a row fits in `wrap.width` characters,
 * its further lines under its first.
 */
export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  options: { readonly wrap?: { readonly width: number; readonly column?: number } } = {}
): string => {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)))
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"))
  const wrapped = options.wrap === undefined ? undefined : (options.wrap.column ?? headers.length - 1)
  if (wrapped !== undefined) {
    const others = widths.reduce((n, w, i) => (i === wrapped ? n : n + w + 2), 0)
    widths[wrapped] = Math.min(widths[wrapped]!, Math.max(options.wrap!.width - others, 30))
  }
  const pad = (c: string, i: number) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))
  const line = (r: ReadonlyArray<string>) => {
    const cell = wrapped === undefined ? undefined : (r[wrapped] ?? "")
    if (wrapped === undefined || cell!.length <= widths[wrapped]!) return r.map(pad).join("  ").trimEnd()
    const [first, ...more] = wrapText(cell!, widths[wrapped]!)
    return [
      r
        .map((c, i) => pad(i === wrapped ? first! : c, i))
        .join("  ")
        .trimEnd(),
      ...more.map((l) =>
        r
          .map((_, i) => pad(i === wrapped ? l : "", i))
          .join("  ")
          .trimEnd()
      )
    ].join("\n")
  }
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n")
}

export const formatBytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`
