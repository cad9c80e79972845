import { join, relative, resolve } from "node:path"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag, GlobalFlag } from "effect/cli"
import {
  corpusStats,
  exportFormats,
  exportFormatsOf,
  importFile,
  loadProject,
  Media,
  pipelineStageNames,
  recordKindNames,
  type RespellingCount,
  splitCorpus,
  splitDefaults,
  storageOf,
  UsageError,
  type CorpusStats,
  type ExportFormat,
  type Project
} from "@videokr/core"
import { formatBytes, table } from "./Output.ts"
import { funnel, stageItems, why } from "./Verdicts.ts"
import { liveStatus, readStoreLayer, reviewStoreLayer, writeStoreLayer } from "./LiveRun.ts"
import { renderQueue, renderStatus } from "./RunStatus.ts"
import { initSampleProject, sampleImports } from "./SampleProject.ts"

/**
 * A command's implementation, loaded when that command runs: a command starts without the modules of
 * the others (model SDK adapters, filters, the evaluation tasks, the site builder), which would add a
 * few hundred milliseconds of CPU to every start.
 */
const lazily = <M>(load: () => Promise<M>) => ({
  use: <A, E, R>(f: (module: M) => Effect.Effect<A, E, R>) => Effect.flatMap(Effect.promise(load), f)
})
const Doctor = lazily(() => import("./Doctor.ts"))
const ModelsCommand = lazily(() => import("./ModelsCommand.ts"))
const ScoreCommand = lazily(() => import("./ScoreCommand.ts"))
const EvalCommand = lazily(() => import("./EvalCommand.ts"))
const ReportCommand = lazily(() => import("./ReportCommand.ts"))
const SubmitCommand = lazily(() => import("./SubmitCommand.ts"))
const SiteCommand = lazily(() => import("./SiteCommand.ts"))
const ReleaseCommand = lazily(() => import("./ReleaseCommand.ts"))
const KbCommand = lazily(() => import("./KbCommand.ts"))
const RunCommand = lazily(() => import("./RunCommand.ts"))
const Demo = lazily(() => import("./Demo.ts"))
const ReviewCommand = lazily(() => import("./ReviewCommand.ts"))
const WorkerCommand = lazily(() => import("./WorkerCommand.ts"))

/** `--project <dir>`, before or after the subcommand. */
export const ProjectFlag = GlobalFlag.Setting("project")({
  flag: Flag.String("project").pipe(
    Flag.withDescription(
      "the project folder (default: the nearest folder with videokr.config.ts, from the current one up)"
    ),
    Flag.optional
  )
})

/** The project the command works on: --project, or found from the current folder as git finds its repository. */
const project = Effect.flatMap(ProjectFlag, (flag) =>
  Option.match(flag, {
    onNone: () => loadProject(process.cwd(), { search: true }),
    onSome: (dir) => loadProject(dir, { search: false })
  })
)

