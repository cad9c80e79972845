/**
 * Publishing: submit (and submit check), release. The site's commands are in SiteCommands.ts.
 */
import { Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { here, hereOption, lazily, withProject } from "./Context.ts"

const SubmitCommand = lazily(() => import("../SubmitCommand.ts"))
const ReleaseCommand = lazily(() => import("../ReleaseCommand.ts"))

export const submitCheck = Command.make(
  "check",
  {
    dirs: Argument.String("dir").pipe(
      Argument.withDescription(
        "submission folders (submission.json and predictions.jsonl), or .tar.gz archives of them"
      ),
      Argument.variadic()
    ),
    changedSince: Flag.String("changed-since").pipe(
      Flag.withDescription(
        "also check the submissions under submissions/ changed between this git ref and HEAD (git diff <ref>...HEAD; deleted ones are left out), e.g. origin/main in a pull request"
      ),
      Flag.optional
    ),
    report: Flag.String("report").pipe(
      Flag.withDescription(
        "write a Markdown report (for a pull request comment): each submission's scores, or its problems by file, line and field"
      ),
      Flag.optional
    )
  },
  (args) =>
    withProject((p) =>
      SubmitCommand.use((m) =>
        m.checkSubmissions(p, {
          dirs: args.dirs.map(here),
          changedSince: Option.getOrUndefined(args.changedSince),
          report: hereOption(args.report)
        })
      )
    )
).pipe(
  Command.withDescription(
    "Check submissions and score them as the site's build does; exits 1 when any is refused (after writing --report)"
  )
)

export const submitCommand = Command.make(
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

export const releaseCommand = Command.make(
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
