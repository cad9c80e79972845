import { Command } from "effect/cli"
import { ProjectFlag } from "./commands/Context.ts"
import { exportCommand, importCommand, init, split, stats } from "./commands/CorpusCommands.ts"
import { demo } from "./commands/DemoCommand.ts"
import { evalCommand, reportCommand, score } from "./commands/EvalCommands.ts"
import { kb } from "./commands/KbCommands.ts"
import { doctorCommand, models } from "./commands/ModelCommands.ts"
import { releaseCommand, submitCommand } from "./commands/PublishCommands.ts"
import { site } from "./commands/SiteCommands.ts"
import { eligibilityCommand, review } from "./commands/ReviewCommands.ts"
import { funnelCommand, run, statusCommand, whyCommand, workerCommand } from "./commands/RunCommands.ts"
import { trainConfig } from "./commands/TrainCommands.ts"

/**
 * The `videokr` command tree. Each group of commands, with its handlers, is a file of commands/; their
 * implementations are loaded when a command runs.
 */
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
    trainConfig,
    review,
    eligibilityCommand,
    score,
    models,
    doctorCommand,
    demo
  ]),
  Command.withGlobalFlags([ProjectFlag])
)
