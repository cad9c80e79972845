import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { readdir, readFile, rm } from "node:fs/promises"
import { dirname, join, relative, resolve } from "node:path"
import { Console, Effect, Schema, Stream } from "effect"
import { FileError, InputError, type Project, reasonOf, UsageError, writeTextAtomic } from "@videokr/core"
import {
  boardJudgeOf,
  documentsUnder,
  fileReader,
  isSubmissionArchive,
  loadSubmission,
  packSubmission,
  parseSubmission,
  rescoreSubmission,
  type ScoredTask,
  slug,
  type SubmissionMeta,
  submissionFiles,
  TaskDataError,
  boardTaskMap,
  projectDocuments,
  verdictLookup,
  verdictsDirOf,
  readVerdicts
} from "@videokr/eval"
import { table } from "./Output.ts"

export interface SubmitOptions {
  /** a `videokr eval` results folder (<outputDir>/<model>), the newest run in it */
  readonly from: string
  readonly model: string
  readonly revision: string
  readonly organisation: string
  readonly contact: string
  readonly links: ReadonlyArray<string>
  readonly out: string | undefined
  /** write <folder>.tar.gz instead of the folder */
  readonly archive?: boolean | undefined
}

const readText = (path: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => new FileError({ path, operation: "read", reason: e instanceof Error ? e.message : String(e) })
  })
const readJson = (where: string, text: string) =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (e) =>
      new FileError({ path: where, operation: "parse JSON", reason: e instanceof Error ? e.message : String(e) })
  })

const score = (x: number | null | undefined) => (x === undefined || x === null ? "-" : x.toFixed(2))

/** The board's scores of a submission; with the eval run's own scores beside them when it was made from one. */
export const renderScores = (scored: ReadonlyArray<ScoredTask>, evalScores?: Readonly<Record<string, number | null>>) =>
  table(
    [
      "task",
      "benchmark",
      ...(evalScores === undefined ? ["score"] : ["your eval", "board"]),
      "95% interval",
      "samples",
      "scored",
      "judged",
      "awaiting judge"
    ],
    scored.map((s) => [
      s.task,
      s.benchmark,
      ...(evalScores === undefined ? [] : [score(evalScores[s.task])]),
      score(s.score),
      s.interval === undefined ? "-" : `${s.interval.low.toFixed(2)}-${s.interval.high.toFixed(2)}`,
      s.samples,
      s.scored,
      s.judged,
      s.awaiting
    ])
  )

/** Why the board's number of a task is not the eval run's, when it is not. */
const whyScoresDiffer = (
  scored: ReadonlyArray<ScoredTask>,
  own: Readonly<Record<string, { readonly score: number | null; readonly record: { readonly judge?: string | null } }>>
) => {
  const differ = scored.filter((s) => own[s.task] !== undefined && score(own[s.task]!.score) !== score(s.score))
  if (differ.length === 0) return "the board's scores are the eval run's"
  const judged = [
    ...new Set(differ.map((s) => own[s.task]!.record.judge).filter((j): j is string => typeof j === "string"))
  ]
  return (
    `${differ.map((s) => s.task).join(", ")}: the board's score differs from the eval run's because ` +
    (judged.length > 0
      ? `the eval run asked a judge (${judged.join(", ")}) about every answer, as LMMs-Eval does when a judge is set, while the board scores the outputs by each benchmark's rules alone (open-ended answers wait for the board's one judge, whose stored verdicts score them), so that every submission is scored the same way`
      : `the board scores the outputs by each benchmark's rules (open-ended answers wait for the board's one judge, whose stored verdicts score them), so that every submission is scored the same way`)
  )
}

/**
 * `videokr submit`: a submission folder (submissions/<org>/<model>/, ready for a pull request) from the
 * newest `videokr eval` run in a results folder, checked as the site's build checks it: the files
 * against their schema, every task scored again from the outputs. Writes nothing unless all is well.
 */
