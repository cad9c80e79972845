import type { ProviderError } from "@videokr/core"

/**
 * What failed in a run, grouped by kind and model, with a count and one example each: the end of a run
 * says this instead of a wall of logs.
 */
export interface FailureGroup {
  readonly kind: ProviderError["_tag"]
  readonly provider: string
  readonly model: string
  readonly count: number
  readonly example: string
}

export const summarizeFailures = (failures: ReadonlyArray<ProviderError>): Array<FailureGroup> => {
  const groups = new Map<string, { -readonly [K in keyof FailureGroup]: FailureGroup[K] }>()
  for (const f of failures) {
    const key = `${f._tag}\u0000${f.provider}\u0000${f.model}`
    const g = groups.get(key)
    if (g) g.count++
    else groups.set(key, { kind: f._tag, provider: f.provider, model: f.model, count: 1, example: f.message })
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind))
}

export const renderFailureSummary = (groups: ReadonlyArray<FailureGroup>): string =>
  groups.length === 0
    ? "no failures"
    : [
        `${groups.reduce((n, g) => n + g.count, 0)} call(s) failed after retries:`,
        ...groups.map(
          (g) => `  ${String(g.count).padStart(6)} x ${g.kind} from ${g.provider} ${g.model}, e.g. ${g.example}`
        )
      ].join("\n")
