import { Effect } from "effect"
import { CorpusStore } from "./CorpusStore.ts"
import { pipelineRank, stageUnitOf } from "./pipeline/Plan.ts"
import { UsageError } from "./Errors.ts"
import { type ReviewCategory, reviewCategories } from "./Review.ts"
import type { ReviewItem, ReviewMarkSummary, ReviewQueue, ReviewStepInfo } from "./ReviewApi.ts"

/**
 * What the review app reads: the steps with a queue (with their reason categories and guidelines), a
 * reviewer's queue of a step, and one item as its step saw it and as the model answered.
 */

const exampleCategories: ReadonlyArray<ReviewCategory> = [
  "wrong answer",
  "ambiguous question",
  "answerable without the video",
  "flawed rationale",
  "other"
]

/** Per step: the categories a wrong output falls in, and what a reviewer checks. */
const reviewStepGuides: Readonly<
  Record<string, { readonly categories: ReadonlyArray<ReviewCategory>; readonly guidelines: ReadonlyArray<string> }>
> = {
  scenarios: {
    categories: ["other"],
    guidelines: [
      "The scenarios describe things one can film that show the knowledge point.",
      "They are specific enough to find Creative-Commons videos by search."
    ]
  },
  metadata: {
    categories: ["irrelevant video", "other"],
    guidelines: [
      "Judge the decision from the title, description and tags: keep when the video is likely to show the knowledge point.",
      "A kept video that does not show it is an irrelevant video; a dropped one that does is other."
    ]
  },
  visual: {
    categories: ["irrelevant video", "other"],
    guidelines: [
      "Watch the video and the frames the model saw: keep when they show the knowledge point being demonstrated.",
      "Slides or talking heads alone are not a demonstration."
    ]
  },
  safety: {
    categories: ["unsafe", "other"],
    guidelines: [
      "Keep only videos without graphic violence, sexual content, hate or dangerous acts shown as instructions.",
      "A kept video that is unsafe is unsafe; a dropped safe one is other."
    ]
  },
  generation: {
    categories: [
      "wrong answer",
      "ambiguous question",
      "answerable without the video",
      "flawed rationale",
      "irrelevant video",
      "other"
    ],
    guidelines: [
      "The question needs the video: it cannot be answered from the text or common knowledge alone.",
      "It tests the knowledge point and the example's skill; exactly one option (or the reference answer) is right.",
      "The rationale reasons from what the video shows to the answer, step by step, without errors."
    ]
  },
  consistency: {
    categories: exampleCategories,
    guidelines: [
      "The verdict is right when the other models' answers agree with a correct reference answer (keep), or disagree with a wrong one (drop)."
    ]
  },
  dependency: {
    categories: exampleCategories,
    guidelines: ["Dropped examples are answerable without the video; kept ones need it."]
  },
  verification: {
    categories: exampleCategories,
    guidelines: ["The verifier keeps a rationale only when every step is correct; a drop names the first failed step."]
  }
}

const guideOf = (step: string) =>
  reviewStepGuides[step] ?? {
    categories: [...reviewCategories],
    guidelines: ["Mark whether the step's decision about this item is right."]
  }

/** The steps with a review queue, in pipeline order. */
export const reviewStepInfos = Effect.gen(function* () {
  const store = yield* CorpusStore
  const rows = yield* store.query<{ step: string; n: number }>(
    "SELECT step, count(*)::INT AS n FROM review_queue GROUP BY step"
  )
  return [...rows]
    .sort((a, b) => pipelineRank(a.step) - pipelineRank(b.step) || a.step.localeCompare(b.step))
    .map((r): ReviewStepInfo => ({ step: r.step, queued: r.n, unit: stageUnitOf(r.step), ...guideOf(r.step) }))
})

const markSummary = `{mark_id: m.mark_id, reviewer: m.reviewer, correct: m.correct, category: m.category, note: m.note, marked_at: strftime(m.marked_at, '%Y-%m-%dT%H:%M:%S.%gZ')}`

/**
 * A reviewer's queue of a step, in a fixed order, with the reviewer's latest mark: the items assigned to
 * them (videokr review assign), or, to anyone with no assignment in the step (a lead, an adjudicator), all.
 */
