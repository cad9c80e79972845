import { readdir, readFile, stat } from "node:fs/promises"
import { join, relative, resolve } from "node:path"
import { Effect } from "effect"
import {
  type CardFile,
  corpusStats,
  croissant,
  eligibility,
  huggingFaceReadme,
  InputError,
  licenseCounts,
  type Project,
  reviewDefaults,
  sha256File,
  stageFunnel,
  subjectDisciplines,
  version
} from "@videokr/core"
import { pyRound } from "@videokr/core/python"
import { latestResults } from "./EvalStore.ts"
import { benchmarkOrder, difficultyReport, singleFrameReport } from "./Reports.ts"
import type { BoardEntry, SiteData } from "./SiteData.ts"
import { boardJudgeOf, judgePromptVersion, readVerdicts, type StoredVerdicts, verdictKey } from "./BoardVerdicts.ts"
import { reported } from "./Reported.ts"
import type { Task } from "./Task.ts"
import {
  documentsUnder,
  type LoadedSubmission,
  type ScoredTask,
  type VerdictLookup,
  isSubmissionArchive,
  loadSubmission,
  rescoreSubmission,
  slug,
  submissionFiles,
  submissionKey
} from "./Submission.ts"
import { tasks as knownTasks } from "./Tasks.ts"

/**
 * Everything the site shows, gathered once at build time into one JSON document the Astro pages read:
 * the submissions (each checked and scored again from its outputs; declared scores do not exist), the
 * corpus's dataset card (statistics, funnel, licenses, the Hugging Face README and Croissant files), and
 * the reports from stored results. A submission that fails its checks fails the build, naming it.
 */
/** The site's downloads (file name -> text), written under downloads/ beside the pages. */
export type SiteFiles = Readonly<Record<"README.md" | "croissant.json", string>>

const average = (xs: ReadonlyArray<number | undefined>) =>
  xs.length === 0 || xs.some((x) => x === undefined)
    ? null
    : pyRound((xs as Array<number>).reduce((a, b) => a + b, 0) / xs.length, 2)

// the seven benchmarks of the main table, each once (MMVU's chain-of-thought variant is not a board column)
const boardBenchmarks: ReadonlyArray<string> = [...benchmarkOrder.general, ...benchmarkOrder.knowledge]
const boardTasks = Object.values(knownTasks).filter(
  (t) => boardBenchmarks.includes(t.benchmark) && t.name !== "mmvu_val_cot"
)
/** The tasks the board scores, by name. */
export const boardTaskMap: Readonly<Record<string, Task>> = Object.fromEntries(boardTasks.map((t) => [t.name, t]))

/** Submissions under `dir`: every folder holding a submission.json and every .tar.gz archive, at any depth (submissions/<org>/<model>/). */
export const findSubmissions = async (dir: string): Promise<Array<string>> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const found: Array<string> = []
  if (entries.some((e) => e.isFile() && e.name === submissionFiles.meta)) found.push(dir)
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && !e.name.startsWith(".")) found.push(...(await findSubmissions(join(dir, e.name))))
    else if (e.isFile() && isSubmissionArchive(e.name)) found.push(join(dir, e.name))
  }
  return found
}

/** The documents of the board's tasks, where the project's config (eval.data) says they are. */
export const projectDocuments = (project: Project) =>
  documentsUnder(
    Object.fromEntries(Object.entries(project.config.eval?.data ?? {}).map(([t, d]) => [t, resolve(project.dir, d)]))
  )

/** The folder of the board judge's verdicts (site.verdicts, default verdicts/ in the project). */
export const verdictsDirOf = (project: Project) => resolve(project.dir, project.config.site?.verdicts ?? "verdicts")

/** The stored verdicts of the board's judge, as the re-scoring reads them. */
export const verdictLookup = (stored: StoredVerdicts, judge: string | undefined): VerdictLookup => ({
  judge,
  verdictOf: (task, id, output) =>
    judge === undefined
      ? undefined
      : stored.byKey.get(verdictKey({ task, id, output, judge, prompt: judgePromptVersion }))?.verdict
})

/** Each submission under a folder (folder or archive) with where it is, relative to the folder. */
export const eachSubmission = <A, E, R>(
  submissionsDir: string,
  f: (loaded: LoadedSubmission, where: string, path: string) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function* () {
    const folders = yield* Effect.promise(() => findSubmissions(submissionsDir))
    return yield* Effect.forEach(folders, (folder) =>
      Effect.flatMap(loadSubmission(folder), (loaded) =>
        f(loaded, (relative(submissionsDir, folder) || ".").replace(/\.(tar\.gz|tgz)$/i, ""), folder)
      )
    )
  })

