import type { StageProgress } from "@videokr/core"
import type { ModelHealthRow } from "@videokr/providers"
import type { ModelStatus } from "./RunStatus.ts"

/**
 * Per model, for `videokr status` and the end of a run: what its calls met (retries, 429s, 5xx, timeouts,
 * broken connections, unusable answers), its circuit, how long calls waited for it, and how many items
 * it leaves pending.
 */
export const modelStatuses = (
  health: ReadonlyArray<ModelHealthRow>,
  runs: ReadonlyArray<StageProgress>,
  now: number
): Array<ModelStatus> => {
  const pending = new Map<string, number>()
  for (const r of runs) for (const [m, n] of Object.entries(r.pendingByModel)) pending.set(m, (pending.get(m) ?? 0) + n)
  const models = [...new Set([...health.map((h) => h.model), ...pending.keys()])].sort()
  return models.map((model): ModelStatus => {
    const h = health.find((x) => x.model === model)
    const c = h?.circuit ?? { state: "closed" as const }
    return {
      model,
      calls: h?.calls ?? 0,
      retried: h?.retried ?? 0,
      rateLimited: h?.rateLimited ?? 0,
      serverErrors: h?.serverErrors ?? 0,
      timeouts: h?.timeouts ?? 0,
      connectionErrors: h?.connectionErrors ?? 0,
      unusable: h?.unusable ?? 0,
      circuitOpenings: h?.circuitOpenings ?? 0,
      waitingSeconds: Math.round((h?.waitingMillis ?? 0) / 1000),
      itemsPending: pending.get(model) ?? 0,
      gaveUp: h?.gaveUp ?? false,
      circuit: c.state,
      ...(c.state === "closed" ? {} : { openForSeconds: Math.max(0, Math.round((now - c.since) / 1000)) }),
      ...(c.state === "open" ? { nextProbeSeconds: Math.max(0, Math.round((c.nextProbeAt - now) / 1000)) } : {})
    }
  })
}

/** "3 metadata, 2 visual": what a run leaves pending, by stage. */
export const pendingByStage = (runs: ReadonlyArray<StageProgress>): string =>
  runs
    .filter((r) => r.leftPending > 0)
    .map((r) => `${r.leftPending} ${r.stage}`)
    .join(", ")
