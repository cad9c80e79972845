import { Cause, Console, Effect, Runtime } from "effect"
import { CliOutput, Command } from "effect/cli"
import { videokr } from "./Commands.ts"

export const version = "0.1.0"

/**
 * Exit codes: 0 ok, 1 failure, 2 usage (bad flags or arguments, or a command used in a way that cannot
 * work), 3 incomplete (items left pending after transient failures; running the command again finishes them).
 */
export const exitCodeOf = (error: unknown): number => {
  const tag = (error as { _tag?: string } | undefined)?._tag
  if (tag === "UsageError") return 2
  if (tag === "IncompleteRun") return 3
  if (
    tag !== undefined &&
    [
      "ShowHelp",
      "UnrecognizedOption",
      "DuplicateOption",
      "MissingOption",
      "MissingArgument",
      "UnexpectedArgument",
      "InvalidValue",
      "UnknownSubcommand",
      "ValidationError"
    ].includes(tag)
  )
    return 2
  return 1
}

class Reported extends Error {
  override readonly [Runtime.errorExitCode]: number
  override readonly [Runtime.errorReported] = false
  constructor(code: number) {
    super("reported")
    this[Runtime.errorExitCode] = code
  }
}

/** A parse error in one line: its message, and the CLI module's suggestions as "did you mean". */
const oneLine = (error: { readonly message: string; readonly suggestions?: ReadonlyArray<string> }) => {
  const base = error.message.split("\n\n")[0]!.replaceAll("\n", " ")
  const suggestions = error.suggestions ?? []
  return suggestions.length === 0 ? base : `${base}; did you mean ${suggestions.join(" or ")}?`
}

/**
 * A command line that cannot be parsed gets the error first, then one line of usage and where the help
 * is, on stderr (the whole help, with the error under it, was easy to miss).
 */
const usagePresenter = CliOutput.layerPresenter({
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    // after an unknown subcommand, the flags meant for it are not errors of their own
    const unknown = event.errors.filter((e) => e._tag === "UnknownSubcommand")
    const errors = unknown.length > 0 ? unknown : event.errors
    return Console.error(
      errors.map((e) => `error: ${oneLine(e as { message: string; suggestions?: ReadonlyArray<string> })}`).join("\n") +
        `\nusage: ${event.helpDoc.usage}\n(${event.commandPath.join(" ")} --help for more)`
    )
  }
})

/** Runs the CLI on `args`; failures are printed as their message (no stack traces) with the exit code. */
export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(videokr, { version })(args).pipe(
    Effect.provide(usagePresenter),
    Effect.catchCause((cause) =>
      Effect.gen(function* () {
        const error = Cause.squash(cause)
        const code = exitCodeOf(error)
        const tag = (error as { _tag?: string })._tag
        // the CLI module has already printed help and parse errors
        const printed = tag === "ShowHelp" || (code === 2 && tag !== "UsageError")
        if (!printed) yield* Console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
        return yield* Effect.fail(new Reported(code))
      })
    )
  )
