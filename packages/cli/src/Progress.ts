import type { ModelCall, StageProgress } from "@videokr/core"

/**
 * Live progress of `videokr run`, on stderr: on a terminal, one line per stage redrawn in place (bar,
 * items done of those seen, rate, ETA, spend); elsewhere (logs, CI), one line as each stage finishes.
 * Spend comes from the model calls as they are recorded; what calls met, per model, from ModelHealth.
 */
export interface CallTally {
  readonly record: (call: Pick<ModelCall, "stage" | "costUsd">) => void
  readonly spend: (stage: string) => number
  readonly calls: (stage: string) => number
}

export const callTally = (): CallTally => {
  const spend = new Map<string, number>()
  const calls = new Map<string, number>()
  return {
    record: (call) => {
      const stage = call.stage ?? "(none)"
      spend.set(stage, (spend.get(stage) ?? 0) + call.costUsd)
      calls.set(stage, (calls.get(stage) ?? 0) + 1)
    },
    spend: (stage) => spend.get(stage) ?? 0,
    calls: (stage) => calls.get(stage) ?? 0
  }
}

const clock = (seconds: number) => {
  if (!Number.isFinite(seconds)) return "--:--"
  const s = Math.round(seconds)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

export const progressLine = (
  p: StageProgress,
  elapsedSeconds: number,
  spend: number,
  width = 20,
  waiting?: string
): string => {
  const total = p.processed + p.pending
  const share = total === 0 ? (p.done ? 1 : 0) : p.processed / total
  const bar = "#".repeat(Math.round(share * width)).padEnd(width, "-")
  const rate = elapsedSeconds > 0 ? p.processed / elapsedSeconds : 0
  const eta = p.done
    ? "done"
    : rate > 0 && p.pending > 0
      ? `ETA ${clock(p.pending / rate)}`
      : p.pending === 0
        ? "waiting"
        : "ETA --:--"
  const retrying = p.retrying > 0 ? `, retrying ${p.retrying}` : ""
  const left = p.leftPending > 0 ? `, pending ${p.leftPending}` : ""
  const line = `${p.stage.padEnd(16)} [${bar}] ${String(p.processed).padStart(6)}/${String(total).padEnd(6)} ${rate.toFixed(1).padStart(7)}/s  ${eta.padEnd(10)} kept ${p.kept}, dropped ${p.dropped}, errors ${p.errors}${retrying}${left}  $${spend.toFixed(4)}`
  return waiting === undefined || p.done ? line : `${line}\n${"".padEnd(16)} ${p.stage}: ${waiting}`
}

export interface ProgressOptions {
  /** what a stage waits for, when its models are sick ("waiting for … (circuit open 2m10s, next probe in 20s)") */
  readonly waiting?: ((stage: string) => string | undefined) | undefined
}

export const makeProgress = (out: NodeJS.WriteStream, tally: CallTally, options: ProgressOptions = {}) => {
  const started = new Map<string, number>()
  const finished = new Set<string>()
  const said = new Map<string, string | undefined>()
  const live = out.isTTY === true
  let drawn = 0
  let last = 0
  let latest: ReadonlyArray<StageProgress> = []
  const elapsed = (stage: string) => (performance.now() - (started.get(stage) ?? performance.now())) / 1000
  const draw = () => {
    const lines = latest.flatMap((p) =>
      progressLine(p, elapsed(p.stage), tally.spend(p.stage), 20, options.waiting?.(p.stage)).split("\n")
    )
    out.write(
      (drawn > 0 ? `\x1b[${drawn}A` : "") +
        lines.map((l) => `\x1b[2K${l}\n`).join("") +
        (drawn > lines.length ? "\x1b[J" : "")
    )
    drawn = lines.length
  }
  /** in logs: a line when a stage starts or stops waiting for a sick model */
  const sayWaiting = () => {
    for (const p of latest) {
      if (p.done) continue
      const now = options.waiting?.(p.stage)
      const before = said.get(p.stage)
      if (
        (now === undefined) === (before === undefined) &&
        (now === undefined || now.split(" (")[0] === before?.split(" (")[0])
      )
        continue
      said.set(p.stage, now)
      out.write(now === undefined ? `${p.stage}: models answer again\n` : `${p.stage}: ${now}\n`)
    }
  }
  // a run waiting for a sick model makes no progress to report: the display still moves (circuit times, probes)
  const ticker =
    options.waiting === undefined
      ? undefined
      : setInterval(() => (live ? latest.length > 0 && draw() : sayWaiting()), 1000)
  ticker?.unref()
  return {
    onProgress: (progress: ReadonlyArray<StageProgress>) => {
      latest = progress
      for (const p of progress)
        if (!started.has(p.stage) && (p.processed > 0 || p.pending > 0 || p.done))
          started.set(p.stage, performance.now())
      if (live) {
        const now = performance.now()
        if (now - last > 100 || progress.every((p) => p.done)) {
          last = now
          draw()
        }
        return
      }
      for (const p of progress) {
        if (p.done && !finished.has(p.stage)) {
          finished.add(p.stage)
          const left = p.leftPending > 0 ? `, ${p.leftPending} left pending after transient failures` : ""
          out.write(
            `${p.stage}: done, ${p.processed} item(s) in ${elapsed(p.stage).toFixed(1)} s (kept ${p.kept}, dropped ${p.dropped}, errors ${p.errors}${left}), $${tally.spend(p.stage).toFixed(4)}\n`
          )
        }
      }
    },
    end: () => {
      if (ticker !== undefined) clearInterval(ticker)
      if (live && latest.length > 0) draw()
    }
  }
}
