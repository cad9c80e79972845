/**
 * Human quality control: review (the app, its queue and marks) and eligibility.
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { pipelineStageNames } from "@videokr/core"
import { reviewStoreLayer } from "../LiveRun.ts"
import { here, hereOption, lazily, project, withProject, withReadProject } from "./Context.ts"

const ReviewCommand = lazily(() => import("../ReviewCommand.ts"))

export const review = Command.make(
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

export const eligibilityCommand = Command.make(
  "eligibility",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON for machines"), Flag.withDefault(false)) },
  (args) => withReadProject((p) => ReviewCommand.use((m) => m.showEligibility(p, args.json)))
).pipe(
  Command.withDescription(
    "Per model and step: outputs reviewed, errors, error rate with a 95% interval, and whether the model may serve the step"
  )
)