const withProject = <A, E, R>(f: (p: Project) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(project, (p) => f(p).pipe(Effect.provide(writeStoreLayer(p))))

/** For commands that only read the corpus: they work during a run, reading through it. */
const withReadProject = <A, E, R>(f: (p: Project) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(project, (p) => f(p).pipe(Effect.provide(readStoreLayer(p))))

/**
 * Paths the user types are relative to the folder they type them in (resolved here, so that the commands,
 * which resolve their configured paths against the project folder, receive them absolute).
 */
const here = (path: string) => resolve(path)
const hereOption = (path: Option.Option<string>) => Option.getOrUndefined(Option.map(path, here))
/** `name=path` specs (`--data task=folder`, `--corpus name=file`): the path part from the current folder. */
const herePair = (spec: string) => {
  const at = spec.indexOf("=")
  return at > 0 ? `${spec.slice(0, at)}=${here(spec.slice(at + 1))}` : here(spec)
}

const show = (path: string) => {
  const r = relative(process.cwd(), path)
  return r.startsWith("..") ? path : r || "."
}

/** A path as the user would type it in a shell (quoted when it needs to be). */
const typed = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`)

const init = Command.make(
  "init",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription("the folder to create (default: the current one)"),
      Argument.withDefault(".")
    ),
    template: Flag.Literals("template", ["sample", "minimal"] as const).pipe(
      Flag.withDescription(
        "sample: the sample data, generated clips and a config that runs every stage offline on the scripted model; minimal: a config alone"
      ),
      Flag.withDefault("sample" as const)
    )
  },
  ({ dir, template }) =>
    Effect.gen(function* () {
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

const importCommand = Command.make(
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

const split = Command.make(
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

const exportCommand = Command.make(
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
    )
  },
  (args) =>
    withProject((p) =>
      Effect.gen(function* () {
        const outDir = hereOption(args.out) ?? p.exportDir
        const formats: ReadonlyArray<ExportFormat> = args.format === "all" ? exportFormats : [args.format]
        const valSize = Option.getOrUndefined(args.valSize) ?? p.config.pipeline?.release?.verlValSize
        const exported = yield* exportFormatsOf(formats, {
          outDir,
          videoPrefix: Option.getOrUndefined(args.videoPrefix),
          verl: valSize === undefined ? undefined : { valSize }
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

export const renderStats = (s: CorpusStats): string => {
  const t = s.totals
  const by = (d: string) => (s.examplesBy[d] ?? []).map((r) => [r.value, r.examples] as [string, number])
  const v = s.videoDurations.summary
  const sections = [
    table(
      ["corpus", "count"],
      [
        ["knowledge points", t.knowledge_points],
        ["seed examples", t.seed_examples],
        ["videos", t.videos],
        ["examples", t.examples],
        ["  with rationale", t.examples_with_rationale]
      ]
    ),
    ...(["discipline", "subject", "skill", "problem_type", "split"] as const).map((d) =>
      table([d.replace("_", " "), "examples"], by(d))
    ),
    table(
      ["video duration", "videos"],
      s.videoDurations.histogram.map((h) => [h.bucket, h.videos])
    ) +
      (v.videos > 0
        ? `\nmean ${v.mean_seconds!.toFixed(1)} s, median ${v.median_seconds!.toFixed(1)} s, total ${v.total_hours!.toFixed(2)} h`
        : ""),
    table(
      ["discipline", "knowledge points", "with videos", "with examples", "with seeds"],
      s.knowledgeCoverage.map((c) => [c.discipline, c.knowledge_points, c.with_videos, c.with_examples, c.with_seeds])
    ),
    ...(s.modelUsage.length === 0
      ? []
      : [
          table(
            ["stage", "model", "calls", "cache hits", "failures", "tokens in", "tokens out", "cost ($)"],
            s.modelUsage.map((u) => [
              u.stage,
              u.model_id,
              u.calls,
              u.cache_hits,
              u.failures,
              u.input_tokens,
              u.output_tokens,
              u.cost_usd.toFixed(4)
            ])
          )
        ])
  ]
  return sections.join("\n\n")
}

const stats = Command.make(
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

const modelsList = Command.make("list", {}, () =>
  Effect.flatMap(project, (p) => ModelsCommand.use((m) => m.listModels(p)))
).pipe(
  Command.withDescription(
    "Configured models, whether their key variables are set (never their values), prices, limits and pools"
  )
)

const modelsCheck = Command.make(
  "check",
  {
    models: Argument.String("model").pipe(
      Argument.withDescription("model ids (default: every configured model)"),
      Argument.variadic()
    )
  },
  (args) => withProject((p) => ModelsCommand.use((m) => m.checkModels(p, args.models)))
).pipe(Command.withDescription("One tiny request per model: latency, and whether text, images and JSON output work"))

const models = Command.make("models").pipe(
  Command.withDescription("List and check the configured models"),
  Command.withSubcommands([modelsList, modelsCheck])
)

const doctorCommand = Command.make("doctor", {}, () =>
  Effect.gen(function* () {
    // a project is optional here: outside one, doctor checks the machine alone
    const p = yield* Effect.option(project)
    const cacheDir = Option.match(p, {
      onNone: () => join(process.cwd(), ".videokr/frames"),
      onSome: (x) => storageOf(x).frames
    })
    yield* Doctor.use((m) => m.doctor(p)).pipe(Effect.provide(Media.layer({ cacheDir })))
  })
).pipe(
  Command.withDescription(
    "Check ffmpeg/ffprobe and codecs, DuckDB, yt-dlp, disk space and provider keys (present or not, never their values)"
  )
)

const run = Command.make(
  "run",
  {
    only: Flag.String("only").pipe(
      Flag.withDescription(`run only these stages (comma-separated): ${pipelineStageNames.join(", ")}`),
      Flag.optional
    ),
    until: Flag.String("until").pipe(
      Flag.withDescription("run the stages up to and including this one"),
      Flag.optional
    ),
    quiet: Flag.Boolean("quiet").pipe(
      Flag.withDescription("no live progress (the summary table is still printed)"),
      Flag.withDefault(false)
    ),
    limit: Flag.Int("limit").pipe(Flag.withDescription("at most this many items per stage"), Flag.optional),
    model: Flag.String("model").pipe(
      Flag.withDescription("the model for every stage run (default: pipeline.models.<stage> of the config)"),
      Flag.optional
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDescription("items processed at once per stage (pipeline.concurrency overrides per stage)"),
      Flag.withDefault(8)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("count what would be done and estimate the cost; call no model"),
      Flag.withDefault(false)
    ),
    noCache: Flag.Boolean("no-cache").pipe(
      Flag.withDescription("neither read nor write the response cache"),
      Flag.withDefault(false)
    ),
    refresh: Flag.Boolean("refresh").pipe(
      Flag.withDescription("ask the models again and overwrite their cached answers"),
      Flag.withDefault(false)
    ),
    retryErrors: Flag.String("retry-errors").pipe(
      Flag.withDescription(
        "ask again the items holding a final error verdict (e.g. after fixing a prompt or a provider), in every stage run or --retry-errors=stage,..."
      ),
      Flag.withOptionalValue("all"),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("print the summary (stages, models, pending items) as JSON"),
      Flag.withDefault(false)
    ),
    review: Flag.Boolean("review").pipe(
      Flag.withDescription(
        "also serve the review app while the run goes (it holds the corpus, so videokr review alone cannot)"
      ),
      Flag.withDefault(false)
    ),
    reviewHost: Flag.String("review-host").pipe(
      Flag.withDescription("with --review: the address (another than loopback needs the printed access token)"),
      Flag.withDefault("127.0.0.1")
    ),
    reviewPort: Flag.Int("review-port").pipe(
      Flag.withDescription("with --review: the port (0: any free one)"),
      Flag.withDefault(4387)
    ),
    queue: Flag.String("queue").pipe(
      Flag.withDescription(
        "hand the stages' items to workers (videokr worker) through this Redis, redis://host:6379[/db]; this run stays the only one writing the corpus"
      ),
      Flag.optional
    )
  },
  (args) =>
    withProject((p) =>
      RunCommand.use((m) =>
        m.runPipeline(p, {
          retryErrors: Option.match(args.retryErrors, {
            onNone: () => undefined,
            onSome: (s) =>
              s === "all"
                ? ("all" as const)
                : s
                    .split(",")
                    .map((x) => x.trim())
                    .filter(Boolean)
          }),
          json: args.json,
          only: Option.match(args.only, {
            onNone: () => [],
            onSome: (s) =>
              s
                .split(",")
                .map((x) => x.trim())
                .filter(Boolean)
          }),
          until: Option.getOrUndefined(args.until),
          progress: !args.quiet,
          limit: Option.getOrUndefined(args.limit),
          model: Option.getOrUndefined(args.model),
          concurrency: args.concurrency,
          dryRun: args.dryRun,
          cache: args.noCache ? "off" : args.refresh ? "refresh" : "use",
          review: args.review
            ? { host: args.reviewHost, port: args.reviewPort, token: process.env["VIDEOKR_REVIEW_TOKEN"] }
            : undefined,
          queue: Option.getOrUndefined(args.queue)
        })
      )
    )
).pipe(
  Command.withDescription(
    "Run the construction pipeline's stages; a killed run resumes where it stopped. Exit 0: everything asked for was decided; 3: items left pending after transient failures (run again)"
  )
)

const workerCommand = Command.make(
  "worker",
  {
    queue: Flag.String("queue").pipe(
      Flag.withDescription("the Redis of the run to work for (videokr run --queue), redis://host:6379[/db]")
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDescription("items at once per stage on this machine"),
      Flag.withDefault(8)
    ),
    stages: Flag.String("stages").pipe(
      Flag.withDescription("only these stages (comma-separated; default: every stage this machine's config can run)"),
      Flag.optional
    )
  },
  (args) =>
    Effect.flatMap(project, (p) =>
      WorkerCommand.use((m) =>
        m.runWorkerCommand(p, { queue: args.queue, concurrency: args.concurrency, stages: commaList(args.stages) })
      )
    )
).pipe(
  Command.withDescription(
    "Do the items a run spread over machines hands out (videokr run --queue): model calls, downloads, frames, hashes; needs the project's config and its shared storage, never the corpus. Runs until stopped"
  )
)

const funnelCommand = Command.make(
  "funnel",
  {
    stage: Flag.String("stage").pipe(
      Flag.withDescription("list the items of this stage with their reasons (their ids are what videokr why takes)"),
      Flag.optional
    ),
    decision: Flag.Literals("decision", ["drop", "error", "keep"] as const).pipe(
      Flag.withDescription("with --stage: only the items with this decision"),
      Flag.optional
    ),
    limit: Flag.Int("limit").pipe(Flag.withDescription("with --stage: at most this many items"), Flag.withDefault(20))
  },
  (args) =>
    withReadProject((p) =>
      Option.match(args.stage, {
        onSome: (stage) => stageItems(stage, Option.getOrUndefined(args.decision), args.limit),
        onNone: () =>
          Option.isSome(args.decision)
            ? Effect.fail(
                new UsageError({ reason: "--decision lists the items of one stage: give --stage <stage> too" })
              )
            : // while a run is in progress, its items waiting to be asked again are part of the picture
              Effect.flatMap(
                Effect.orElseSucceed(liveStatus(p), () => undefined),
                (live) =>
                  funnel(live === undefined ? undefined : new Map(live.stages.map((s) => [s.stage, s.retrying])))
              )
      })
    )
).pipe(
  Command.withDescription(
    "Per stage (and what it counts): in, kept, dropped, final errors, pending, top drop reasons, model spend per kept item; --stage lists a stage's items and reasons"
  )
)

const whyCommand = Command.make(
  "why",
  { id: Argument.String("id").pipe(Argument.withDescription("a knowledge point, video or example id")) },
  (args) => withReadProject(() => why(args.id))
).pipe(Command.withDescription("Why an item was kept or dropped: its verdicts, stage by stage"))

const statusCommand = Command.make(
  "status",
  {
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("print JSON for machines: {running, status?, queue?}"),
      Flag.withDefault(false)
    ),
    queue: Flag.String("queue").pipe(
      Flag.withDescription(
        "also the queue of a run spread over workers, read from this Redis (from any machine): depth per stage, workers"
      ),
      Flag.optional
    )
  },
  (args) =>
    Effect.gen(function* () {
      const p = yield* project
      const status = yield* liveStatus(p)
      // a coordinator on this machine reports its queue itself; --queue reads it from Redis
      const queue =
        status?.queue !== undefined || Option.isNone(args.queue)
          ? undefined
          : yield* WorkerCommand.use((m) => m.queueOfProject(p, args.queue.pipe(Option.getOrThrow)))
      if (args.json)
        return yield* Console.log(
          JSON.stringify(
            {
              running: status !== undefined,
              ...(status === undefined ? {} : { status }),
              ...(queue === undefined ? {} : { queue })
            },
            null,
            2
          )
        )
      if (status !== undefined) yield* Console.log(renderStatus(status))
      if (queue !== undefined) yield* Console.log(`${status === undefined ? "" : "\n"}${renderQueue(queue)}`)
      if (status !== undefined) return
      yield* Console.log("No run in progress\n")
      yield* funnel().pipe(Effect.provide(readStoreLayer(p)))
    })
).pipe(
  Command.withDescription(
    "The run in progress: per stage pending, processed, kept, dropped, errors, rate, spend and what it waits for; per model its calls and circuit; a queued run's queue and workers. With no run: the funnel"
  )
)

const score = Command.make(
  "score",
  {
    file: Argument.String("file").pipe(
      Argument.withDescription("JSONL: {prediction, reference} or {output, ground_truth, problem_type} per line")
    )
  },
  ({ file }) => ScoreCommand.use((m) => m.scoreFile(here(file)))
).pipe(
  Command.withDescription(
    "ROUGE-1/2/L (as rouge_score) and the GRPO reward (as the release's verl function), one JSON line per input line"
  )
)

const commaList = (o: Option.Option<string>) =>
  Option.match(o, {
    onNone: () => [],
    onSome: (s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
  })

/** What every command that evaluates a model takes. */
const evalFlags = {
  model: Flag.String("model").pipe(
    Flag.withDescription(
      "the model to evaluate (a model id: openai:<model>, anthropic:<model>, openai-compatible:<url>#<model>, ...)"
    )
  ),
  limit: Flag.Int("limit").pipe(Flag.withDescription("at most this many documents per task"), Flag.optional),
  concurrency: Flag.Int("concurrency").pipe(
    Flag.withDescription(
      "documents asked at once (default: eval.concurrency, else 8); rate limits come from models.limits"
    ),
    Flag.optional
  ),
  judge: Flag.String("judge").pipe(
    Flag.withDescription('the judge model (default: eval.judge; "none": rules only, open-ended answers then skipped)'),
    Flag.optional
  ),
  maxFrames: Flag.Int("max-frames").pipe(
    Flag.withDescription("at most this many frames per video (default 128)"),
    Flag.optional
  ),
  fps: Flag.Finite("fps").pipe(Flag.withDescription("frames per second sampled (default 2)"), Flag.optional),
  output: Flag.String("output").pipe(
    Flag.withDescription("results folder (default: eval.outputDir, else eval-results/)"),
    Flag.optional
  ),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("no live progress"), Flag.withDefault(false)),
  noCache: Flag.Boolean("no-cache").pipe(
    Flag.withDescription("neither read nor write the response cache"),
    Flag.withDefault(false)
  )
}

const evalOptionsOf = (args: {
  limit: Option.Option<number>
  concurrency: Option.Option<number>
  judge: Option.Option<string>
  maxFrames: Option.Option<number>
  fps: Option.Option<number>
  output: Option.Option<string>
  quiet: boolean
  noCache: boolean
  model: string
}) => ({
  model: args.model,
  limit: Option.getOrUndefined(args.limit),
  concurrency: Option.getOrUndefined(args.concurrency),
  judge: Option.getOrUndefined(args.judge),
  maxFrames: Option.getOrUndefined(args.maxFrames),
  fps: Option.getOrUndefined(args.fps),
  output: hereOption(args.output),
  progress: !args.quiet,
  cache: args.noCache ? ("off" as const) : ("use" as const)
})

const evalImport = Command.make(
  "import",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription(
        "an LMMs-Eval --output_path folder (results JSON and, with --log_samples, samples JSONL)"
      )
    ),
    model: Flag.String("model").pipe(
      Flag.withDescription("the model's id in the store (default: the results' model_name)"),
      Flag.optional
    )
  },
  (args) =>
    withProject((p) =>
      EvalCommand.use((m) => m.importEvalResults(p, here(args.dir), Option.getOrUndefined(args.model)))
    )
).pipe(
  Command.withDescription(
    "Bring LMMs-Eval results in: a stored row per task, re-scored from the samples where videokr knows the task"
  )
)

const evalCommand = Command.make(
  "eval",
  {
    ...evalFlags,
    tasks: Flag.String("tasks").pipe(
      Flag.withDescription("comma-separated task names (default: every task in eval.data)"),
      Flag.optional
    ),
    data: Flag.String("data").pipe(
      Flag.withDescription("task=folder: where a task's released files are (over eval.data); repeatable"),
      Flag.atLeast(0)
    ),
    singleFrame: Flag.Boolean("single-frame").pipe(
      Flag.withDescription("the question and one middle frame only (the single-frame answerability report)"),
      Flag.withDefault(false)
    ),
    strict: Flag.Boolean("strict").pipe(
      Flag.withDescription("also report the tasks' stricter opt-in metrics"),
      Flag.withDefault(false)
    )
  },
  (args) =>
    withProject((p) =>
      EvalCommand.use((m) =>
        m.evaluate(p, {
          ...evalOptionsOf(args),
          tasks: commaList(args.tasks),
          data: args.data.map(herePair),
          mode: args.singleFrame ? "single-frame" : "video",
          strict: args.strict
        })
      )
    )
).pipe(
  Command.withDescription(
    "Evaluate a model on benchmark tasks as LMMs-Eval does; results in its layout and in the store; a killed run resumes"
  ),
  Command.withSubcommands([evalImport])
)

const reportCommand = Command.make(
  "report",
  {
    name: Argument.Literals("name", ["main", "single-frame", "difficulty"] as const).pipe(
      Argument.withDescription("main (Table 3), single-frame (Table 2) or difficulty (Table 5)")
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("print the JSON instead of Markdown"),
      Flag.withDefault(false)
    ),
    output: Flag.String("output").pipe(
      Flag.withDescription("results folder (default: eval.outputDir, else eval-results/); reports go to its reports/"),
      Flag.optional
    ),
    model: Flag.String("model").pipe(
      Flag.withDescription("difficulty: the base model to run on the corpora first"),
      Flag.optional
    ),
    corpus: Flag.String("corpus").pipe(
      Flag.withDescription("difficulty: name=file of a corpus (VideoKR JSONL or Video-R1-style JSON); repeatable"),
      Flag.atLeast(0)
    ),
    videos: Flag.String("videos").pipe(
      Flag.withDescription(
        "difficulty: the folder the corpora's video paths are relative to (default: each file's folder)"
      ),
      Flag.optional
    ),
    samples: Flag.Int("samples").pipe(
      Flag.withDescription("difficulty: records sampled per corpus"),
      Flag.withDefault(3000)
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("difficulty: the sample's seed (Python's random.Random(seed).shuffle)"),
      Flag.withDefault(42)
    ),
    limit: evalFlags.limit,
    concurrency: evalFlags.concurrency,
    maxFrames: evalFlags.maxFrames,
    fps: evalFlags.fps,
    quiet: evalFlags.quiet,
    noCache: evalFlags.noCache
  },
  (args) =>
    withProject((p) =>
      Effect.gen(function* () {
        if (args.name === "difficulty" && Option.isSome(args.model)) {
          const model = args.model.value
          yield* ReportCommand.use((m) =>
            m.runDifficulty(p, {
              ...evalOptionsOf({ ...args, model, judge: Option.none(), output: args.output }),
              mode: "video",
              strict: false,
              corpora: args.corpus.map(herePair),
              videos: hereOption(args.videos),
              samples: args.samples,
              seed: args.seed
            })
          )
        }
        yield* ReportCommand.use((m) => m.report(p, args.name, { json: args.json, output: hereOption(args.output) }))
      })
    )
).pipe(
  Command.withDescription(
    "The paper's reports from stored results, as Markdown and JSON: main, single-frame, difficulty"
  )
)

const submitCheck = Command.make(
  "check",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription("a submission folder (submission.json and predictions.jsonl), or a .tar.gz of one")
    )
  },
  (args) => withProject((p) => SubmitCommand.use((m) => m.checkSubmission(p, here(args.dir))))
).pipe(Command.withDescription("Check a submission folder and score it as the site's build does"))

const submitCommand = Command.make(
  "submit",
  {
    from: Flag.String("from").pipe(
      Flag.withDescription(
        "a videokr eval results folder of one model (eval-results/<model>); its newest run is submitted"
      )
    ),
    model: Flag.String("model").pipe(Flag.withDescription("the model's name on the board")),
    revision: Flag.String("revision").pipe(Flag.withDescription("the model's revision (checkpoint, date or tag)")),
    organisation: Flag.String("org").pipe(Flag.withDescription("who submits")),
    contact: Flag.String("contact").pipe(Flag.withDescription("an e-mail address for questions about the submission")),
    link: Flag.String("link").pipe(
      Flag.withDescription("label=https://... (paper, code, weights); repeatable"),
      Flag.atLeast(0)
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("the folder to write (default: submissions/<org>/<model>-<revision>/)"),
      Flag.optional
    ),
    archive: Flag.Boolean("archive").pipe(
      Flag.withDescription("write it as one .tar.gz archive instead of a folder"),
      Flag.withDefault(false)
    )
  },
  (args) =>
    withProject((p) =>
      SubmitCommand.use((m) =>
        m.submit(p, {
          from: here(args.from),
          model: args.model,
          revision: args.revision,
          organisation: args.organisation,
          contact: args.contact,
          links: args.link,
          out: hereOption(args.out),
          archive: args.archive
        })
      )
    )
).pipe(
  Command.withDescription(
    "Build a leaderboard submission from a videokr eval run, checked and scored as the site's build does"
  ),
  Command.withSubcommands([submitCheck])
)

const siteFlags = {
  submissions: Flag.String("submissions").pipe(
    Flag.withDescription(
      "the submission folders (default: submissions/ in the project, as submissions/<org>/<model>/)"
    ),
    Flag.optional
  )
}
const site = Command.make("site").pipe(
  Command.withDescription(
    "The leaderboard and dataset-card site: every submission checked and re-scored, pages built with Astro"
  ),
  Command.withSubcommands([
    Command.make(
      "build",
      {
        ...siteFlags,
        out: Flag.String("out").pipe(
          Flag.withDescription("where the static site goes (default: site/ in the project)"),
          Flag.optional
        )
      },
      (args) =>
        withProject((p) =>
          Effect.asVoid(
            SiteCommand.use((m) =>
              m.buildSite(p, {
                submissions: hereOption(args.submissions) ?? "submissions",
                out: hereOption(args.out) ?? "site"
              })
            )
          )
        )
    ).pipe(
      Command.withDescription("Build the static site (a submission that fails its checks fails the build, naming it)")
    ),
    Command.make(
      "dev",
      { ...siteFlags, port: Flag.Int("port").pipe(Flag.withDescription("the dev server's port"), Flag.optional) },
      (args) =>
        withProject((p) =>
          SiteCommand.use((m) =>
            m.devSite(p, {
              submissions: hereOption(args.submissions) ?? "submissions",
              out: "",
              port: Option.getOrUndefined(args.port)
            })
          )
        )
    ).pipe(Command.withDescription("Serve the site with Astro's dev server"))
  ])
)

const releaseCommand = Command.make(
  "release",
  {
    out: Flag.String("out").pipe(
      Flag.withDescription("the folder to lay out (default: release/ in the project)"),
      Flag.optional
    ),
    name: Flag.String("name").pipe(Flag.withDescription("the dataset's name on its card"), Flag.withDefault("VideoKR"))
  },
  (args) =>
    withProject((p) =>
      ReleaseCommand.use((m) => m.release(p, { out: hereOption(args.out) ?? "release", name: args.name }))
    )
).pipe(
  Command.withDescription(
    "Lay out a folder ready to upload to a dataset hub: split files, Hugging Face card, Croissant metadata, SHA256SUMS"
  )
)

const kbIds = Argument.String("id").pipe(Argument.variadic(), Argument.withDescription("knowledge point ids"))
const kb = Command.make("kb").pipe(
  Command.withDescription("Review knowledge points proposed by the expand stage"),
  Command.withSubcommands([
    Command.make("review", {}, () => withProject(() => KbCommand.use((m) => m.reviewKnowledgePoints))).pipe(
      Command.withDescription("List the knowledge points waiting for review")
    ),
    Command.make(
      "accept",
      {
        ids: kbIds,
        all: Flag.Boolean("all").pipe(Flag.withDescription("accept every one waiting"), Flag.withDefault(false))
      },
      (args) => withProject(() => KbCommand.use((m) => m.acceptKnowledgePoints(args.ids, args.all)))
    ).pipe(Command.withDescription("Accept proposed knowledge points: the pipeline then uses them")),
    Command.make("reject", { ids: kbIds }, (args) =>
      withProject(() => KbCommand.use((m) => m.rejectKnowledgePoints(args.ids)))
    ).pipe(Command.withDescription("Remove proposed knowledge points"))
  ])
)

const review = Command.make(
  "review",
  {
    host: Flag.String("host").pipe(
      Flag.withDescription("the address to serve on (another than loopback needs the printed access token)"),
      Flag.withDefault("127.0.0.1")
    ),
    port: Flag.Int("port").pipe(Flag.withDescription("the port (0: any free one)"), Flag.withDefault(4387)),
    token: Flag.String("token").pipe(
      Flag.withDescription(
        "the access token when serving beyond loopback (default: a random one; or VIDEOKR_REVIEW_TOKEN)"
      ),
      Flag.optional
    )
  },
  (args) =>
    Effect.flatMap(project, (p) =>
      ReviewCommand.use((m) =>
        m.serveReviewApp(p, {
          host: args.host,
          port: args.port,
          token: Option.getOrUndefined(args.token) ?? process.env["VIDEOKR_REVIEW_TOKEN"]
        })
      ).pipe(Effect.provide(reviewStoreLayer(p)))
    )
).pipe(
  Command.withDescription(
    "Human quality control: with no subcommand, serve the review app; with one, draw model outputs per step into a review queue, deal it among reviewers, write it out, read marks back"
  ),
  Command.withSubcommands([
    Command.make(
      "sample",
      {
        step: Flag.String("step").pipe(
          Flag.withDescription(`the pipeline step whose outputs are reviewed (${pipelineStageNames.join(", ")})`)
        ),
        model: Flag.String("model").pipe(
          Flag.withDescription("only this model's outputs (default: every model of the step)"),
          Flag.optional
        ),
        n: Flag.Int("n").pipe(
          Flag.withDescription("outputs per model in the queue (default: review.sampleSize, else 100)"),
          Flag.optional
        ),
        seed: Flag.Int("seed").pipe(Flag.withDescription("the sample's seed"), Flag.withDefault(42))
      },
      (args) =>
        withProject((p) =>
          ReviewCommand.use((m) =>
            m.sampleReview({
              step: args.step,
              model: Option.getOrUndefined(args.model),
              n: Option.getOrUndefined(args.n) ?? p.config.review?.sampleSize ?? 100,
              seed: args.seed
            })
          )
        )
    ).pipe(
      Command.withDescription(
        "Draw a seeded sample of each model's outputs for a step, stratified by discipline and skill, into the review queue"
      )
    ),
    Command.make(
      "assign",
      {
        step: Flag.String("step").pipe(Flag.withDescription("the step whose queued items are dealt")),
        reviewers: Flag.String("reviewers").pipe(Flag.withDescription("the reviewers' names, comma-separated")),
        double: Flag.Finite("double").pipe(
          Flag.withDescription("the share of items also given to a second reviewer, for agreement (0-1)"),
          Flag.withDefault(0.2)
        ),
        seed: Flag.Int("seed").pipe(Flag.withDescription("the seed of the dealing order"), Flag.withDefault(42))
      },
      (args) =>
        withProject(() =>
          ReviewCommand.use((m) =>
            m.assignReview({
              step: args.step,
              reviewers: args.reviewers.split(","),
              double: args.double,
              seed: args.seed
            })
          )
        )
    ).pipe(
      Command.withDescription(
        "Deal a step's queued items among reviewers (each then sees their own in the app), a share of them to two for agreement"
      )
    ),
    Command.make(
      "agreement",
      { json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON for machines"), Flag.withDefault(false)) },
      (args) => withReadProject(() => ReviewCommand.use((m) => m.showAgreement(args.json)))
    ).pipe(
      Command.withDescription(
        "Cohen's kappa per step on the items two reviewers marked, and the items split evenly, for adjudication"
      )
    ),
    Command.make(
      "export",
      {
        out: Flag.String("out").pipe(
          Flag.withDescription("the JSONL file to write"),
          Flag.withDefault("review-queue.jsonl")
        ),
        seeds: Flag.String("seeds").pipe(
          Flag.withDescription("also write every seed example to this JSONL file (as videokr import reads it)"),
          Flag.optional
        )
      },
      (args) => withReadProject(() => ReviewCommand.use((m) => m.exportReview(here(args.out), hereOption(args.seeds))))
    ).pipe(
      Command.withDescription(
        "Write the review queue as JSONL: each item as its step saw it, what the model produced, and the marks so far"
      )
    ),
    Command.make(
      "import",
      {
        file: Argument.String("file").pipe(
          Argument.withDescription("JSONL of marks: {step, item_id, reviewer, correct, category?, note?, marked_at?}")
        )
      },
      (args) => withProject(() => ReviewCommand.use((m) => m.importReview(here(args.file))))
    ).pipe(Command.withDescription("Read reviewers' marks (all or none; importing the same marks again adds nothing)"))
  ])
)

const eligibilityCommand = Command.make(
  "eligibility",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON for machines"), Flag.withDefault(false)) },
  (args) => withReadProject((p) => ReviewCommand.use((m) => m.showEligibility(p, args.json)))
).pipe(
  Command.withDescription(
    "Per model and step: outputs reviewed, errors, error rate with a 95% interval, and whether the model may serve the step"
  )
)

const demo = Command.make(
  "demo",
  {
    dir: Flag.String("dir").pipe(
      Flag.withDescription(
        "where the demo project is created (default: demo-output/ in the repository, replaced on each run)"
      ),
      Flag.optional
    )
  },
  ({ dir }) => Demo.use((m) => m.runDemo(Option.getOrUndefined(dir)))
).pipe(Command.withDescription("Run the pipeline end to end on the bundled sample"))

export const videokr = Command.make("videokr").pipe(
  Command.withDescription("Build, validate, evaluate and publish knowledge- and reasoning-intensive video QA corpora"),
  Command.withSubcommands([
    init,
    importCommand,
    split,
    exportCommand,
    stats,
    run,
    workerCommand,
    statusCommand,
    funnelCommand,
    whyCommand,
    kb,
    evalCommand,
    reportCommand,
    submitCommand,
    site,
    releaseCommand,
    review,
    eligibilityCommand,
    score,
    models,
    doctorCommand,
    demo
  ]),
  Command.withGlobalFlags([ProjectFlag])
)
