import { readdir, readFile, rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { Console, Effect, Stream } from "effect"
import { FileError, type Project, UsageError, writeTextAtomic } from "@videokr/core"
import {
  documentsUnder,
  fileReader,
  loadSubmission,
  packSubmission,
  parseSubmission,
  rescoreSubmission,
  type ScoredTask,
  slug,
  submissionFiles,
  tasks as knownTasks
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
      "skipped"
    ],
    scored.map((s) => [
      s.task,
      s.benchmark,
      ...(evalScores === undefined ? [] : [score(evalScores[s.task])]),
      score(s.score),
      s.interval === undefined ? "-" : `${s.interval.low.toFixed(2)}-${s.interval.high.toFixed(2)}`,
      s.samples,
      s.scored,
      s.skipped
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
      ? `the eval run asked a judge (${judged.join(", ")}) about every answer, as LMMs-Eval does when a judge is set, while the board scores the outputs by each benchmark's rules alone (what only a judge can score is skipped), so that every submission is scored the same way`
      : `the board scores the outputs by each benchmark's rules alone (what only a judge can score is skipped), so that every submission is scored the same way`)
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
        if (own[task] === undefined && knownTasks[task] !== undefined && t.record.mode === "video")
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
      const known = knownTasks[task]!
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
    const scored = yield* rescoreSubmission(loaded, knownTasks, documentsUnder(roots))
    yield* writeTextAtomic(join(out, submissionFiles.predictions), Stream.make(predictionsText))
    yield* writeTextAtomic(join(out, submissionFiles.meta), Stream.make(metaText))
    if (options.archive === true) {
      yield* packSubmission(out, `${out}.tar.gz`)
      yield* Effect.promise(() => rm(out, { recursive: true, force: true }))
    }
    yield* Console.log(renderScores(scored, Object.fromEntries(Object.entries(own).map(([t, o]) => [t, o.score]))))
    yield* Console.log(
      `submission written: ${options.archive === true ? `${out}.tar.gz` : out} (${lines.length} predictions); "board" is what the site will show, re-computed from the outputs in rule mode`
    )
    yield* Console.log(whyScoresDiffer(scored, own))
    yield* Console.log(
      `next: open a pull request adding ${join("submissions", slug(options.organisation), slug(`${options.model}-${options.revision}`))}/ (see the site's Contribute page)`
    )
  })

/** `videokr submit check <dir or .tar.gz>`: an existing submission checked and scored as the site's build would. */
export const checkSubmission = (project: Project, dir: string) =>
  Effect.gen(function* () {
    const roots = Object.fromEntries(
      Object.entries(project.config.eval?.data ?? {}).map(([t, d]) => [t, resolve(project.dir, d)])
    )
    const loaded = yield* loadSubmission(resolve(project.dir, dir))
    const scored = yield* rescoreSubmission(loaded, knownTasks, documentsUnder(roots))
    yield* Console.log(renderScores(scored))
    yield* Console.log(
      `${dir}: a valid submission of ${loaded.meta.model} (${loaded.meta.revision}) by ${loaded.meta.organisation}`
    )
  })
