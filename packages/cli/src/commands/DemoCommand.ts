/**
 * The demo: the whole pipeline on the bundled sample.
 */
import { Option } from "effect"
import { Command, Flag } from "effect/cli"
import { lazily } from "./Context.ts"

const Demo = lazily(() => import("../Demo.ts"))

export const demo = Command.make(
  "demo",
  {
    dir: Flag.String("dir").pipe(
      Flag.withDescription(
        "where the demo project is created (default: demo-output/ in the repository, replaced on each run)"
      ),
      Flag.optional
    )
  },
  ({ dir }) => Demo.use((m) => m.runDemo(Option.getOrUndefined(dir)))
).pipe(Command.withDescription("Run the pipeline end to end on the bundled sample"))
