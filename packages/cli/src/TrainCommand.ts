import { basename, dirname, resolve } from "node:path"
import { Console, Effect } from "effect"
import { CorpusStore, type Project, skills, UsageError, version } from "@videokr/core"
import { bases, type Framework, planRunFolder, readOtherCorpus, type Stage, writeRunFolder } from "@videokr/train"
import { table } from "./Output.ts"

export interface TrainConfigOptions {
  readonly framework: Framework
  readonly base: string
  readonly stage: Stage
  readonly out: string | undefined
  /** only these skills (none: all) */
  readonly skills: ReadonlyArray<string>
  readonly direct: boolean
  /** another corpus (Video-R1's layout) in place of the store's examples */
  readonly corpus: string | undefined
  readonly dryRun: boolean
}

const chosenSkills = (options: TrainConfigOptions) => [...new Set(options.skills)].sort()

/** The ablations a run folder is made with (the paper's Table 4), as its manifest and name record them. */
const ablationsOf = (options: TrainConfigOptions, hasSft: boolean) =>
  Effect.gen(function* () {
    const unknown = options.skills.filter((s) => !(skills as ReadonlyArray<string>).includes(s))
    if (unknown.length > 0)
      return yield* new UsageError({
        reason: `--skills: unknown skill ${unknown.join(", ")}; the skills are ${skills.join(", ")}`
      })
    if (options.corpus !== undefined && chosenSkills(options).length > 0)
      return yield* new UsageError({
        reason: "--skills chooses among this corpus's skills; another corpus (--corpus) has none"
      })
    if (options.direct && !hasSft)
      return yield* new UsageError({
        reason: "--direct changes the SFT targets, and this run folder has no SFT stage (--stage grpo)"
      })
    const chosen = options.skills.length === 0 ? undefined : chosenSkills(options)
    const corpus = options.corpus === undefined ? undefined : yield* readOtherCorpus(options.corpus)
    return {
      skills: chosen,
      direct: options.direct,
      corpus,
      suffix: `${corpus === undefined ? "" : `-${basename(corpus.file).replace(/\.(json|jsonl)$/i, "")}`}${chosen === undefined ? "" : `-${chosen.join("+")}`}${options.direct ? "-direct" : ""}`
    }
  })

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
    // the corpus's relative video paths start at the project, or at another corpus's own folder
    const videoDir = options.corpus === undefined ? project.dir : dirname(resolve(project.dir, options.corpus))
    const plan = yield* planRunFolder({
      framework: options.framework,
      base,
      stage: options.stage,
      project: project.dir,
      videoDir,
      version
    })
    const ablations = yield* ablationsOf(options, plan.sft !== undefined)
    const out = resolve(project.dir, options.out ?? `runs/${base.id}-${options.stage}${ablations.suffix}`)
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
        videos: videoDir,
        split: yield* lastSplit,
        // the paper's ablations (Table 4) this folder trains; corpus: another corpus in place of this one
        ablations: {
          skills: ablations.skills ?? null,
          direct: ablations.direct,
          corpus:
            ablations.corpus === undefined
              ? null
              : {
                  file: ablations.corpus.file,
                  sha256: ablations.corpus.sha256,
                  records: ablations.corpus.records.length,
                  imagesLeftOut: ablations.corpus.images
                }
        }
      },
      {
        // the verl validation size the project's release uses (videokr export and run do the same), and
        // each video's absolute path, as the release's --video_base_dir makes them: verl reads them as given
        verl: { ...(verlValSize === undefined ? {} : { valSize: verlValSize }), videoBaseDir: videoDir },
        skills: ablations.skills,
        direct: ablations.direct,
        records: ablations.corpus?.records
      }
    )
    yield* Console.log(
      `run folder written: ${written}; see its README.md (${[
        ...(plan.sft === undefined ? [] : ["bash sft.sh"]),
        ...(plan.grpo === undefined ? [] : ["bash grpo.sh"]),
        "bash eval.sh"
      ].join(", then ")})`
    )
  })