export const submit = (project: Project, options: SubmitOptions) =>
  Effect.gen(function* () {
    const from = resolve(project.dir, options.from)
    const names = yield* Effect.tryPromise({
      try: () => readdir(from),
      catch: (e) => new FileError({ path: from, operation: "read folder", reason: String(e) })
    })
    // per task, its newest full-video run in the folder
    const runs = names
      .filter((n) => n.endsWith("_results.json"))
      .sort()
      .reverse()
    const own: Record<string, { record: any; date: string; score: number | null }> = {}
    for (const file of runs) {
      const run = (yield* readJson(join(from, file), yield* readText(join(from, file)))) as {
        videokr?: { tasks: Record<string, { record: any; score?: number | null }> }
      }
      for (const [task, t] of Object.entries(run.videokr?.tasks ?? {})) {
        // the board's tasks only (MMVU's chain-of-thought variant is not a board column)
        if (own[task] === undefined && boardTaskMap[task] !== undefined && t.record.mode === "video")
          own[task] = { record: t.record, date: file.slice(0, -"_results.json".length), score: t.score ?? null }
      }
    }
    if (Object.keys(own).length === 0)
      return yield* new UsageError({
        reason: `${from}: no full-video run of a board task by videokr eval (give the folder of one model's results, e.g. eval-results/<model>)`
      })
    const roots = Object.fromEntries(Object.entries(own).map(([t, r]) => [t, r.record.dataRoot as string]))
    const lines: Array<string> = []
    for (const [task, { date }] of Object.entries(own)) {
      const known = boardTaskMap[task]!
      const docs = yield* known.documents(fileReader(task, roots[task]!))
      const samplesFile = join(from, `${date}_samples_${task}.jsonl`)
      const samples = (yield* readText(samplesFile)).split("\n").filter((l) => l.trim() !== "")
      for (const [i, line] of samples.entries()) {
        const s = (yield* readJson(`${samplesFile}:${i + 1}`, line)) as {
          doc_id: number
          filtered_resps: Array<string>
        }
        lines.push(JSON.stringify({ task, id: known.docId(docs[s.doc_id]!, s.doc_id), output: s.filtered_resps[0] }))
      }
    }
    const first = Object.values(own)[0]!.record
    const meta = {
      model: options.model,
      revision: options.revision,
      organisation: options.organisation,
      contact: options.contact,
      date: new Date().toISOString().slice(0, 10),
      frames: { fps: first.frames.fps, maxFrames: first.frames.maxFrames, maxPixels: first.frames.maxPixels },
      generation: {
        temperature: first.generation.temperature,
        ...(first.generation.topP === undefined ? {} : { topP: first.generation.topP }),
        maxTokens: first.generation.maxTokens
      },
      prompt: "default",
      ...(options.links.length === 0
        ? {}
        : {
            links: options.links.map((l) => {
              const at = l.indexOf("=")
              return at > 0 ? { label: l.slice(0, at), url: l.slice(at + 1) } : { label: l, url: l }
            })
          })
    }
    const out = resolve(
      project.dir,
      options.out ?? join("submissions", slug(options.organisation), slug(`${options.model}-${options.revision}`))
    )
    // checked as the site's build will check it before anything is written
    const metaText = JSON.stringify(meta, null, 2) + "\n"
    const predictionsText = lines.map((l) => l + "\n").join("")
    const loaded = yield* parseSubmission(out, metaText, predictionsText)
    const scored = yield* rescoreSubmission(loaded, boardTaskMap, documentsUnder(roots))
    yield* writeTextAtomic(join(out, submissionFiles.predictions), Stream.make(predictionsText))
    yield* writeTextAtomic(join(out, submissionFiles.meta), Stream.make(metaText))
    if (options.archive === true) {
      yield* packSubmission(out, `${out}.tar.gz`)
      yield* Effect.promise(() => rm(out, { recursive: true, force: true }))
    }
    yield* Console.log(renderScores(scored, Object.fromEntries(Object.entries(own).map(([t, o]) => [t, o.score]))))
    yield* Console.log(
      `submission written: ${options.archive === true ? `${out}.tar.gz` : out} (${lines.length} predictions); "board" is what the site will show, re-computed from the outputs by each benchmark's rules (open-ended answers await the board's judge)`
    )
    yield* Console.log(whyScoresDiffer(scored, own))
    yield* Console.log(
      `next: open a pull request adding ${join("submissions", slug(options.organisation), slug(`${options.model}-${options.revision}`))}/ (see the site's Contribute page)`
    )
  })

