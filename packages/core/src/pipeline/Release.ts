import { relative } from "node:path"
import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import { type ExportFormat, exportFormatsOf, type ExportOptions } from "../Export.ts"
import { splitCorpus, splitParams, splitSql, type SplitOptions } from "../Split.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { keptByAll } from "./Candidates.ts"
import { keyAfter, pageOf } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 12, the release: every generated example that each validator kept, on a video that contamination
 * and near-duplicate checks kept, enters the corpus's examples (VideoKR fields: options as "A. text"
 * lines, the answer wrapped in <answer> tags, the rationale as `think`, video paths relative to the
 * project); examples an earlier run released and that no longer pass are taken out. Then the seeded
 * SFT/RL split and the exports. Items are example ids.
 */
export interface ReleaseOptions {
  readonly exampleStages: ReadonlyArray<string>
  readonly videoStages: ReadonlyArray<string>
  /** video paths are written relative to this folder */
  readonly projectDir: string
  readonly split: SplitOptions
  readonly formats: ReadonlyArray<ExportFormat>
  readonly export: ExportOptions
}

interface Survivor {
  readonly id: string
  readonly video_id: string
  readonly knowledge_point_id: string
  readonly skill: string
  readonly discipline: string
  readonly subject: string | null
  readonly problem_type: string
  readonly question: string
  readonly options: string | null
  readonly answer: string
  readonly rationale: string
  readonly video_path: string
  readonly generator_model: string
}

const survivorsSql = (o: ReleaseOptions, after = "TRUE", size?: number) =>
  `SELECT id, video_id, knowledge_point_id, skill, discipline, subject, problem_type, question, options::VARCHAR AS options, answer, rationale, video_path, generator_model
   FROM generated_examples
   WHERE ${after} AND id IN (${keptByAll(["generation", ...o.exampleStages])})
     ${o.videoStages.length === 0 ? "" : `AND video_id IN (${keptByAll(o.videoStages)})`}
   ORDER BY id${size === undefined ? "" : ` LIMIT ${size}`}`

export const releaseStage = (o: ReleaseOptions): Stage<Survivor, undefined, never> => ({
  name: "release",
  barrier: true,
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const after = keyAfter(["id"], page)
      const rows = yield* store.query<Survivor>(survivorsSql(o, after.sql, page.size), after.params)
      return yield* pageOf(
        "release",
        page,
        rows,
        (r) => [r.id],
        (r) => [{ id: r.id, input: r, inputHash: hashOf(r) }]
      )
    }),
  process: ({ input }) =>
    Effect.succeed({
      verdict: { decision: "keep" as const, reason: `in the corpus (${input.skill}, ${input.problem_type})` }
    }),
  commit: (tx, results) =>
    Effect.gen(function* () {
      yield* tx.run(`DELETE FROM examples WHERE id IN ${idsOf}`, { ids: jsonParam(results.map((r) => r.item.id)) })
      const rows = results.map(({ item: { input: r } }) => {
        const path = relative(o.projectDir, r.video_path)
        return {
          id: r.id,
          question: r.question,
          type: r.problem_type,
          solution: `<answer>${r.answer}</answer>`,
          think: r.rationale,
          options:
            r.options === null
              ? []
              : Object.entries(JSON.parse(r.options) as Record<string, string>).map(
                  ([letter, text]) => `${letter}. ${text}`
                ),
          path: path.startsWith("..") ? r.video_path : path,
          skill: r.skill,
          discipline: r.discipline,
          subject: r.subject,
          kp: r.knowledge_point_id,
          video: r.video_id,
          model: r.generator_model
        }
      })
      yield* tx.run(
        `INSERT INTO examples (seq, id, question, options, problem_type, solution, think, video_path, skill, discipline, subject, knowledge_point_id, video_id, generator_model, split, extra, source_file, source_line)
         SELECT (SELECT coalesce(max(seq), 0) FROM examples) + row_number() OVER (), id, question, options, type, solution, think, path, skill, discipline, subject, kp, video, model, ${splitSql}, NULL, 'pipeline', NULL
         FROM ${rowsOf({ id: "VARCHAR", question: "VARCHAR", options: "JSON", type: "VARCHAR", solution: "VARCHAR", think: "VARCHAR", path: "VARCHAR", skill: "VARCHAR", discipline: "VARCHAR", subject: "VARCHAR", kp: "VARCHAR", video: "VARCHAR", model: "VARCHAR" })}`,
        // placed in the split as they enter: the split at the end then rewrites no row (a rewrite of every
        // example in one transaction held the whole corpus's undo in memory)
        { rows: jsonParam(rows), ...splitParams(o.split) }
      )
    }),
  finish: Effect.gen(function* () {
    const store = yield* CorpusStore
    // examples released by an earlier run that a changed check no longer keeps
    const withdrawn = yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const stale = yield* tx.query<{ id: string }>(
          `SELECT id FROM examples WHERE source_file = 'pipeline' AND id NOT IN (SELECT id FROM (${survivorsSql(o)}))`
        )
        const ids = jsonParam(stale.map((s) => s.id))
        yield* tx.run(`DELETE FROM examples WHERE id IN ${idsOf}`, { ids })
        yield* tx.run(`DELETE FROM verdicts WHERE stage = 'release' AND item_id IN ${idsOf}`, { ids })
        yield* tx.run(`DELETE FROM stage_items WHERE stage = 'release' AND item_id IN ${idsOf}`, { ids })
        return stale.length
      })
    )
    const released = (yield* store.query<{ n: number }>(
      "SELECT count(*)::INT AS n FROM examples WHERE source_file = 'pipeline'"
    ))[0]!.n
    if (released === 0) return `nothing to release${withdrawn > 0 ? ` (${withdrawn} withdrawn)` : ""}`
    const split = yield* splitCorpus(o.split)
    const files = (yield* exportFormatsOf(o.formats, o.export)).flatMap((f) => f.files)
    return `${released} pipeline example(s) in the corpus${withdrawn > 0 ? `, ${withdrawn} withdrawn` : ""}; split ${split.sft} SFT / ${split.rl} RL; exported ${files.length} file(s) (${o.formats.join(", ")}) to ${o.export.outDir}`
  })
})
