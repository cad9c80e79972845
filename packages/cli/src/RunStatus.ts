import { Schema } from "effect"
import { table } from "./Output.ts"

/**
 * What a running `videokr run` reports about itself (`videokr status`, and `GET /status` on its socket):
 * per stage, how far it got and what it waits for; per model, how its calls fare and its circuit. The run
 * fills it; other processes decode it through this schema, so a run and a client of different versions
 * fail with the field that differs rather than print nonsense.
 */
export const StageStatus = Schema.Struct({
  stage: Schema.String,
  /** items seen and not yet processed */
  pending: Schema.Number,
  processed: Schema.Number,
  kept: Schema.Number,
  dropped: Schema.Number,
  errors: Schema.Number,
  /** items whose last attempt failed transiently and that will be asked again in this run */
  retrying: Schema.Number,
  /** items given up on for this run after transient failures: the next run asks again */
  leftPending: Schema.Number,
  done: Schema.Boolean,
  ratePerSecond: Schema.Number,
  spendUsd: Schema.Number,
  /** why the stage is not moving, e.g. "waiting for openai-compatible:…#m (circuit open 2m10s, next probe in 20s)" */
  waiting: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "StageStatus" })
export type StageStatus = typeof StageStatus.Type

export const CircuitState = Schema.Literals(["closed", "open", "half-open"])
export type CircuitState = typeof CircuitState.Type

export const ModelStatus = Schema.Struct({
  model: Schema.String,
  calls: Schema.Number,
  retried: Schema.Number,
  rateLimited: Schema.Number,
  serverErrors: Schema.Number,
  timeouts: Schema.Number,
  /** refused or reset connections */
  connectionErrors: Schema.Number,
  /** answers that were not the provider's format (an HTML page, an empty or cut body) */
  unusable: Schema.Number,
  circuitOpenings: Schema.Number,
  /** time items spent waiting for this model's circuit, summed */
  waitingSeconds: Schema.Number,
  /** items of this model given up on for this run (pending for the next) */
  itemsPending: Schema.Number,
  /** the run stopped waiting for this model (its circuit stayed open longer than models.circuit.maxWaitMinutes) */
  gaveUp: Schema.Boolean,
  circuit: CircuitState,
  openForSeconds: Schema.optionalKey(Schema.Number),
  nextProbeSeconds: Schema.optionalKey(Schema.Number)
}).annotate({ identifier: "ModelStatus" })
export type ModelStatus = typeof ModelStatus.Type

/** A run spread over workers: its queue per stage, and the workers that said they are alive in the last seconds. */
export const QueueStatus = Schema.Struct({
  /** the Redis, without its password */
  address: Schema.String,
  stages: Schema.Array(
    Schema.Struct({
      stage: Schema.String,
      /** jobs waiting for a worker */
      waiting: Schema.Number,
      /** in a worker's hands */
      active: Schema.Number,
      /** done since the queue began */
      done: Schema.Number,
      /** failed, not yet taken by the coordinator */
      failed: Schema.Number
    })
  ),
  workers: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      host: Schema.String,
      pid: Schema.Number,
      stages: Schema.Array(Schema.String),
      concurrency: Schema.Number,
      startedAt: Schema.String,
      done: Schema.Number,
      failed: Schema.Number,
      active: Schema.Number,
      lastAt: Schema.optionalKey(Schema.UndefinedOr(Schema.String)),
      perMinute: Schema.Number
    })
  )
}).annotate({ identifier: "QueueStatus" })
export type QueueStatus = typeof QueueStatus.Type

export const RunStatus = Schema.Struct({
  pid: Schema.Number,
  /** ISO 8601 */
  startedAt: Schema.String,
  elapsedSeconds: Schema.Number,
  stages: Schema.Array(StageStatus),
  models: Schema.Array(ModelStatus),
  /** when the run hands its items to workers (videokr run --queue) */
  queue: Schema.optionalKey(QueueStatus)
}).annotate({ identifier: "RunStatus" })
export type RunStatus = typeof RunStatus.Type

