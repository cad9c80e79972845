import { Effect, Layer } from "effect"
import {
  type Barred,
  CorpusStore,
  makeCallRecorder,
  Media,
  ModelRegistry,
  type Project,
  reconcileCallJournals,
  storageOf,
  type VideokrPlugin,
  withoutBarred
} from "@videokr/core"
import { makeModels, registryOf } from "@videokr/providers"
import { callTally } from "./Progress.ts"

/**
 * The models of a command that calls them (`run`, `eval`): every call through the project's response
 * cache, tallied for the progress lines and recorded in the store's model_calls (journaled first, so that
 * a killed process loses no row: the next session reconciles the journal); the registry and the media
 * service as one layer. Needs the provider middleware (limiter, breaker, health) around the command;
 * `calls.close` writes the last rows and removes the journal when the command ends. Models that human
 * review bars from a step (`barred`, for a pipeline run) are not drawn for it.
 */
export const modelSession = (
  project: Project,
  plugins: ReadonlyArray<VideokrPlugin>,
  cache: "use" | "refresh" | "off",
  barred: ReadonlyArray<Barred> = []
) =>
  Effect.gen(function* () {
    const tally = callTally()
    // usage rows of an earlier process killed before writing them go into the ledger first
    const storage = storageOf(project)
    const ledger = storage.ledger
    yield* reconcileCallJournals(ledger)
    const calls = yield* makeCallRecorder({ journalDir: ledger }).pipe(
      Effect.provideService(CorpusStore.CorpusStore, yield* CorpusStore.CorpusStore)
    )
    const models = yield* makeModels({
      config: project.config.models ?? {},
      env: process.env,
      cache: { dir: storage.cache, mode: cache },
      plugins,
      record: (call) => {
        tally.record(call)
        return Effect.orDie(calls.record(call))
      }
    })
    const registry = withoutBarred(registryOf(models, project.config.models ?? {}), barred)
    const services = Layer.mergeAll(Layer.succeed(ModelRegistry, registry), Media.layer({ cacheDir: storage.frames }))
    return { tally, calls, models, registry, services }
  })
