/**
 * Commands over the corpus itself: init, import, split, export, stats.
 */
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import {
  corpusStats,
  exportFormats,
  exportFormatsOf,
  importFile,
  recordKindNames,
  type RespellingCount,
  splitCorpus,
  splitDefaults,
  UsageError,
  type ExportFormat
} from "@videokr/core"
import { formatBytes, table } from "../Output.ts"
import { initSampleProject, sampleImports } from "../SampleProject.ts"
import { here, hereOption, lazily, show, typed, withProject, withReadProject } from "./Context.ts"
import { renderStats } from "../StatsText.ts"

const BoardProject = lazily(() => import("../BoardProject.ts"))

export const init = Command.make(
  "init",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription("the folder to create (default: the current one)"),
      Argument.withDefault(".")
    ),
    template: Flag.Literals("template", ["sample", "minimal", "board"] as const).pipe(
      Flag.withDescription(
        "sample: the sample data, generated clips and a config that runs every stage offline on the scripted model; minimal: a config alone; board: a leaderboard's repository (submissions by pull request, GitHub Actions workflows that check them and deploy the site)"
      ),
      Flag.withDefault("sample" as const)
    )
  },
  ({ dir, template }) =>
    Effect.gen(function* () {
      if (template === "board") {
        const board = yield* BoardProject.use((m) => m.initBoardProject(dir))
        const at = show(board.dir)
        yield* Console.log(
          `Created ${at}: a leaderboard's repository: videokr.config.ts (the benchmarks' annotation files, the pinned judge), data/ (a stand-in sample of VideoKR-Eval: replace it with the release's files), submissions/, verdicts/, package.json (the pinned videokr) and .github/workflows/ (board.yml: check and score pull requests, deploy the site; judge.yml: the judge); see its README.md`
        )
        const next = [
          ...(at === "." ? [] : [`cd ${typed(at)}`]),
          "npm install",
          "git init -b main && git add -A && git commit -m 'the board'",
          "npx videokr site build --out site"
        ]
        return yield* Console.log(`Next:\n${next.map((l) => `  ${l}`).join("\n")}`)
      }
      const made = yield* initSampleProject(dir, template)
      const at = show(made.dir)
      const next = at === "." ? [] : [`cd ${typed(at)}`]
      if (template === "sample") {
        yield* Console.log(
          `Created ${at}: videokr.config.ts (every stage on the offline scripted model; its comments show how to use real ones), the sample data in data/, ${made.videos.length} generated clips in videos/`
        )
        next.push(`videokr import ${sampleImports.join(" ")}`, "videokr run", "videokr funnel")
      } else {
        yield* Console.log(
          `Created ${show(made.configPath)} (a minimal config: add pipeline.models and pipeline.sources to run the pipeline)`
        )
        next.push("videokr import <knowledge bank .csv or .jsonl> <seeds .jsonl> ...")
      }
      yield* Console.log(`Next:\n${next.map((l) => `  ${l}`).join("\n")}`)
    })
).pipe(
  Command.withDescription(
    "Create a project folder: by default one that runs end to end at once, offline (sample data, clips, scripted models)"
  )
)

export const importCommand = Command.make(
  "import",
  {
    files: Argument.File("file", { mustExist: true }).pipe(
      Argument.atLeast(1),
      Argument.withDescription("JSONL files (or a CSV knowledge bank)")
    ),
    kind: Flag.Literals("kind", recordKindNames).pipe(
      Flag.withDescription("the kind of records (inferred from the first record when unambiguous)"),
      Flag.optional
    ),
    replace: Flag.Boolean("replace").pipe(
      Flag.withDescription("replace records whose id is already in the corpus"),
      Flag.withDefault(false)
    ),
    strict: Flag.Boolean("strict").pipe(
      Flag.withDescription(
        'refuse other spellings of values that the release\'s scripts accept (problem_type "multiple-choice", "Open-Ended"...) instead of storing their canonical one'
      ),
      Flag.withDefault(false)
    )
  },
  (args) =>
    withProject(() =>
      Effect.forEach(args.files, (file) =>
        importFile(here(file), {
          kind: Option.getOrUndefined(args.kind),
          replace: args.replace,
          strict: args.strict
        }).pipe(
          Effect.tap((r) => {
            const counts: ReadonlyArray<RespellingCount> = r.respelled
            const respelled = counts.reduce((n, x) => n + x.records, 0)
            return Console.log(
              r.unchanged
                ? `${show(file)}: already imported (identical content); nothing to do`
                : `${show(file)}: ${r.records} ${r.kind} record(s) imported${r.replaced ? ` (${r.replaced} replaced)` : ""}` +
                    (respelled === 0
                      ? ""
                      : `; ${respelled} normalised: ${counts.map((x) => `${x.field} "${x.from}" -> "${x.to}" (${x.records})`).join(", ")} (--strict refuses them)`)
            )
          })
        )
      )
    )
).pipe(
  Command.withDescription("Import knowledge banks, seed examples, videos or examples; each file is all or nothing")
)

