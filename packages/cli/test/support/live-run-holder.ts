/**
 * A stand-in for `videokr run` in the tests of reading a run in progress: it opens a project's store (so
 * it holds DuckDB's lock, as a run does), serves it with `serveLiveRun` and a fixed status, prints
 * "ready" and holds on until its stdin closes. With --no-serve it only holds the lock, as a program that
 * is not a videokr run would.
 *
 *   node --conditions=@videokr/source live-run-holder.ts <project dir> [--no-serve]
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { CorpusStore, loadProject, projectStoreLayer } from "@videokr/core"
import { serveLiveRun } from "../../src/LiveRun.ts"
import { holderStatus } from "./live-run.ts"

const [dir, mode] = process.argv.slice(2)

const stdinClosed = Effect.callback<void>((resume) => {
  process.stdin.once("end", () => resume(Effect.void))
  process.stdin.resume()
})

const main = Effect.gen(function* () {
  const project = yield* loadProject(dir!, { search: false })
  yield* Effect.scoped(
    Effect.gen(function* () {
      const store = yield* CorpusStore.CorpusStore
      if (mode !== "--no-serve") yield* serveLiveRun(project, { store, status: () => holderStatus(process.pid) })
      yield* Console.log("ready")
      yield* stdinClosed
    })
  ).pipe(Effect.provide(projectStoreLayer(project)))
})

NodeRuntime.runMain(main)
