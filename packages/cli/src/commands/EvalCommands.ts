/**
 * Evaluation: score, eval (and eval import), report.
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { commaList, here, hereOption, herePair, lazily, withProject } from "./Context.ts"

const ScoreCommand = lazily(() => import("../ScoreCommand.ts"))
const EvalCommand = lazily(() => import("../EvalCommand.ts"))
const ReportCommand = lazily(() => import("../ReportCommand.ts"))

export const score = Command.make(
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

/** What every command that evaluates a model takes. */
export const evalFlags = {
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

export const evalOptionsOf = (args: {
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

export const evalImport = Command.make(
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

export const evalCommand = Command.make(
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

export const reportCommand = Command.make(
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
