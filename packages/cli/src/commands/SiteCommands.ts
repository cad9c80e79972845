/**
 * The leaderboard site: build, dev, and the judge of open-ended answers.
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { hereOption, lazily, withProject } from "./Context.ts"

const SiteCommand = lazily(() => import("../SiteCommand.ts"))

export const siteFlags = {
  submissions: Flag.String("submissions").pipe(
    Flag.withDescription(
      "the submission folders (default: submissions/ in the project, as submissions/<org>/<model>/)"
    ),
    Flag.optional
  )
}

export const site = Command.make("site").pipe(
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
