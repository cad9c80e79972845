import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { KnowledgePoint } from "../KnowledgeBank.ts"
import { recordFromRow } from "../Records.ts"
import { KnowledgeBankKind, VideosKind } from "../RecordKind.ts"
import type { Video } from "../Video.ts"
import type { Candidate } from "../Candidate.ts"
import type { GeneratedExample } from "../GeneratedExample.ts"
import { keyAfter, type PageRequest } from "./Paging.ts"

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
    id: r.kp_id, discipline: r.discipline, subject: r.subject, course: r.course, lecture: r.lecture, knowledge_point: r.knowledge_point, description: r.kp_description, extra: null
  }) as unknown as KnowledgePoint

/**
 * A page of the candidates found by the search that passed the given stages, in video then knowledge point
 * order: `size` of them after the cursor (keyset on the pair), or with `perVideo`, the first candidate
 * of each of `size` videos (keyset on the video).
 */
export const readCandidates = (filter: CandidateFilter, page: PageRequest, perVideo = false) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const key = perVideo ? ["v.id"] : ["v.id", "k.id"]
    const after = keyAfter(key, page)
    const conditions = [
      after.sql,
      ...(filter.passed.length > 0 ? [`v.id || '@' || k.id IN (${keptByAll(filter.passed)})`] : []),
      ...((filter.videoPassed ?? []).length > 0 ? [`v.id IN (${keptByAll(filter.videoPassed!)}) AND v.download_state = 'downloaded'`] : [])
    ]
    const rows = yield* store.query<Record<string, unknown>>(
      `SELECT DISTINCT ON (${key.join(", ")})
         v.id, v.source, v.source_id, v.url, v.license, v.duration, v.title, v.description, v.tags, v.channel, v.knowledge_point_id, v.extra, v.local_path,
         k.id AS kp_id, k.discipline, k.subject, k.course, k.lecture, k.knowledge_point, k.description AS kp_description
       FROM scenario_videos sv JOIN scenarios s ON s.id = sv.scenario_id JOIN videos v ON v.id = sv.video_id
       JOIN knowledge_points k ON k.id = s.knowledge_point_id
       WHERE ${conditions.join(" AND ")}
       ORDER BY v.id, k.id LIMIT ${page.size}`,
      after.params
    )
    return rows.map((r): Candidate => {
      const video = recordFromRow(VideosKind, r) as unknown as Video
      const knowledgePoint = kpOf(r)
      return { id: `${video.id}@${knowledgePoint.id}`, video, knowledgePoint, localPath: (r.local_path as string | null) ?? undefined }
    })
  })

/** The key of a candidate in the order readCandidates pages by. */
export const candidateKey = (perVideo: boolean) => (c: Candidate): ReadonlyArray<string> => (perVideo ? [c.video.id] : [c.video.id, c.knowledgePoint.id])

/** A page of the generated examples kept by every one of `passed` (always including generation itself), in id order. */
export const readGeneratedExamples = (passed: ReadonlyArray<string>, page: PageRequest) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const after = keyAfter(["g.id"], page)
    const rows = yield* store.query<Record<string, unknown>>(
      `SELECT g.*, g.options::VARCHAR AS options_json, k.id AS kp_id, k.discipline, k.subject, k.course, k.lecture, k.knowledge_point, k.description AS kp_description
       FROM generated_examples g JOIN knowledge_points k ON k.id = g.knowledge_point_id
       WHERE ${after.sql} AND g.id IN (${keptByAll(["generation", ...passed])}) ORDER BY g.id LIMIT ${page.size}`,
      after.params
    )
    return rows.map((r): GeneratedExample => ({
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
    }))
  })