/** `git diff` could not list what changed since a ref (an unknown ref, a shallow clone, no repository). */
export class ChangedSinceError extends Schema.TaggedError<ChangedSinceError>()("ChangedSinceError", {
  ref: Schema.String,
  dir: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.dir}: cannot list the submissions changed since ${this.ref} (git diff ${this.ref}...HEAD): ${this.reason}; give a ref of this repository that HEAD shares history with (on GitHub Actions: actions/checkout with fetch-depth: 0, and origin/<base branch>)`
  }
}

/** Some of the submissions checked together were refused (each one's problems are in the output and the report). */
export class SubmissionsRefused extends Schema.TaggedError<SubmissionsRefused>()("SubmissionsRefused", {
  refused: Schema.Array(Schema.String),
  checked: Schema.Number,
  report: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    return `${this.refused.length} of ${this.checked} submission(s) refused: ${this.refused.join(", ")}${this.report === undefined ? "" : `; the report: ${this.report}`}; fix the files named above and check again`
  }
}

const git = (cwd: string, args: ReadonlyArray<string>) =>
  new Promise<string>((ok, no) =>
    execFile("git", [...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) =>
      e ? no(new Error(stderr.trim() || e.message)) : ok(stdout)
    )
  )

/**
 * The submissions under `submissionsDir` that changed between the merge base of `ref` and HEAD (`git diff
 * ref...HEAD`): each changed path mapped to its submission, the nearest folder holding submission.json
 * or predictions.jsonl (or the archive itself). Deleted submissions, and files that belong to none (a
 * README), are left out. Absolute paths, sorted.
 */
export const changedSubmissions = (submissionsDir: string, ref: string) =>
  Effect.gen(function* () {
    if (!existsSync(submissionsDir)) return []
    const out = yield* Effect.tryPromise({
      try: () => git(submissionsDir, ["diff", "--name-only", "-z", "--relative", `${ref}...HEAD`, "--", "."]),
      catch: (e) => new ChangedSinceError({ ref, dir: submissionsDir, reason: reasonOf(e) })
    })
    const found = new Set<string>()
    for (const path of out.split("\0").filter((p) => p !== "")) {
      const full = join(submissionsDir, path)
      if (isSubmissionArchive(path)) {
        if (existsSync(full)) found.add(full)
        continue
      }
      for (let dir = dirname(full); dir !== submissionsDir && dir.startsWith(submissionsDir); dir = dirname(dir)) {
        if (existsSync(join(dir, submissionFiles.meta)) || existsSync(join(dir, submissionFiles.predictions))) {
          found.add(dir)
          break
        }
      }
    }
    return [...found].sort()
  })

export interface CheckOptions {
  /** submission folders or archives (absolute) */
  readonly dirs: ReadonlyArray<string>
  /** also the submissions changed between this git ref's merge base and HEAD */
  readonly changedSince?: string | undefined
  /** write a Markdown report of every checked submission (a pull request comment) here (absolute) */
  readonly report?: string | undefined
}

type CheckError = InputError | FileError | TaskDataError

/** What came of checking one submission: its scores, or why it was refused. */
export type Checked =
  | {
      readonly _tag: "Valid"
      readonly path: string
      readonly meta: SubmissionMeta
      readonly scored: ReadonlyArray<ScoredTask>
    }
  | { readonly _tag: "Refused"; readonly path: string; readonly error: CheckError }

/** One row per problem of a refused submission: file, line, field, message. */
const problemRows = (error: CheckError, rel: (path: string) => string) => {
  if (error instanceof InputError)
    return [
      ...error.problems.map((p) => [rel(error.file), p.line > 0 ? String(p.line) : "", p.field ?? "", p.message]),
      ...(error.omitted > 0 ? [[rel(error.file), "", "", `and ${error.omitted} more problem(s)`]] : [])
    ]
  if (error instanceof TaskDataError)
    return [
      [
        rel(error.file),
        error.line === undefined ? "" : String(error.line),
        error.field ?? "",
        `${error.task}: ${error.reason}`
      ]
    ]
  return [[rel(error.path), "", "", `${error.operation} failed: ${error.reason}`]]
}

/** Text for a Markdown table cell or heading: no markup, no line breaks, no cell ends. */
const md = (text: string) =>
  text
    .replace(/[\\`*_[\]<>&|]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`))
    .replace(/\s+/g, " ")
    .trim()
const code = (text: string) => `\`${text.replaceAll("`", "'")}\``

/**
 * The Markdown report of a check (the pull request's comment): per submission, its board scores
 * (benchmark, score, interval, samples scored, awaiting the judge) or its problems (file, line, field).
 */
