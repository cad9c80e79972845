/**
 * The knowledge bank's proposals: kb review, kb accept, kb reject.
 */
import { Argument, Command, Flag } from "effect/cli"
import { lazily, withProject } from "./Context.ts"

const KbCommand = lazily(() => import("../KbCommand.ts"))

export const kbIds = Argument.String("id").pipe(Argument.variadic(), Argument.withDescription("knowledge point ids"))

export const kb = Command.make("kb").pipe(
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