export const reviewQueueOf = (step: string, reviewer: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const [assigned] = yield* store.query<{ n: number }>(
      "SELECT count(*)::INT AS n FROM review_assignments WHERE step = $step AND reviewer = $reviewer",
      { step, reviewer }
    )
    const mineOnly =
      assigned!.n > 0
        ? "AND EXISTS (SELECT 1 FROM review_assignments a WHERE a.step = q.step AND a.item_id = q.item_id AND a.reviewer = $reviewer)"
        : ""
    const rows = yield* store.query<{
      item_id: string
      model_id: string
      discipline: string
      skill: string
      mine: string | null
      reviewers: number
    }>(
      `
      SELECT q.item_id, q.model_id, q.discipline, q.skill,
             (SELECT to_json(${markSummary})::VARCHAR FROM review_marks m WHERE m.step = q.step AND m.item_id = q.item_id AND m.reviewer = $reviewer ORDER BY m.marked_at DESC, m.mark_id DESC LIMIT 1) AS mine,
             (SELECT count(DISTINCT reviewer)::INT FROM review_marks m WHERE m.step = q.step AND m.item_id = q.item_id) AS reviewers
      FROM review_queue q WHERE q.step = $step ${mineOnly} ORDER BY q.model_id, q.discipline, q.skill, q.item_id`,
      { step, reviewer }
    )
    if (rows.length === 0)
      return yield* new UsageError({
        reason: `step "${step}" has no review queue (videokr review sample --step ${step})`
      })
    const items = rows.map((r) => ({ ...r, mine: r.mine === null ? null : (JSON.parse(r.mine) as ReviewMarkSummary) }))
    return { step, reviewer, items, done: items.filter((i) => i.mine !== null).length } satisfies ReviewQueue
  })

/** One queued item as its step saw it: the item's knowledge point, scenario and video, what the model produced, the validators' verdicts and the marks. */
export const reviewItemOf = (step: string, item: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const [row] = yield* store.query<{
      item_id: string
      model_id: string
      discipline: string
      skill: string
      output: string
      marks: string | null
    }>(
      `
      SELECT q.item_id, q.model_id, q.discipline, q.skill, q.output::VARCHAR AS output,
             (SELECT to_json(list(${markSummary} ORDER BY m.marked_at))::VARCHAR FROM review_marks m WHERE m.step = q.step AND m.item_id = q.item_id) AS marks
      FROM review_queue q WHERE q.step = $step AND q.item_id = $item`,
      { step, item }
    )
    if (row === undefined)
      return yield* new UsageError({ reason: `"${item}" is not in the review queue of step ${step}` })
    const output = JSON.parse(row.output) as ReviewItem["output"] & {
      readonly example:
        | (ReviewItem["output"]["example"] & { video_id: string; video_path: string; knowledge_point_id: string })
        | null
    }
    // the item's knowledge point and video: an example names them; a candidate is "<video>@<knowledge point>"
    const candidate = /^(.*)@([^#]+)(#.*)?$/.exec(item)
    const kpId = output.example?.knowledge_point_id ?? candidate?.[2] ?? item
    const videoId = output.example?.video_id ?? candidate?.[1]
    const [kp] = yield* store.query<NonNullable<ReviewItem["knowledgePoint"]>>(
      "SELECT id, discipline, subject, course, lecture, knowledge_point, description FROM knowledge_points WHERE id = $id",
      { id: kpId }
    )
    const [video] =
      videoId === undefined
        ? []
        : yield* store.query<{ id: string; title: string | null; duration: number | null }>(
            "SELECT id, title, duration FROM videos WHERE id = $id ORDER BY seq DESC LIMIT 1",
            { id: videoId }
          )
    const [scenario] =
      videoId === undefined
        ? []
        : yield* store.query<{ text: string }>(
            `SELECT s.text FROM scenario_videos sv JOIN scenarios s ON s.id = sv.scenario_id
       WHERE sv.video_id = $video AND s.knowledge_point_id = $kp ORDER BY sv.rank, s.position LIMIT 1`,
            { video: videoId, kp: kpId }
          )
    const validators =
      output.example === null
        ? []
        : yield* store.query<ReviewItem["validators"][number]>(
            "SELECT stage, decision, reason, model_id FROM verdicts WHERE item_id = $item AND stage <> 'generation' AND stage <> $step ORDER BY decided_at, stage",
            { item, step }
          )
    return {
      step,
      item_id: row.item_id,
      model_id: row.model_id,
      discipline: row.discipline,
      skill: row.skill,
      output: {
        ...output,
        example: output.example === null ? null : { ...output.example, options: output.example.options ?? null }
      },
      knowledgePoint: kp ?? null,
      scenario: scenario?.text ?? null,
      video: video === undefined ? null : { id: video.id, title: video.title, duration: video.duration },
      validators,
      marks: row.marks === null ? [] : (JSON.parse(row.marks) as ReadonlyArray<ReviewMarkSummary>)
    }
  })

/** Where a video is on this machine: its download, else the path an example generated on it names (null: nowhere). */
export const videoPathOf = (videoId: string) =>
  Effect.flatMap(CorpusStore, (store) =>
    Effect.map(
      store.query<{ path: string | null }>(
        `SELECT coalesce((SELECT local_path FROM videos WHERE id = $id AND local_path IS NOT NULL ORDER BY seq DESC LIMIT 1),
                       (SELECT video_path FROM generated_examples WHERE video_id = $id LIMIT 1)) AS path`,
        { id: videoId }
      ),
      ([row]) => row?.path ?? null
    )
  )
