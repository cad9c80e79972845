import { rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect } from "effect"
import {
  CorpusStore, corpusStats, exportCorpus, exportFormats, importFile, initProject, loadProject, projectStoreLayer, recordModelCall,
  sampleFiles, splitCorpus
} from "@videokr/core"
import { makeModels, middlewareLayer } from "@videokr/providers"
import { renderStats, sampleDir } from "./Commands.ts"
import { formatBytes, table } from "./Output.ts"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The end-to-end demo on the bundled sample. Today: a fresh project, import of the knowledge bank, seed
 * examples, videos and examples, the seeded split, every export format, a model call through the
 * provider middleware, and the corpus statistics (with model usage).
 * Later stages (videos, generation, validation, evaluation, site) join as they land.
 */
export const runDemo = (dir: string | undefined) =>
  Effect.gen(function* () {
    const target = resolve(dir ?? join(repoRoot, "demo-output"))
    yield* Effect.promise(() => rm(target, { recursive: true, force: true }))
    const step = (title: string) => Console.log(`\n== ${title}`)

    yield* step(`project: ${target}`)
    yield* initProject(target, sampleDir)
    const project = yield* loadProject(target, { search: false })

    yield* Effect.gen(function* () {
      yield* step("import")
      const files = sampleFiles.filter((f) => f !== "knowledge-bank.jsonl") // the CSV copy of the same bank
      const imported = yield* Effect.forEach(files, (f) => importFile(join(project.dir, "data", f)))
      yield* Console.log(table(["file", "kind", "records"], imported.map((r, i) => [`data/${files[i]}`, r.kind, r.records])))

      yield* step("split (seed 42)")
      const split = yield* splitCorpus({ seed: project.config.split?.seed ?? 42, sftFraction: project.config.split?.sftFraction ?? 0.638 })
      yield* Console.log(`${split.sft} SFT, ${split.rl} RL`)

      yield* step("export")
      const rows: Array<[string, string, number, number, string]> = []
      for (const format of exportFormats) {
        // the demo corpus is small: hold out 4 RL examples for verl validation instead of the reference's 500
        for (const f of yield* exportCorpus(format, { outDir: project.exportDir, verl: { valSize: 4 } })) {
          rows.push([format, f.path.slice(project.dir.length + 1), f.records, f.skipped, formatBytes(f.bytes)])
        }
      }
      yield* Console.log(table(["format", "file", "records", "skipped", "size"], rows))

      yield* step("models (the scripted model through the full middleware: limits, retries, cache, usage)")
      const store = yield* CorpusStore.CorpusStore
      const models = yield* makeModels({
        config: project.config.models ?? {},
        env: {},
        cache: { dir: join(project.dir, ".videokr/cache"), mode: "use" },
        record: (call) => Effect.orDie(recordModelCall(call).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
      }).pipe(Effect.provide(middlewareLayer))
      const echo = yield* models.resolve("scripted:echo", { stage: "demo" })
      const question = { messages: [{ role: "user" as const, content: "Which apparatus delivers a titrant drop by drop?" }] }
      const first = yield* echo.chat(question)
      const again = yield* echo.chat(question)
      yield* Console.log(`${first.provider}: "${first.text}" (${again.cached ? "asked again: answered from the cache" : "asked again: paid again"})`)

      yield* step("stats")
      yield* Console.log(renderStats(yield* corpusStats))
    }).pipe(Effect.provide(projectStoreLayer(project)))

    yield* Console.log(`\nDemo complete: corpus ${project.corpusPath}, exports in ${project.exportDir}`)
  })