export const boardEntries = (project: Project, submissionsDir: string, verdicts?: VerdictLookup) =>
  Effect.gen(function* () {
    const documentsOf = projectDocuments(project)
    const disciplines = yield* subjectDisciplines
    const entries: Array<BoardEntry> = []
    const keys = new Map<string, string>()
    yield* eachSubmission(submissionsDir, (loaded, where, folder) =>
      Effect.gen(function* () {
        const key = submissionKey(loaded.meta)
        const twin = keys.get(key)
        if (twin !== undefined) {
          return yield* new InputError({
            file: isSubmissionArchive(folder) ? folder : join(folder, submissionFiles.meta),
            problems: [
              {
                line: 0,
                message: `the same model, revision and configuration as ${twin}: a result appears once (withdraw one, or give a new revision)`
              }
            ],
            omitted: 0,
            outcome: "the site is not built"
          })
        }
        keys.set(key, where)
        const scored = yield* rescoreSubmission(loaded, boardTaskMap, documentsOf, disciplines, verdicts)
        const scores = Object.fromEntries(scored.map((s) => [s.task, s]))
        const byBenchmark = (b: string) => scored.find((s) => s.benchmark === b)?.score
        entries.push({
          slug: slug(where),
          folder: where,
          key,
          meta: loaded.meta,
          scores,
          generalAverage: average(benchmarkOrder.general.map(byBenchmark)),
          knowledgeAverage: average(benchmarkOrder.knowledge.map(byBenchmark))
        })
      })
    )
    return entries
  })

/** The release files a card describes: the VideoKR JSONL splits in `dir` (sft.jsonl, rl.jsonl), named data/<split>.jsonl. */
export const releaseFiles = (dir: string) =>
  Effect.gen(function* () {
    const files: Array<CardFile> = []
    for (const split of ["sft", "rl"]) {
      const path = join(dir, `${split}.jsonl`)
      const info = yield* Effect.promise(() => stat(path).catch(() => undefined))
      if (info === undefined) continue
      const text = yield* Effect.promise(() => readFile(path, "utf8"))
      files.push({
        path: `data/${split}.jsonl`,
        split,
        records: text.split("\n").filter((l) => l.trim() !== "").length,
        bytes: info.size,
        sha256: yield* Effect.orDie(sha256File(path))
      })
    }
    return files
  })

/** The card of the corpus whose VideoKR JSONL splits are in `splitsDir`: statistics from the store, the README and the Croissant file. */
export const datasetCard = (name: string, splitsDir: string, review: Project["config"]["review"] = {}) =>
  Effect.gen(function* () {
    const stats = yield* corpusStats
    const quality = {
      rows: yield* eligibility(review),
      maxErrorRate: review?.maxErrorRate ?? reviewDefaults.maxErrorRate,
      sampleSize: review?.sampleSize ?? reviewDefaults.sampleSize
    }
    const licenses = yield* licenseCounts
    const funnel = yield* stageFunnel
    const files = yield* releaseFiles(splitsDir)
    const input = {
      name,
      description:
        "Video questions that need domain knowledge and reasoning, built by videokr: knowledge points, Creative Commons videos found for them, examples generated for three skills (VIDR, KNOWVID, KNOWVIDR) and validated by several models.",
      version,
      stats,
      licenses,
      files,
      quality
    }
    return { stats, licenses, funnel, files, quality, readme: huggingFaceReadme(input), croissant: croissant(input) }
  })

export const siteData = (project: Project, submissionsDir: string, verdictsDir = verdictsDirOf(project)) =>
  Effect.gen(function* () {
    const stored = yield* readVerdicts(verdictsDir)
    const judge = yield* boardJudgeOf(stored, project.config.site?.judge, verdictsDir)
    const entries = yield* boardEntries(project, submissionsDir, verdictLookup(stored, judge))
    const tally = (f: (s: ScoredTask) => number) =>
      entries.reduce((n, e) => n + Object.values(e.scores).reduce((m, s) => m + f(s), 0), 0)
    const name = "VideoKR"
    const card = yield* datasetCard(name, join(project.exportDir, "videokr"), project.config.review)
    const rows = yield* latestResults
    const data: SiteData = {
      generatedAt: new Date().toISOString(),
      version,
      benchmarks: boardTasks.map((t) => ({
        task: t.name,
        benchmark: t.benchmark,
        group: t.group as "general" | "knowledge"
      })),
      entries,
      judge: {
        model: judge ?? null,
        promptVersion: judgePromptVersion,
        verdicts: tally((s) => s.judged),
        awaiting: tally((s) => s.awaiting)
      },
      reported,
      dataset: {
        name,
        stats: card.stats,
        funnel: card.funnel,
        licenses: card.licenses,
        files: card.files,
        quality: card.quality
      },
      reports: { singleFrame: singleFrameReport(rows).json, difficulty: difficultyReport(rows).json }
    }
    const files: SiteFiles = {
      "README.md": card.readme,
      "croissant.json": JSON.stringify(card.croissant, null, 2) + "\n"
    }
    return { data, files }
  })
