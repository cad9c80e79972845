/**
 * The pipeline's run and what it reports: run, worker, status, funnel, why.
 */
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { pipelineStageNames, UsageError } from "@videokr/core"
import { funnel, stageItems, why } from "../Verdicts.ts"
import { liveStatus, readStoreLayer } from "../LiveRun.ts"
import { renderQueue, renderStatus } from "../RunStatus.ts"
import { cacheFlags, cacheModeOf, commaList, lazily, project, withProject, withReadProject } from "./Context.ts"

const RunCommand = lazily(() => import("../RunCommand.ts"))
const WorkerCommand = lazily(() => import("../WorkerCommand.ts"))

export const run = Command.make(
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
    ...cacheFlags,
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
          cache: cacheModeOf(args),
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

export const workerCommand = Command.make(
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

export const funnelCommand = Command.make(
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

export const whyCommand = Command.make(
  "why",
  { id: Argument.String("id").pipe(Argument.withDescription("a knowledge point, video or example id")) },
  (args) => withReadProject(() => why(args.id))
).pipe(Command.withDescription("Why an item was kept or dropped: its verdicts, stage by stage"))

export const statusCommand = Command.make(
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
