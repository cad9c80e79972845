import { dirname, join, resolve } from "node:path"
import { Console, Effect, Stream } from "effect"
import { type Project, UsageError, writeTextAtomic } from "@videokr/core"
import { corpusNameOf, corpusTask, latestResults, type ReportName, reports } from "@videokr/eval"
import { evaluateTasks, type EvalOptions } from "./EvalCommand.ts"

export interface ReportOptions {
  readonly json: boolean
  readonly output: string | undefined
}

/** Writes a report as <output>/reports/<name>.md and .json (each atomically) and prints it. */
export const report = (project: Project, name: ReportName, options: ReportOptions) =>
  Effect.gen(function* () {
    const made = reports[name](yield* latestResults)
    const dir = join(
      resolve(project.dir, options.output ?? project.config.eval?.outputDir ?? "eval-results"),
      "reports"
    )
    const json = JSON.stringify(made.json, null, 2) + "\n"
    yield* writeTextAtomic(join(dir, `${name}.json`), Stream.make(json))
    yield* writeTextAtomic(join(dir, `${name}.md`), Stream.make(made.markdown))
    yield* Console.log(options.json ? json.trimEnd() : made.markdown.trimEnd())
    yield* Console.error(`written: ${join(dir, `${name}.md`)} and ${name}.json`)
  })

export interface DifficultyOptions extends Omit<EvalOptions, "tasks" | "data"> {
  /** name=file or file (VideoKR JSONL or Video-R1-style JSON) */
  readonly corpora: ReadonlyArray<string>
  /** where the corpora's videos are (default: each file's folder) */
  readonly videos: string | undefined
  readonly samples: number
  readonly seed: number
}

/** The difficulty report's runs: the model on a seeded sample of each corpus, stored as difficulty_<corpus> (group "corpus"). */
export const runDifficulty = (project: Project, options: DifficultyOptions) =>
  Effect.gen(function* () {
    if (options.corpora.length === 0)
      return yield* new UsageError({
        reason:
          "give the corpora to sample: --corpus <name>=<file> (VideoKR JSONL or Video-R1-style JSON), once per corpus"
      })
    const inputs = options.corpora.map((spec) => {
      const at = spec.indexOf("=")
      const file = resolve(project.dir, at > 0 ? spec.slice(at + 1) : spec)
      const name = at > 0 ? spec.slice(0, at) : corpusNameOf(file)
      const root = options.videos === undefined ? dirname(file) : resolve(project.dir, options.videos)
      // the reader takes an absolute file as it is; the root is where the records' video paths start
      return { task: corpusTask({ name, file, samples: options.samples, seed: options.seed }), root }
    })
    yield* evaluateTasks(project, inputs, options)
  })