/** "3d04h", "2h05m", "2m10s", "20s": the two largest units, enough to read a run of days at a glance. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return "-"
  const s = Math.round(seconds)
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3_600)
  const m = Math.floor((s % 3_600) / 60)
  const two = (n: number) => String(n).padStart(2, "0")
  if (d > 0) return `${d}d${two(h)}h`
  if (h > 0) return `${h}h${two(m)}m`
  if (m > 0) return `${m}m${two(s % 60)}s`
  return `${s}s`
}

const circuitOf = (m: ModelStatus) =>
  m.circuit === "closed"
    ? "closed"
    : [
        m.circuit,
        m.openForSeconds === undefined ? undefined : `for ${formatDuration(m.openForSeconds)}`,
        m.nextProbeSeconds === undefined ? undefined : `next probe in ${formatDuration(m.nextProbeSeconds)}`
      ]
        .filter((x) => x !== undefined)
        .join(", ")

/** The status as the terminal shows it: a heading, a table of stages with what each waits for, a table of models. */
export const renderStatus = (s: RunStatus): string => {
  const heading = `Run in progress: pid ${s.pid}, started ${s.startedAt}, running for ${formatDuration(s.elapsedSeconds)}`
  const stages =
    s.stages.length === 0
      ? "No stage has started yet."
      : table(
          [
            "stage",
            "pending",
            "processed",
            "kept",
            "dropped",
            "errors",
            "retrying",
            "left pending",
            "rate (/s)",
            "spend ($)",
            "state"
          ],
          s.stages.map((x) => [
            x.stage,
            x.pending,
            x.processed,
            x.kept,
            x.dropped,
            x.errors,
            x.retrying,
            x.leftPending,
            x.ratePerSecond.toFixed(2),
            x.spendUsd.toFixed(4),
            x.done ? "done" : x.waiting === undefined ? "running" : "waiting"
          ])
        )
  const waiting = s.stages.filter((x) => x.waiting !== undefined).map((x) => `  ${x.stage}: ${x.waiting}`)
  const models = s.models.length === 0 ? [] : [renderModels(s.models)]
  return [
    heading,
    stages + (waiting.length === 0 ? "" : `\n${waiting.join("\n")}`),
    ...models,
    ...(s.queue === undefined ? [] : [renderQueue(s.queue)])
  ].join("\n\n")
}

/** The queue of a run spread over workers: depth per stage, then the workers with their host, what they did and their rate. */
export const renderQueue = (q: QueueStatus): string => {
  const busy = q.stages.filter((s) => s.waiting + s.active + s.done + s.failed > 0)
  const stages =
    busy.length === 0
      ? "The queue is empty."
      : table(
          ["stage", "waiting", "at a worker", "done", "failed"],
          busy.map((s) => [s.stage, s.waiting, s.active, s.done, s.failed])
        )
  const workers =
    q.workers.length === 0
      ? "No worker is alive: start some with videokr worker --queue <url>"
      : table(
          ["worker", "stages", "at once", "in hand", "done", "failed", "per minute", "last job"],
          q.workers.map((w) => [
            w.id,
            w.stages.length > 4 ? `${w.stages.length} stages` : w.stages.join(","),
            w.concurrency,
            w.active,
            w.done,
            w.failed,
            w.perMinute.toFixed(1),
            w.lastAt ?? "-"
          ])
        )
  return `Queue ${q.address}\n${stages}\n\n${workers}`
}

/** Per model: what its calls met, its circuit, the time waited for it and the items it leaves pending (status, and the end of a run). */
export const renderModels = (models: ReadonlyArray<ModelStatus>): string =>
  table(
    [
      "model",
      "calls",
      "retried",
      "429s",
      "5xx",
      "timeouts",
      "connection",
      "unusable",
      "circuit openings",
      "waited",
      "items pending",
      "circuit"
    ],
    models.map((m) => [
      m.model,
      m.calls,
      m.retried,
      m.rateLimited,
      m.serverErrors,
      m.timeouts,
      m.connectionErrors,
      m.unusable,
      m.circuitOpenings,
      formatDuration(m.waitingSeconds),
      m.itemsPending,
      m.gaveUp ? `${circuitOf(m)}; stopped waiting` : circuitOf(m)
    ])
  )
