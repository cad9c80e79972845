import { Effect } from "effect"
import { CorpusStore } from "../CorpusStore.ts"
import type { VideoCandidateForKnowledgePoint, VideoFilter } from "../Filter.ts"
import type { KnowledgePoint } from "../KnowledgeBank.ts"
import type { ModelRegistry } from "../ModelRegistry.ts"
import { recordFromRow } from "../Records.ts"
import { KnowledgeBankKind, VideosKind } from "../RecordKind.ts"
import type { Video } from "../Video.ts"
import { doneKeys, hashOf, type Stage } from "./Stage.ts"

/**
 * A video filter as a pipeline stage over (video, knowledge point) candidates: those the search found,
 * minus those an earlier filter stage dropped. Item ids are "<video id>@<knowledge point id>".
 */
export const filterStage = (filter: VideoFilter, after: ReadonlyArray<string>): Stage<VideoCandidateForKnowledgePoint, undefined, ModelRegistry> => ({
  name: filter.stage,
  pending: Effect.gen(function* () {
    const store = yield* CorpusStore
    const done = yield* doneKeys(filter.stage)
    const earlier = after.map((s) => `'${s.replaceAll("'", "''")}'`).join(", ")
    const rows = yield* store.query<Record<string, unknown>>(
      `SELECT DISTINCT ON (v.id, s.knowledge_point_id)
         v.id, v.source, v.source_id, v.url, v.license, v.duration, v.title, v.description, v.tags, v.channel, v.knowledge_point_id, v.extra,
         k.id AS kp_id, k.discipline, k.subject, k.course, k.lecture, k.knowledge_point, k.description AS kp_description
       FROM scenario_videos sv JOIN scenarios s ON s.id = sv.scenario_id JOIN videos v ON v.id = sv.video_id
       JOIN knowledge_points k ON k.id = s.knowledge_point_id
       ${after.length === 0 ? "" : `WHERE NOT EXISTS (SELECT 1 FROM verdicts d WHERE d.item_id = v.id || '@' || k.id AND d.stage IN (${earlier}) AND d.decision <> 'keep')`}
       ORDER BY v.id, s.knowledge_point_id`
    )
    return rows
      .map((r) => {
        const video = recordFromRow(VideosKind, r) as unknown as Video
        const knowledgePoint = recordFromRow(KnowledgeBankKind, {
          id: r.kp_id, discipline: r.discipline, subject: r.subject, course: r.course, lecture: r.lecture, knowledge_point: r.knowledge_point, description: r.kp_description, extra: null
        }) as unknown as KnowledgePoint
        const id = `${video.id}@${knowledgePoint.id}`
        return { id, input: { video, knowledgePoint }, inputHash: hashOf(filter.id, filter.version, filter.modelId ?? null, video, knowledgePoint) }
      })
      .filter((item) => !done.has(`${item.id}:${item.inputHash}`))
  }),
  process: (item) => Effect.map(filter.decide(item.input), (verdict) => ({ verdict })),
  commit: () => Effect.void
})
