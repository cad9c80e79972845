import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { KnowledgePoint } from "../KnowledgeBank.ts"
import { recordFromRow } from "../Records.ts"
import { KnowledgeBankKind, VideosKind } from "../RecordKind.ts"
import type { Video } from "../Video.ts"
import type { Candidate } from "../Candidate.ts"
import type { GeneratedExample } from "../GeneratedExample.ts"
import { idsParam, jsonParam } from "./BatchSql.ts"
import { idPage, keyAfter, type PageRequest } from "./Paging.ts"

/**
 * What the pipeline's later stages work on, read from the store: (video, knowledge point) candidates and
 * generated examples that every named earlier stage kept. An item is eligible only once each of those
 * stages has decided "keep" about it; a drop or an error anywhere before stops it.
 */
const quoted = (names: ReadonlyArray<string>) => names.map((s) => `'${s.replaceAll("'", "''")}'`).join(", ")

/** SQL for the ids every one of `stages` kept. */
export const keptByAll = (stages: ReadonlyArray<string>): string => {
  const distinct = [...new Set(stages)]
  return `SELECT item_id FROM verdicts WHERE stage IN (${quoted(distinct)}) AND decision = 'keep' GROUP BY item_id HAVING count(DISTINCT stage) = ${distinct.length}`
}

export interface CandidateFilter {
  /** stages whose items are candidates ("<video id>@<knowledge point id>") */
  readonly passed: ReadonlyArray<string>
  /** stages whose items are videos (download) */
  readonly videoPassed?: ReadonlyArray<string> | undefined
}

const kpOf = (r: Record<string, unknown>) =>
  recordFromRow(KnowledgeBankKind, {
    id: r.kp_id,
    discipline: r.discipline,
    subject: r.subject,
    course: r.course,
    lecture: r.lecture,
    knowledge_point: r.knowledge_point,
    description: r.kp_description,
    extra: null
  }) as unknown as KnowledgePoint

/**
 * SQL for the ids among `ids` (a subquery) that every one of `stages` kept: a page's worth, so that the
 * verdicts are only probed for the page's items, never aggregated whole (a corpus holds millions).
 */
export const keptAmong = (stages: ReadonlyArray<string>, ids: string): string => {
  const distinct = [...new Set(stages)]
  return `SELECT item_id FROM verdicts WHERE stage IN (${quoted(distinct)}) AND decision = 'keep' AND item_id IN (${ids}) GROUP BY item_id HAVING count(DISTINCT stage) = ${distinct.length}`
}

/** The rows of a page, and the key of the last input row it looked at (read in two steps: keys, then the rows among them the stage may work on). */
export interface KeyedRows<A> {
  readonly rows: ReadonlyArray<A>
  /** the key of the page's last input row, whatever became of it; undefined when the page came short (the input's end) */
  readonly last: ReadonlyArray<string | number> | undefined
}

/**
 * A page of the candidates found by the search that passed the given stages, in video then knowledge point
 * order: among the `size` (video, knowledge point) pairs after the cursor, or with `perVideo` the `size`
 * videos after it (each with its first candidate that passed).
 */
