import { hostname } from "node:os"
import { Console, Effect, Layer } from "effect"
import {
  type Barred,
  configFingerprint,
  type PipelineServices,
  didYouMeanHint,
  loadPlugins,
  localStageNames,
  makeCallJournal,
  Media,
  ModelRegistry,
  type Project,
  storageOf,
  UsageError,
  withoutBarred
} from "@videokr/core"
import { builtinChecks } from "@videokr/filters"
import { makeModels, registryOf } from "@videokr/providers"
import {
  defaultPrefix,
  JobCalls,
  type QueueAddress,
  queueAddress,
  queueStatus,
  serveStages,
  withGlobalLimits
} from "@videokr/queue"
import { planPipeline } from "./Pipeline.ts"

/**
 * `videokr worker --queue redis://…`: does the items a coordinator (`videokr run --queue`) hands out, on
 * this machine, for every stage its config can run (or those of --stages). It needs the project's config
 * and storage (storage.root: downloads, the response cache and frames, shared by every machine), never
 * the corpus: outcomes and model calls go back through the queue. Provider limits hold across all
 * workers (Redis). It runs until stopped (Ctrl-C: the items in hand are finished first).
 */
export interface WorkerCommandOptions {
  readonly queue: string
  readonly concurrency: number
  readonly stages: ReadonlyArray<string>
}

/** The Redis of --queue and the project's key prefix (queue.prefix). */
export const queueOf = (project: Project, url: string) =>
  Effect.map(queueAddress(url), (address) => ({ address, prefix: project.config.queue?.prefix ?? defaultPrefix }))

export const runWorkerCommand = (project: Project, options: WorkerCommandOptions) =>
  Effect.flatMap(queueOf(project, options.queue), ({ address, prefix }) =>
    work(project, options, address, prefix).pipe(withGlobalLimits(address, prefix, project.config.models))
  )

/** The queue of the project's runs spread over workers, read from its Redis (`videokr status --queue`). */
export const queueOfProject = (project: Project, url: string) =>
  Effect.flatMap(queueOf(project, url), ({ address, prefix }) => queueStatus(address, prefix))

const work = (project: Project, options: WorkerCommandOptions, address: QueueAddress, prefix: string) =>
  Effect.gen(function* () {
    const plugins = yield* loadPlugins(project)
    const plan = yield* planPipeline(project, [builtinChecks, ...plugins], undefined)
    const names = plan.stages.map((s) => s.name)
    const unknownNames = options.stages.filter((s) => !names.includes(s))
    if (unknownNames.length > 0)
      return yield* new UsageError({
        reason: `--stages: unknown stage(s): ${unknownNames.map((s) => `${s}${didYouMeanHint(s, names)}`).join(", ")}; stages: ${names.join(", ")}`
      })
    // the stages a coordinator hands out (not those it decides itself), that this config can run
    const served = plan.stages.filter(
      (s) =>
        s.skipped === undefined &&
        !localStageNames.has(s.name) &&
        (options.stages.length === 0 || options.stages.includes(s.name))
    )
    if (served.length === 0) {
      const why = plan.stages
        .filter((s) => options.stages.includes(s.name) && s.skipped !== undefined)
        .map((s) => `${s.name}: ${s.skipped}`)
      return yield* new UsageError({
        reason: `no stage for this worker to do${why.length > 0 ? ` (${why.join("; ")})` : ""}`
      })
    }
    const stages = yield* Effect.forEach(served, (s) => s.build)
    const storage = storageOf(project)
    // every call is journaled where the coordinator reads (storage), and handed back with its job
    const journal = makeCallJournal(storage.ledger, `worker-${hostname()}-${process.pid}-${Date.now()}`)
    const models = yield* makeModels({
      config: project.config.models ?? {},
      env: process.env,
      cache: { dir: storage.cache, mode: "use" },
      plugins,
      record: (call) => JobCalls.useSync((job) => void job.calls?.push(journal.record(call)))
    })
    const registry = registryOf(models, project.config.models ?? {})
    // a registry per set of models review bars (what each job's run says), made once
    const registries = new Map<string, ReturnType<typeof withoutBarred>>()
    const registryFor = (barred: ReadonlyArray<Barred>) => {
      const key = JSON.stringify(barred)
      let r = registries.get(key)
      if (r === undefined) registries.set(key, (r = barred.length === 0 ? registry : withoutBarred(registry, barred)))
      return r
    }
    yield* Console.log(
      `worker ${hostname()}/${process.pid} on ${address.display}: ${served.map((s) => s.name).join(", ")}; ${options.concurrency} item(s) at once per stage`
    )
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const worker = yield* serveStages<PipelineServices>({
          address,
          prefix,
          stages,
          concurrency: options.concurrency,
          config: configFingerprint(project.config),
          stalledSeconds: project.config.queue?.stalledSeconds,
          around: (job) => (effect) => Effect.provideService(effect, ModelRegistry, registryFor(job.barred))
        })
        // a line a minute for its log, when something changed; until stopped
        let said = ""
        return yield* Effect.forever(
          Effect.andThen(
            Effect.sleep("60 seconds"),
            Effect.suspend(() => {
              const s = worker.stats()
              const line = `${s.done} item(s) done, ${s.failed} failed, ${s.active} in hand`
              if (line === said) return Effect.void
              said = line
              return Console.log(`${new Date().toISOString()} worker ${worker.id}: ${line}`)
            })
          )
        )
      })
    ).pipe(
      Effect.provide(Layer.mergeAll(Layer.succeed(ModelRegistry, registry), Media.layer({ cacheDir: storage.frames })))
    )
  })
