/**
 * The leaderboard site: build, dev, and the judge of open-ended answers.
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { cacheFlags, cacheModeOf, here, hereOption, lazily, withProject } from "./Context.ts"

const SiteCommand = lazily(() => import("../SiteCommand.ts"))

export const siteFlags = {
  submissions: Flag.String("submissions").pipe(
    Flag.withDescription(
      "the submission folders (default: submissions/ in the project, as submissions/<org>/<model>/)"
    ),
    Flag.optional
  ),
  verdicts: Flag.String("verdicts").pipe(
    Flag.withDescription("the board judge's verdicts (default: site.verdicts, else verdicts/ in the project)"),
    Flag.optional
  )
}

const judgeDiff = Command.make(
  "diff",
  {
    a: Argument.String("a").pipe(Argument.withDescription("a verdicts folder")),
    b: Argument.String("b").pipe(Argument.withDescription("another verdicts folder (a re-judging)"))
  },
  (args) => Effect.asVoid(SiteCommand.use((m) => m.diffJudgings(here(args.a), here(args.b))))
).pipe(
  Command.withDescription("Compare two judgings output by output: how many verdicts agree, and the ones that differ")
)

const judge = Command.make(
  "judge",
  {
    ...siteFlags,
    judge: Flag.String("judge").pipe(
      Flag.withDescription("the judge model (default: site.judge, the board's pinned judge)"),
      Flag.optional
    ),
    again: Flag.Boolean("again").pipe(
      Flag.withDescription(
        "ask again what already has a verdict (with --verdicts <new folder> and --refresh, a re-judging to compare with `site judge diff`)"
      ),
      Flag.withDefault(false)
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDescription("judge calls at a time (default: eval.concurrency, else 8)"),
      Flag.optional
    ),
    ...cacheFlags
  },
  (args) =>
    withProject((p) =>
      SiteCommand.use((m) =>
        m.judgeSite(p, {
          submissions: hereOption(args.submissions) ?? "submissions",
          verdicts: hereOption(args.verdicts),
          judge: Option.getOrUndefined(args.judge),
          again: args.again,
          concurrency: Option.getOrUndefined(args.concurrency),
          cache: cacheModeOf(args)
        })
      )
    )
).pipe(
  Command.withDescription(
    "Judge the open-ended answers of every submission with the board's pinned judge (needs its key); verdicts are stored beside the submissions and `site build` uses them without a key"
  ),
  Command.withSubcommands([judgeDiff])
)

export const site = Command.make("site").pipe(
  Command.withDescription(
    "The leaderboard and dataset-card site: every submission checked and re-scored, pages built with Astro"
  ),
  Command.withSubcommands([
    judge,
    Command.make(
      "build",
      {
        ...siteFlags,
        out: Flag.String("out").pipe(
          Flag.withDescription("where the static site goes (default: site/ in the project)"),
          Flag.optional
        ),
        base: Flag.String("base").pipe(
          Flag.withDescription(
            'the path the site is served under, e.g. "/board/" for a GitHub Pages project site (default "/")'
          ),
          Flag.optional
        )
      },
      (args) =>
        withProject((p) =>
          Effect.asVoid(
            SiteCommand.use((m) =>
              m.buildSite(p, {
                submissions: hereOption(args.submissions) ?? "submissions",
                verdicts: hereOption(args.verdicts),
                out: hereOption(args.out) ?? "site",
                base: Option.getOrUndefined(args.base)
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
              verdicts: hereOption(args.verdicts),
              out: "",
              port: Option.getOrUndefined(args.port)
            })
          )
        )
    ).pipe(Command.withDescription("Serve the site with Astro's dev server"))
  ])
)
