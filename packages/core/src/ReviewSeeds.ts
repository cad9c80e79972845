import { createHash } from "node:crypto"
import { Effect, Schema, Stream } from "effect"
import { writeTextAtomic } from "./AtomicFile.ts"
import { CorpusStore } from "./CorpusStore.ts"
import { decodeRecord, SeedsKind } from "./RecordKind.ts"
import type { SeedCoverage, SeedDraft, SeedRecord } from "./ReviewApi.ts"
import { disciplines, skills } from "./Taxonomy.ts"

/**
 * Seed examples written in the review app: experts write them per skill and discipline on a chosen
 * video; each is checked exactly as an imported seed is (SeedsKind: the generator's few-shot input) and
 * stored in seed_examples beside the imported ones, with its author and video. The coverage counts
 * them against METHOD.md's target: 150 per skill per discipline (1,800 in all).
 */
export const seedTarget = 150

/** The seed's author, video and source, as the app reads them back. */
const extraOf = (text: string | null): { author?: string; video_id?: string } =>
  text === null ? {} : (JSON.parse(text) as { author?: string; video_id?: string })

export class SeedRejected extends Schema.TaggedError<SeedRejected>()("SeedRejected", {
  problems: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
}) {
  override get message() {
    return `the seed example is not valid: ${this.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`
  }
}

export class UnknownSeed extends Schema.TaggedError<UnknownSeed>()("UnknownSeed", { id: Schema.String }) {
  override get message() {
    return `no seed example ${this.id}`
  }
}

export const seedCoverage = Effect.gen(function* () {
  const store = yield* CorpusStore
  const rows = yield* store.query<{ discipline: string; skill: string; n: number }>(
    "SELECT discipline, skill, count(*)::INT AS n FROM seed_examples GROUP BY ALL"
  )
  const countOf = new Map(rows.map((r) => [`${r.discipline}\u0000${r.skill}`, r.n]))
  return {
    target: seedTarget,
    skills,
    disciplines,
    cells: disciplines.flatMap((discipline) =>
      skills.map((skill) => ({ discipline, skill, count: countOf.get(`${discipline}\u0000${skill}`) ?? 0 }))
    )
  } satisfies SeedCoverage
})

export const listSeeds = (discipline: string, skill: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const rows = yield* store.query<{
      id: string
      skill: string
      discipline: string
      subject: string | null
      knowledge_point_id: string | null
      video_description: string | null
      question: string
      options: string | null
      problem_type: string
      answer: string
      rationale: string
      extra: string | null
      source_file: string | null
    }>(
      `SELECT id, skill, discipline, subject, knowledge_point_id, video_description, question, options::VARCHAR AS options, problem_type, answer, rationale, extra::VARCHAR AS extra, source_file
       FROM seed_examples WHERE discipline = $discipline AND skill = $skill ORDER BY seq`,
      { discipline, skill }
    )
    return rows.map((r): SeedRecord => {
      const extra = extraOf(r.extra)
      const options =
        r.options === null ? undefined : (JSON.parse(r.options) as ReadonlyArray<string> | Record<string, string>)
      return {
        id: r.id,
        skill: r.skill,
        discipline: r.discipline,
        question: r.question,
        problem_type: r.problem_type,
        answer: r.answer,
        rationale: r.rationale,
        ...(r.subject === null ? {} : { subject: r.subject }),
        ...(r.knowledge_point_id === null ? {} : { knowledge_point_id: r.knowledge_point_id }),
        ...(r.video_description === null ? {} : { video_description: r.video_description }),
        ...(options === undefined
          ? {}
          : { options: Array.isArray(options) ? options : Object.entries(options).map(([k, v]) => `${k}. ${v}`) }),
        ...(extra.video_id === undefined ? {} : { video_id: extra.video_id }),
        author: extra.author ?? "",
        source: r.source_file ?? "review app"
      }
    })
  })

const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim())

/**
 * Writes a seed example from the app: a new one (`id` undefined) or a change of an existing one, after
 * the same checks as an import. Returns its id.
 */
