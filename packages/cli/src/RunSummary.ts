import type { StageProgress } from "@videokr/core"
import type { ModelHealthRow } from "@videokr/providers"
import { table } from "./Output.ts"

/**
 * The end of a run, per model: what its calls met (retries, 429s, 5xx, timeouts, broken connections,
 * unusable answers), how often its circuit opened, how long calls waited for it, and how many items it
 * leaves pending. Printed as a table, and in `videokr run --json`.
 */
export interface ModelSummary {
  readonly model: string
  readonly calls: number
  readonly retried: number
  readonly rateLimited: number
  readonly serverErrors: number
  readonly timeouts: number
  readonly connectionErrors: number
  readonly unusable: number
  readonly circuitOpenings: number
  readonly waitingSeconds: number
  readonly gaveUp: boolean
  readonly itemsPending: number
}

export const modelSummaries = (health: ReadonlyArray<ModelHealthRow>, runs: ReadonlyArray<StageProgress>): Array<ModelSummary> => {
  const pending = new Map<string, number>()
  for (const r of runs) for (const [m, n] of Object.entries(r.pendingByModel)) pending.set(m, (pending.get(m) ?? 0) + n)
  const models = [...new Set([...health.map((h) => h.model), ...pending.keys()])].sort()
  return models.map((model) => {
    const h = health.find((x) => x.model === model)
    return {
      model,
      calls: h?.calls ?? 0, retried: h?.retried ?? 0, rateLimited: h?.rateLimited ?? 0, serverErrors: h?.serverErrors ?? 0, timeouts: h?.timeouts ?? 0,
      connectionErrors: h?.connectionErrors ?? 0, unusable: h?.unusable ?? 0, circuitOpenings: h?.circuitOpenings ?? 0,
      waitingSeconds: Math.round((h?.waitingMillis ?? 0) / 1000), gaveUp: h?.gaveUp ?? false, itemsPending: pending.get(model) ?? 0
    }
  })
}

export const renderModelSummaries = (rows: ReadonlyArray<ModelSummary>): string =>
  table(
    ["model", "calls", "retried", "429s", "5xx", "timeouts", "connection", "unusable", "circuit openings", "waiting (s)", "items pending"],
    rows.map((r) => [r.model + (r.gaveUp ? " (stopped waiting)" : ""), r.calls, r.retried, r.rateLimited, r.serverErrors, r.timeouts, r.connectionErrors, r.unusable, r.circuitOpenings, r.waitingSeconds, r.itemsPending])
  )

/** "3 metadata, 2 visual": what a run leaves pending, by stage. */
export const pendingByStage = (runs: ReadonlyArray<StageProgress>): string =>
  runs.filter((r) => r.leftPending > 0).map((r) => `${r.leftPending} ${r.stage}`).join(", ")