export const renderReport = (
  checked: ReadonlyArray<Checked>,
  options: { readonly root: string; readonly changedSince?: string | undefined; readonly judge: string | undefined }
) => {
  const rel = (path: string) => relative(options.root, path) || "."
  const refused = checked.filter((c) => c._tag === "Refused").length
  const lines = ["### videokr submit check", ""]
  const what =
    options.changedSince === undefined
      ? "Submissions checked"
      : `Submissions changed since ${code(options.changedSince)}`
  if (checked.length === 0) lines.push(`${what}: none.`)
  else
    lines.push(
      `${what}: ${checked.length}; ${checked.length - refused} valid, ${refused} refused. Scores are computed again from the outputs by each benchmark's rules, as the board computes them; open-ended answers await the board's judge${options.judge === undefined ? "" : ` (${code(options.judge)})`} until a maintainer runs ${code("videokr site judge")}.`
    )
  for (const c of checked) {
    lines.push("")
    if (c._tag === "Valid") {
      lines.push(
        `#### ✅ ${code(rel(c.path))}: ${md(c.meta.model)} (${md(c.meta.revision)}) by ${md(c.meta.organisation)}`,
        "",
        "| benchmark | task | score | 95% interval | samples | scored | judged | awaiting judge |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
        ...c.scored.map(
          (s) =>
            `| ${md(s.benchmark)} | ${code(s.task)} | ${score(s.score)} | ${s.interval === undefined ? "-" : `${s.interval.low.toFixed(2)}-${s.interval.high.toFixed(2)}`} | ${s.samples} | ${s.scored} | ${s.judged} | ${s.awaiting} |`
        )
      )
    } else {
      lines.push(
        `#### ❌ ${code(rel(c.path))}: refused`,
        "",
        "| file | line | field | problem |",
        "| --- | ---: | --- | --- |",
        ...problemRows(c.error, rel).map(
          ([file, line, field, message]) =>
            `| ${code(file!)} | ${line} | ${field === "" ? "" : code(field!)} | ${md(message!)} |`
        )
      )
    }
  }
  return lines.join("\n") + "\n"
}

/**
 * `videokr submit check [dir or .tar.gz ...] [--changed-since <ref>] [--report <file.md>]`: submissions
 * checked and scored as the site's build would (with the board judge's stored verdicts). Every submission
 * is checked, the report written (atomically), and only then does the command fail when any was refused.
 * One submission on its own fails with its own error, as it always has.
 */
export const checkSubmissions = (project: Project, options: CheckOptions) =>
  Effect.gen(function* () {
    const submissionsDir = resolve(project.dir, "submissions")
    const changed =
      options.changedSince === undefined ? [] : yield* changedSubmissions(submissionsDir, options.changedSince)
    const paths = [...new Set([...options.dirs.map((d) => resolve(project.dir, d)), ...changed])]
    if (paths.length === 0 && options.changedSince === undefined)
      return yield* new UsageError({
        reason: "give submission folders (or .tar.gz archives) to check, or --changed-since <git ref>"
      })
    const documentsOf = projectDocuments(project)
    const verdictsDir = verdictsDirOf(project)
    const stored = yield* readVerdicts(verdictsDir)
    const judge = yield* boardJudgeOf(stored, project.config.site?.judge, verdictsDir)
    const verdicts = verdictLookup(stored, judge)
    const alone = paths.length === 1 && options.changedSince === undefined
    const checked: Array<Checked> = []
    for (const path of paths) {
      const result = yield* Effect.result(
        Effect.gen(function* () {
          const loaded = yield* loadSubmission(path)
          const scored = yield* rescoreSubmission(loaded, boardTaskMap, documentsOf, undefined, verdicts)
          return { loaded, scored }
        })
      )
      if (result._tag === "Success") {
        const { loaded, scored } = result.success
        checked.push({ _tag: "Valid", path, meta: loaded.meta, scored })
        yield* Console.log(renderScores(scored))
        yield* Console.log(
          `${path}: a valid submission of ${loaded.meta.model} (${loaded.meta.revision}) by ${loaded.meta.organisation}`
        )
      } else {
        checked.push({ _tag: "Refused", path, error: result.failure })
        if (!alone) yield* Console.error(`${path}: refused\n${result.failure.message}`)
      }
    }
    if (options.report !== undefined) {
      const text = renderReport(checked, { root: project.dir, changedSince: options.changedSince, judge })
      yield* writeTextAtomic(options.report, Stream.make(text))
      yield* Console.log(`report written: ${options.report}`)
    }
    if (options.changedSince !== undefined && paths.length === 0)
      yield* Console.log(`no submission changed since ${options.changedSince}`)
    const refused = checked.flatMap((c) => (c._tag === "Refused" ? [c] : []))
    if (refused.length === 0) return
    if (alone) return yield* refused[0]!.error
    return yield* new SubmissionsRefused({
      refused: refused.map((c) => relative(project.dir, c.path) || c.path),
      checked: checked.length,
      ...(options.report === undefined ? {} : { report: options.report })
    })
  })

/** `videokr submit check <dir or .tar.gz>`: an existing submission checked and scored as the site's build would. */
export const checkSubmission = (project: Project, dir: string) => checkSubmissions(project, { dirs: [dir] })