export const readCandidates = (filter: CandidateFilter, page: PageRequest, perVideo = false) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const after = keyAfter(perVideo ? ["sv.video_id"] : ["sv.video_id", "s.knowledge_point_id"], page)
    const keys = yield* store.query<{ vid: string; kid: string }>(
      `SELECT DISTINCT sv.video_id AS vid${perVideo ? "" : ", s.knowledge_point_id AS kid"}
       FROM scenario_videos sv${perVideo ? "" : " JOIN scenarios s ON s.id = sv.scenario_id"}
       WHERE ${after.sql} ORDER BY ALL LIMIT ${page.size}`,
      after.params
    )
    const last =
      keys.length < page.size ? undefined : perVideo ? [keys.at(-1)!.vid] : [keys.at(-1)!.vid, keys.at(-1)!.kid]
    if (keys.length === 0) return { rows: [], last } satisfies KeyedRows<Candidate>
    const vids = [...new Set(keys.map((k) => k.vid))]
    const conditions = [
      perVideo ? `v.id IN ${idsParam("vids")}` : `v.id || '@' || k.id IN ${idsParam("cids")}`,
      ...(filter.passed.length > 0
        ? [
            `v.id || '@' || k.id IN (${keptAmong(filter.passed, perVideo ? `SELECT v2 || '@' || kp FROM (SELECT sv.video_id AS v2, s.knowledge_point_id AS kp FROM scenario_videos sv JOIN scenarios s ON s.id = sv.scenario_id WHERE sv.video_id IN ${idsParam("vids")})` : idsParam("cids"))})`
          ]
        : []),
      ...((filter.videoPassed ?? []).length > 0
        ? [`v.id IN (${keptAmong(filter.videoPassed!, idsParam("vids"))}) AND v.download_state = 'downloaded'`]
        : [])
    ]
    const sql = `SELECT DISTINCT ON (${perVideo ? "v.id" : "v.id, k.id"})
         v.id, v.source, v.source_id, v.url, v.license, v.duration, v.title, v.description, v.tags, v.channel, v.knowledge_point_id, v.extra, v.local_path,
         k.id AS kp_id, k.discipline, k.subject, k.course, k.lecture, k.knowledge_point, k.description AS kp_description
       FROM scenario_videos sv JOIN scenarios s ON s.id = sv.scenario_id JOIN videos v ON v.id = sv.video_id
       JOIN knowledge_points k ON k.id = s.knowledge_point_id
       WHERE ${conditions.join(" AND ")}
       ORDER BY v.id, k.id`
    // DuckDB refuses a parameter the statement does not use
    const rows = yield* store.query<Record<string, unknown>>(sql, {
      ...(sql.includes("$vids") ? { vids: jsonParam(vids) } : {}),
      ...(sql.includes("$cids") ? { cids: jsonParam(keys.map((k) => `${k.vid}@${k.kid}`)) } : {})
    })
    return {
      rows: rows.map((r): Candidate => {
        const video = recordFromRow(VideosKind, r) as unknown as Video
        const knowledgePoint = kpOf(r)
        return {
          id: `${video.id}@${knowledgePoint.id}`,
          video,
          knowledgePoint,
          localPath: (r.local_path as string | null) ?? undefined
        }
      }),
      last
    } satisfies KeyedRows<Candidate>
  })

/** A page of the generated examples kept by every one of `passed` (always including generation itself), in id order. */
export const readGeneratedExamples = (passed: ReadonlyArray<string>, page: PageRequest) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const { ids, last } = yield* idPage("generated_examples", "TRUE", page)
    const rows =
      ids.length === 0
        ? []
        : yield* store.query<Record<string, unknown>>(
            `SELECT g.*, g.options::VARCHAR AS options_json, k.id AS kp_id, k.discipline, k.subject, k.course, k.lecture, k.knowledge_point, k.description AS kp_description
       FROM generated_examples g JOIN knowledge_points k ON k.id = g.knowledge_point_id
       WHERE g.id IN (${keptAmong(["generation", ...passed], idsParam("ids"))}) ORDER BY g.id`,
            { ids: jsonParam(ids) }
          )
    return {
      last,
      rows: rows.map(
        (r): GeneratedExample => ({
          id: r.id as string,
          videoId: r.video_id as string,
          knowledgePoint: kpOf(r),
          skill: r.skill as string,
          problemType: r.problem_type as GeneratedExample["problemType"],
          question: r.question as string,
          options: r.options_json === null ? undefined : JSON.parse(r.options_json as string),
          answer: r.answer as string,
          rationale: r.rationale as string,
          videoPath: r.video_path as string,
          generatorModel: r.generator_model as string
        })
      )
    } satisfies KeyedRows<GeneratedExample>
  })
