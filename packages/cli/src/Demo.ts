import { rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect } from "effect"
import {
  corpusStats, exportCorpus, exportFormats, importFile, initProject, loadProject, projectStoreLayer, sampleFiles, splitCorpus
} from "@videokr/core"
import { renderStats, sampleDir } from "./Commands.ts"
import { formatBytes, table } from "./Output.ts"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The end-to-end demo on the bundled sample. Today: a fresh project, import of the knowledge bank, seed
 * examples, videos and examples, the seeded split, every export format, and the corpus statistics.
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

      yield* step("stats")
      yield* Console.log(renderStats(yield* corpusStats))
    }).pipe(Effect.provide(projectStoreLayer(project)))

    yield* Console.log(`\nDemo complete: corpus ${project.corpusPath}, exports in ${project.exportDir}`)
  })
