import { createReadStream } from "node:fs"
import { resolve } from "node:path"
import { createInterface } from "node:readline"
import { Effect } from "effect"
import { FileError, InputError, reasonOf } from "@videokr/core"
import { scoreLine } from "@videokr/eval"

/**
 * `videokr score <file.jsonl>`: one JSON line out per line in, streamed (memory stays flat however long
 * the file): ROUGE for `{prediction, reference}`, the GRPO reward (and ROUGE of the extracted answers) for
 * `{output, ground_truth, problem_type}`. A bad line stops the run with its file, line and field.
 */
export const scoreFile = (file: string) =>
  Effect.tryPromise({
    try: async () => {
      const path = resolve(file)
      const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })
      let at = 0
      let out: Array<string> = []
      const flush = async () => {
        if (out.length === 0) return
        const chunk = out.join("")
        out = []
        if (!process.stdout.write(chunk)) await new Promise((ok) => process.stdout.once("drain", ok))
      }
      for await (const line of lines) {
        at++
        if (line.trim() === "") continue
        let value: unknown
        try {
          value = JSON.parse(line)
        } catch (e) {
          await flush()
          return new InputError({
            file,
            problems: [{ line: at, message: `not JSON: ${reasonOf(e)}` }],
            omitted: 0,
            outcome: `scored ${at - 1} line(s) before it`
          })
        }
        const scored = scoreLine(value)
        if (typeof scored === "string") {
          await flush()
          const field = /^field "(\w+)": (.*)$/.exec(scored)
          return new InputError({
            file,
            problems: [
              field === null ? { line: at, message: scored } : { line: at, field: field[1]!, message: field[2]! }
            ],
            omitted: 0,
            outcome: `scored ${at - 1} line(s) before it`
          })
        }
        out.push(JSON.stringify(scored) + "\n")
        if (out.length >= 512) await flush()
      }
      await flush()
      return undefined
    },
    catch: (e) => new FileError({ path: file, operation: "read", reason: reasonOf(e) })
  }).pipe(Effect.flatMap((problem) => (problem === undefined ? Effect.void : Effect.fail(problem))))
