import { distance } from "fastest-levenshtein"

/**
 * The candidate closest to a mistyped name (a flag, a config key, a stage, a provider prefix), when it
 * is close enough to be what was meant: at most a third of its length away, and at most 3 edits.
 */
export const didYouMean = (input: string, candidates: Iterable<string>): string | undefined => {
  let best: { readonly name: string; readonly d: number } | undefined
  for (const name of candidates) {
    const d = distance(input.toLowerCase(), name.toLowerCase())
    if (d <= Math.min(3, Math.max(1, Math.floor(name.length / 3))) && (best === undefined || d < best.d))
      best = { name, d }
  }
  return best?.name
}

/** "; did you mean x?" when a candidate is close, else "". */
export const didYouMeanHint = (input: string, candidates: Iterable<string>): string => {
  const hint = didYouMean(input, candidates)
  return hint === undefined ? "" : `; did you mean ${hint}?`
}