export const saveSeed = (raw: unknown, id?: string) =>
  Effect.gen(function* () {
    const draft = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<Record<keyof SeedDraft, unknown>>
    const text = (field: keyof SeedDraft) =>
      typeof draft[field] === "string" ? nonEmpty(draft[field] as string) : undefined
    const author = text("author")
    const options = Array.isArray(draft.options)
      ? (draft.options as Array<unknown>).map((o) => String(o).trim()).filter((o) => o !== "")
      : undefined
    const seedId =
      id ??
      `seed-app-${createHash("sha256")
        .update(JSON.stringify([draft, Date.now(), Math.random()]))
        .digest("hex")
        .slice(0, 12)}`
    const record = Object.fromEntries(
      Object.entries({
        id: seedId,
        skill: text("skill"),
        discipline: text("discipline"),
        subject: text("subject"),
        knowledge_point_id: text("knowledge_point_id"),
        video_description: text("video_description"),
        question: text("question"),
        options: options !== undefined && options.length > 0 ? options : undefined,
        problem_type: text("problem_type"),
        answer: text("answer"),
        rationale: text("rationale")
      }).filter(([, v]) => v !== undefined)
    )
    const decoded = decodeRecord(SeedsKind, record, 1, { strict: true })
    const problems = [
      ...(decoded._tag === "Invalid"
        ? decoded.problems.map((p) => ({ field: p.field ?? "", message: p.message }))
        : []),
      ...(author === undefined ? [{ field: "author", message: "missing (required): the expert who wrote it" }] : []),
      ...(record.problem_type === "multiple choice" && record.options === undefined
        ? [{ field: "options", message: "a multiple-choice example needs its options, one per line (A. text)" }]
        : [])
    ]
    if (problems.length > 0) return yield* new SeedRejected({ problems })
    const store = yield* CorpusStore
    const videoId = text("video_id")
    const row = {
      ...record,
      options: record.options === undefined ? null : JSON.stringify(record.options),
      extra: JSON.stringify({ author, ...(videoId === undefined ? {} : { video_id: videoId }) })
    }
    const params = Object.fromEntries(
      [
        "id",
        "skill",
        "discipline",
        "subject",
        "knowledge_point_id",
        "video_description",
        "question",
        "options",
        "problem_type",
        "answer",
        "rationale",
        "extra"
      ].map((k) => [k, (row as Record<string, string | undefined>)[k] ?? null])
    )
    yield* store.transaction((tx) =>
      Effect.gen(function* () {
        if (id !== undefined) {
          const [found] = yield* tx.query<{ n: number }>(
            "SELECT count(*)::INT AS n FROM seed_examples WHERE id = $id",
            { id }
          )
          if (found!.n === 0) return yield* new UnknownSeed({ id })
          yield* tx.run(
            `UPDATE seed_examples SET skill = $skill, discipline = $discipline, subject = $subject, knowledge_point_id = $knowledge_point_id,
               video_description = $video_description, question = $question, options = $options::JSON, problem_type = $problem_type, answer = $answer,
               rationale = $rationale, extra = $extra::JSON WHERE id = $id`,
            params
          )
          return
        }
        yield* tx.run(
          `INSERT INTO seed_examples (seq, id, skill, discipline, subject, knowledge_point_id, video_description, question, options, problem_type, answer, rationale, extra, source_file, source_line)
           SELECT coalesce(max(seq), 0) + 1, $id, $skill, $discipline, $subject, $knowledge_point_id, $video_description, $question, $options::JSON, $problem_type, $answer, $rationale, $extra::JSON, 'review app', NULL
           FROM seed_examples`,
          params
        )
      })
    )
    return { id: seedId }
  })

/** The videos on this machine, to write seeds on (newest records first per id). */
export const localVideos = Effect.gen(function* () {
  const store = yield* CorpusStore
  return yield* store.query<{
    id: string
    title: string
    duration: number
    local_path: string
    knowledge_point_id: string | null
  }>(
    `SELECT id, title, duration, local_path, knowledge_point_id FROM (
       SELECT *, row_number() OVER (PARTITION BY id ORDER BY seq DESC) AS r FROM videos WHERE local_path IS NOT NULL) WHERE r = 1 ORDER BY title, id`
  )
})

/**
 * Every seed example as JSONL in the form `videokr import` reads (its author and video as fields of
 * their own, which an import keeps): the seeds written in the app carried to another corpus, or kept.
 */
export const exportSeeds = (file: string) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const rows = yield* store.query<Record<string, unknown> & { options: string | null; extra: string | null }>(
      `SELECT id, skill, discipline, subject, knowledge_point_id, video_description, question, options::VARCHAR AS options, problem_type, answer, rationale, extra::VARCHAR AS extra
       FROM seed_examples ORDER BY seq`
    )
    const lines = rows.map(
      ({ options, extra, ...seed }) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries({
              ...seed,
              options: options === null ? null : (JSON.parse(options) as unknown),
              ...(extra === null ? {} : (JSON.parse(extra) as object))
            }).filter(([, v]) => v !== null)
          )
        ) + "\n"
    )
    yield* writeTextAtomic(file, Stream.fromIterable(lines))
    return lines.length
  })
