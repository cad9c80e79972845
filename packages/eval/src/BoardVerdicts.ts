import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join, relative } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, type InputProblem, inputProblems, schemaProblems } from "@videokr/core"
import { judgeParams } from "./Judge.ts"
import {
  fairOpenEndedBriefJudgeTemplate,
  fairOpenEndedJudgeTemplate,
  multipleChoiceLetterJudgeTemplate,
  multipleChoiceLetterJudgeTemplateTrailingSpaces,
  strictMultipleChoiceJudgeTemplate,
  strictOpenEndedJudgeInstructions
} from "./JudgePrompts.ts"

/**
 * The board's judged answers: what the rules cannot score (open-ended answers) is judged once by one
 * pinned judge model (`videokr site judge`, by the board's maintainers, with a key), and the verdicts are
 * stored as JSONL files beside the submissions (`verdicts/<org>/<model>.jsonl`, one per submission
 * folder). `videokr site build` reads them and needs no key. A verdict is keyed by the hash of (task,
 * document, output, judge model, judge prompt version): a changed output, judge or prompt finds no verdict
 * and waits for the judge again, and two judgings of the same outputs can be compared key by key.
 */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** The version of the judge prompts: a change to any template or to the judge's parameters is a new version. */
export const judgePromptVersion = sha256(
  JSON.stringify([
    strictMultipleChoiceJudgeTemplate,
    fairOpenEndedJudgeTemplate,
    fairOpenEndedBriefJudgeTemplate,
    multipleChoiceLetterJudgeTemplate,
    multipleChoiceLetterJudgeTemplateTrailingSpaces,
    strictOpenEndedJudgeInstructions,
    judgeParams
  ])
).slice(0, 12)

export interface VerdictKeyInput {
  readonly task: string
  readonly id: string
  readonly output: string
  readonly judge: string
  readonly prompt: string
}

export const outputHash = (output: string) => sha256(output).slice(0, 16)

export const verdictKey = (k: VerdictKeyInput) =>
  sha256(JSON.stringify([k.task, k.id, k.output, k.judge, k.prompt])).slice(0, 32)

export const Verdict = Schema.Struct({
  key: Schema.NonEmptyString,
  task: Schema.NonEmptyString,
  id: Schema.NonEmptyString,
  /** the first 16 hex digits of the output's sha256: which answer was judged (another judge's verdict on it compares) */
  output: Schema.NonEmptyString,
  judge: Schema.NonEmptyString,
  prompt: Schema.NonEmptyString,
  /** the task's reading of the reply (1 right, 0 wrong); a failed judgement counts 0, as the reference does */
  verdict: Schema.Finite,
  reply: Schema.String,
  /** the submission folder the output came from, relative to the submissions folder (for people reading the file) */
  submission: Schema.String,
  judgedAt: Schema.String
}).annotate({ identifier: "Verdict" })
export type Verdict = typeof Verdict.Type

const decodeVerdict = Schema.decodeUnknownExit(Verdict)

/** The verdicts file of a submission folder (relative to the submissions folder, archives without .tar.gz). */
export const verdictsFileOf = (verdictsDir: string, folder: string) =>
  join(verdictsDir, `${folder === "." ? "_root" : folder}.jsonl`)

const jsonlFiles = async (dir: string): Promise<Array<string>> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const found: Array<string> = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue
    if (e.isDirectory()) found.push(...(await jsonlFiles(join(dir, e.name))))
    else if (e.isFile() && e.name.endsWith(".jsonl")) found.push(join(dir, e.name))
  }
  return found
}

export interface StoredVerdicts {
  readonly byKey: ReadonlyMap<string, Verdict>
  /** verdicts per file, relative to the verdicts folder */
  readonly files: ReadonlyMap<string, ReadonlyArray<Verdict>>
}

/** Every verdict under a folder (a missing folder holds none); a bad line names its file, line and field. */
export const readVerdicts = (dir: string) =>
  Effect.gen(function* () {
    const byKey = new Map<string, Verdict>()
    const files = new Map<string, Array<Verdict>>()
    for (const file of yield* Effect.promise(() => jsonlFiles(dir))) {
      const text = yield* Effect.promise(() => readFile(file, "utf8"))
      const problems: Array<InputProblem> = []
      const here: Array<Verdict> = []
      text.split("\n").forEach((line, i) => {
        if (line.trim() === "") return
        let json: unknown
        try {
          json = JSON.parse(line)
        } catch (e) {
          return void problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` })
        }
        const v = decodeVerdict(json, { errors: "all" })
        if (v._tag === "Failure") return void problems.push(...schemaProblems(v.cause, json, i + 1))
        here.push(v.value)
        byKey.set(v.value.key, v.value)
      })
      if (problems.length > 0) return yield* inputProblems(file, problems, "the verdicts are not read")
      files.set(relative(dir, file), here)
    }
    return { byKey, files } satisfies StoredVerdicts
  })

/** The verdicts of a file as written: one line each, in (task, id) order, so that a re-judging diffs line by line. */
export const verdictLines = (verdicts: ReadonlyArray<Verdict>) =>
  [...verdicts]
    .sort((a, b) => a.task.localeCompare(b.task) || a.id.localeCompare(b.id) || a.key.localeCompare(b.key))
    .map((v) => JSON.stringify(v) + "\n")
    .join("")

/** The judge whose verdicts the board uses: the pinned one, else the only one of the stored verdicts. */
export const boardJudgeOf = (stored: StoredVerdicts, pinned: string | undefined, verdictsDir: string) =>
  Effect.gen(function* () {
    if (pinned !== undefined) return pinned
    const judges = [...new Set([...stored.byKey.values()].map((v) => v.judge))].sort()
    if (judges.length <= 1) return judges[0]
    return yield* new InputError({
      file: verdictsDir,
      problems: [
        {
          line: 0,
          field: "judge",
          message: `verdicts of ${judges.length} judges (${judges.join(", ")}): pin the board's judge with site.judge in videokr.config.ts`
        }
      ],
      omitted: 0,
      outcome: "the site is not built"
    })
  })

export interface VerdictDiff {
  /** keys judged in both, and of those, the ones whose verdicts differ */
  readonly both: number
  readonly differing: ReadonlyArray<{ readonly a: Verdict; readonly b: Verdict }>
  readonly onlyA: number
  readonly onlyB: number
}

/**
 * Two judgings compared output by output: verdicts are matched on (task, document, output hash), so that
 * the same judge asked again, another judge or another prompt version are compared on the same answers.
 */
export const diffVerdicts = (a: ReadonlyMap<string, Verdict>, b: ReadonlyMap<string, Verdict>): VerdictDiff => {
  const index = (m: ReadonlyMap<string, Verdict>) =>
    new Map([...m.values()].map((v) => [`${v.task}\u0000${v.id}\u0000${v.output}`, v]))
  const ia = index(a)
  const ib = index(b)
  const differing: Array<{ a: Verdict; b: Verdict }> = []
  let both = 0
  for (const [k, va] of ia) {
    const vb = ib.get(k)
    if (vb === undefined) continue
    both++
    if (va.verdict !== vb.verdict) differing.push({ a: va, b: vb })
  }
  return { both, differing, onlyA: ia.size - both, onlyB: ib.size - both }
}
