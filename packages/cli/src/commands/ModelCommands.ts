/**
 * Commands about the models and the machine: models list, models check, doctor.
 */
import { join } from "node:path"
import { Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import { Media, storageOf } from "@videokr/core"
import { lazily, project, withProject } from "./Context.ts"

const Doctor = lazily(() => import("../Doctor.ts"))
const ModelsCommand = lazily(() => import("../ModelsCommand.ts"))

export const modelsList = Command.make("list", {}, () =>
  Effect.flatMap(project, (p) => ModelsCommand.use((m) => m.listModels(p)))
).pipe(
  Command.withDescription(
    "Configured models, whether their key variables are set (never their values), prices, limits and pools"
  )
)

export const modelsCheck = Command.make(
  "check",
  {
    models: Argument.String("model").pipe(
      Argument.withDescription("model ids (default: every configured model)"),
      Argument.variadic()
    )
  },
  (args) => withProject((p) => ModelsCommand.use((m) => m.checkModels(p, args.models)))
).pipe(Command.withDescription("One tiny request per model: latency, and whether text, images and JSON output work"))

export const models = Command.make("models").pipe(
  Command.withDescription("List and check the configured models"),
  Command.withSubcommands([modelsList, modelsCheck])
)

export const doctorCommand = Command.make("doctor", {}, () =>
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