export const split = Command.make(
  "split",
  {
    seed: Flag.Int("seed").pipe(
      Flag.withDescription(`seed of the split (default: the config's, else ${splitDefaults.seed})`),
      Flag.optional
    ),
    sftFraction: Flag.Finite("sft-fraction").pipe(
      Flag.withDescription(`share of examples with a rationale that go to SFT (default ${splitDefaults.sftFraction})`),
      Flag.optional
    )
  },
  (args) =>
    withProject((p) =>
      Effect.gen(function* () {
        const fraction =
          Option.getOrUndefined(args.sftFraction) ?? p.config.split?.sftFraction ?? splitDefaults.sftFraction
        if (!(fraction >= 0 && fraction <= 1))
          return yield* new UsageError({ reason: `--sft-fraction must be between 0 and 1, got ${fraction}` })
        const r = yield* splitCorpus({
          seed: Option.getOrUndefined(args.seed) ?? p.config.split?.seed ?? splitDefaults.seed,
          sftFraction: fraction
        })
        yield* Console.log(`Split with seed ${r.seed}: ${r.sft} SFT, ${r.rl} RL`)
      })
    )
).pipe(
  Command.withDescription("Assign every example to the SFT or the RL set (seeded; the same seed gives the same split)")
)

export const exportCommand = Command.make(
  "export",
  {
    format: Flag.Literals("format", [...exportFormats, "all"] as const).pipe(
      Flag.withDescription("videokr | llamafactory | verl | trl | all"),
      Flag.withDefault("all" as const)
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("the output folder (default: the config's exportDir)"),
      Flag.optional
    ),
    videoPrefix: Flag.String("video-prefix").pipe(
      Flag.withDescription("LLaMA-Factory: prefix added to video paths (the reference's --video-prefix)"),
      Flag.optional
    ),
    valSize: Flag.Int("val-size").pipe(
      Flag.withDescription(
        "verl: validation records drawn with seed 42 (default: pipeline.release.verlValSize, else 500, the reference's)"
      ),
      Flag.optional
    ),
    videoBaseDir: Flag.String("video-base-dir").pipe(
      Flag.withDescription(
        "verl: the folder relative video paths start from; each becomes the absolute path of the video found there (the reference's --video_base_dir)"
      ),
      Flag.optional
    )
  },
  (args) =>
    withProject((p) =>
      Effect.gen(function* () {
        const outDir = hereOption(args.out) ?? p.exportDir
        const formats: ReadonlyArray<ExportFormat> = args.format === "all" ? exportFormats : [args.format]
        const valSize = Option.getOrUndefined(args.valSize) ?? p.config.pipeline?.release?.verlValSize
        const videoBaseDir = hereOption(args.videoBaseDir)
        const exported = yield* exportFormatsOf(formats, {
          outDir,
          videoPrefix: Option.getOrUndefined(args.videoPrefix),
          verl: {
            ...(valSize === undefined ? {} : { valSize }),
            ...(videoBaseDir === undefined ? {} : { videoBaseDir })
          }
        })
        const rows = exported.flatMap(({ format, files }) =>
          files.map((f) => [format, show(f.path), f.records, f.skipped, formatBytes(f.bytes)])
        )
        yield* Console.log(table(["format", "file", "records", "skipped", "size"], rows))
      })
    )
).pipe(
  Command.withDescription(
    "Write the corpus as VideoKR JSONL, LLaMA-Factory, verl parquet or TRL files (each written atomically)"
  )
)

export const stats = Command.make(
  "stats",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON for machines"), Flag.withDefault(false)) },
  (args) =>
    withReadProject(() =>
      Effect.flatMap(corpusStats, (s) => Console.log(args.json ? JSON.stringify(s, null, 2) : renderStats(s)))
    )
).pipe(
  Command.withDescription(
    "Counts by discipline, subject, skill, problem type and split; video durations; knowledge-point coverage"
  )
)
