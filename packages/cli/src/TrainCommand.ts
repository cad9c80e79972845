import { resolve } from "node:path"
import { Console, Effect } from "effect"
import { CorpusStore, type Project, version } from "@videokr/core"
import { bases, type Framework, planRunFolder, type Stage, writeRunFolder } from "@videokr/train"
import { table } from "./Output.ts"

export interface TrainConfigOptions {
  readonly framework: Framework
  readonly base: string
  readonly stage: Stage
  readonly out: string | undefined
  readonly dryRun: boolean
}

/** The last split's parameters (what fed the exports), for the run folder's manifest. */
const lastSplit = Effect.gen(function* () {
  const store = yield* CorpusStore.CorpusStore
  const [row] = yield* store.query<{ params: string }>(
    "SELECT params::VARCHAR AS params FROM stage_runs WHERE stage = 'split' ORDER BY seq DESC LIMIT 1"
  )
  return row === undefined ? null : (JSON.parse(row.params) as unknown)
})

/**
 * `videokr train-config`: plans the run folder for the framework, base and stages, prints it, and (but for
 * --dry-run) writes it with the corpus exported into its data/.
 */
export const trainConfig = (project: Project, options: TrainConfigOptions) =>
  Effect.gen(function* () {
    const base = bases[options.base]!
    const plan = yield* planRunFolder({
      framework: options.framework,
      base,
      stage: options.stage,
      project: project.dir,
      version
    })
    const out = resolve(project.dir, options.out ?? `runs/${base.id}-${options.stage}`)
    const rows = [
      ...plan.exports.map((f) => [`data/${f}/`, `the corpus's ${f === "verl" ? "RL" : "SFT"} split, as ${f} reads it`]),
      ...plan.files.map((f) => [f.path, f.about]),
      ["manifest.json", "every file with its sha256, and the options"]
    ]
    yield* Console.log(table(["file", "what"], rows))
    if (options.dryRun) {
      yield* Console.log(`--dry-run: nothing written; without it, the run folder would be ${out}`)
      return
    }
    const verlValSize = project.config.pipeline?.release?.verlValSize
    const written = yield* writeRunFolder(
      out,
      plan,
      {
        videokr: version,
        framework: options.framework,
        base: base.id,
        model: base.huggingFace,
        stage: options.stage,
        trainers: { sft: plan.sft ?? null, grpo: plan.grpo ?? null },
        project: project.dir,
        split: yield* lastSplit
      },
      // the verl validation size the project's release uses (videokr export and run do the same)
      { verl: verlValSize === undefined ? undefined : { valSize: verlValSize } }
    )
    yield* Console.log(
      `run folder written: ${written}; see its README.md (${[
        ...(plan.sft === undefined ? [] : ["bash sft.sh"]),
        ...(plan.grpo === undefined ? [] : ["bash grpo.sh"]),
        "bash eval.sh"
      ].join(", then ")})`
    )
  })
