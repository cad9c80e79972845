import { relative } from "node:path"
import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import { type ExportFormat, exportFormatsOf, type ExportOptions } from "../Export.ts"
import { splitCorpus, splitParams, splitSql, type SplitOptions } from "../Split.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { keptAmong } from "./Candidates.ts"
import { cursorOf, idPage, keyedPageOf } from "./Paging.ts"
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

/**
 * SQL for the survivors among the generated examples `ids` (a subquery): kept by generation and every
 * validator, on a video every video stage kept. Verdicts are probed for those ids only, never aggregated
 * whole: a corpus holds millions, and each page of the release would otherwise build that aggregate again.
 */
const survivorsAmong = (o: ReleaseOptions, ids: string) =>
  `SELECT id, video_id, knowledge_point_id, skill, discipline, subject, problem_type, question, options::VARCHAR AS options, answer, rationale, video_path, generator_model
   FROM generated_examples
   WHERE id IN (${keptAmong(["generation", ...o.exampleStages], ids)})
     ${o.videoStages.length === 0 ? "" : `AND video_id IN (${keptAmong(o.videoStages, `SELECT video_id FROM generated_examples WHERE id IN (${ids})`)})`}
   ORDER BY id`

// examples looked at per query when looking for withdrawn ones
const stalePage = 2_000

export const releaseStage = (o: ReleaseOptions): Stage<Survivor, undefined, never> => ({
  name: "release",
  barrier: true,
  pending: (page) =>
    Effect.gen(function* () {
      const store = yield* CorpusStore
      const { ids, last } = yield* idPage("generated_examples", "TRUE", page)
      const rows =
        ids.length === 0 ? [] : yield* store.query<Survivor>(survivorsAmong(o, idsOf), { ids: jsonParam(ids) })
      return yield* keyedPageOf("release", { rows, last }, (r) => [{ id: r.id, input: r, inputHash: hashOf(r) }])
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
    // examples released by an earlier run that a changed check no longer keeps, found a page at a time
    const stale: Array<string> = []
    let after: string | undefined
    do {
      const page = yield* idPage("examples", "source_file = 'pipeline'", { after, size: stalePage })
      if (page.ids.length > 0) {
        const kept = new Set(
          (yield* store.query<{ id: string }>(`SELECT id FROM (${survivorsAmong(o, idsOf)})`, {
            ids: jsonParam(page.ids)
          })).map((r) => r.id)
        )
        stale.push(...page.ids.filter((id) => !kept.has(id)))
      }
      after = page.last === undefined ? undefined : cursorOf(page.last)
    } while (after !== undefined)
    const withdrawn = yield* store.transaction((tx) =>
      Effect.gen(function* () {
        const ids = jsonParam(stale)
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
