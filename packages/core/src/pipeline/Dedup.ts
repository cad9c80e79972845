import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import { benchmarkYoutubeIds, contaminatedById, nearDuplicatesOfBenchmark } from "../Contamination.ts"
import { CorpusStore } from "../CorpusStore.ts"
import type { FileError } from "../Errors.ts"
import { Media, type SamplingSpec } from "../Media.ts"
import { type Fingerprint, findNearDuplicates, removalPlan } from "../NearDuplicates.ts"
import type { Video } from "../Video.ts"
import { readFingerprints, specKey } from "../VideoStore.ts"
import { idsOf, jsonParam, rowsOf } from "./BatchSql.ts"
import { keptAmong } from "./Candidates.ts"
import { keyAfter, keyedPageOf, type PageRequest } from "./Paging.ts"
import { hashOf, type Stage } from "./Stage.ts"

/**
 * Stage 11, contamination and near-duplicates, over the videos that still have a validated example.
 * "contamination" drops a video whose YouTube id an evaluation benchmark uses, or whose frames are
 * near-duplicates of a benchmark video's, and stores its fingerprint; "near-duplicates" then compares
 * the kept videos with each other and keeps the first of each group (import order). Nothing is deleted:
 * both are verdicts. Items are video ids.
 */
export interface BenchmarkSet {
  readonly name: string
  /** metadata files and video folders of the benchmark as released */
  readonly paths: ReadonlyArray<string>
}

export interface DedupOptions {
  readonly spec: SamplingSpec
  readonly maxDistance: number
  readonly minMatches: number
  readonly benchmarks: ReadonlyArray<BenchmarkSet>
}

/** A video's frame hashes and the times of its frames, as stored in video_fingerprints. */
interface Fingerprinted {
  readonly seconds: ReadonlyArray<number>
  readonly hashes: ReadonlyArray<string>
}

export const dedupDefaults = {
  spec: { mode: "uniform", count: 8, maxPixels: 224 * 224 } as SamplingSpec,
  maxDistance: 6,
  minMatches: 2
}

const videoExtensions = /\.(mp4|mkv|webm|avi|mov|m4v)$/i

/** A page of the videos (in the order they were found) with an example that every one of `exampleStages` kept. */
const videosWithExamples = (exampleStages: ReadonlyArray<string>, page: PageRequest) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const after = keyAfter(["seq"], page)
    const keys = yield* store.query<{ seq: number; id: string }>(
      `SELECT seq, id FROM videos WHERE ${after.sql} ORDER BY seq LIMIT ${page.size}`,
      after.params
    )
    const ids = idsOf
    const rows =
      keys.length === 0
        ? []
        : yield* store.query<{ id: string; source: string; source_id: string; url: string; local_path: string }>(
            `SELECT v.id, v.source, v.source_id, v.url, v.local_path FROM videos v
       WHERE v.id IN ${ids} AND v.id IN (SELECT video_id FROM generated_examples
         WHERE video_id IN ${ids} AND id IN (${keptAmong(["generation", ...exampleStages], `SELECT id FROM generated_examples WHERE video_id IN ${ids}`)}))
       ORDER BY v.seq`,
            { ids: jsonParam(keys.map((k) => k.id)) }
          )
    return { rows, last: keys.length < page.size ? undefined : [keys.at(-1)!.seq] }
  })

export const contaminationStage = (
  options: DedupOptions,
  exampleStages: ReadonlyArray<string>
): Stage<Pick<Video, "id" | "source" | "source_id" | "url"> & { readonly path: string }, Fingerprinted, Media> => {
  // what the benchmarks hold, read once per process: by the first look for work, or by the first item a
  // worker is given (a worker never looks for work)
  const loadBenchmarks = Effect.gen(function* () {
    const media = yield* Media
    const ids = new Map<string, string>()
    const fingerprints: Array<Fingerprint> = []
    for (const set of options.benchmarks) {
      for (const [id, where] of yield* benchmarkYoutubeIds(set.paths))
        if (!ids.has(id)) ids.set(id, `${set.name}: ${where}`)
      for (const root of set.paths) {
        const files = yield* Effect.promise(() => readdir(root, { recursive: true }).catch(() => [] as Array<string>))
        for (const f of files.filter((x) => videoExtensions.test(x)).sort()) {
          const hashes = yield* Effect.orElseSucceed(
            media.fingerprint(join(root, f), options.spec),
            () => [] as ReadonlyArray<string>
          )
          if (hashes.length > 0) fingerprints.push({ id: `${set.name}: ${f}`, hashes })
        }
      }
    }
    return { ids, fingerprints } as {
      readonly ids: ReadonlyMap<string, string>
      readonly fingerprints: ReadonlyArray<Fingerprint>
    }
  })
  let benchmark:
    | Effect.Effect<
        { readonly ids: ReadonlyMap<string, string>; readonly fingerprints: ReadonlyArray<Fingerprint> },
        FileError,
        Media
      >
    | undefined
  const benchmarks = Effect.suspend(() => (benchmark ??= Effect.runSync(Effect.cached(loadBenchmarks))))
  return {
    name: "contamination",
    pending: (page) =>
      Effect.gen(function* () {
        yield* benchmarks
        const videos = yield* videosWithExamples(exampleStages, page)
        return yield* keyedPageOf("contamination", videos, (v) => [
          {
            id: v.id,
            input: { id: v.id, source: v.source, source_id: v.source_id, url: v.url, path: v.local_path },
            inputHash: hashOf(v.id, v.local_path, options)
          }
        ])
      }),
    process: ({ input }) =>
      Effect.gen(function* () {
        const media = yield* Media
        const { ids, fingerprints } = yield* benchmarks
        const byId = contaminatedById([input], ids)[0]
        const frames = yield* media.sampleFrames(input.path, options.spec)
        const hashes = yield* Effect.forEach(frames, (f) => media.imageHash(f.path))
        const fingerprint: Fingerprinted = { seconds: frames.map((f) => f.time), hashes }
        if (byId !== undefined) {
          return {
            verdict: {
              decision: "drop" as const,
              reason: `YouTube id ${byId.youtubeId} is in a benchmark (${byId.seenIn})`,
              evidence: byId
            },
            output: fingerprint
          }
        }
        const near = nearDuplicatesOfBenchmark([{ id: input.id, hashes }], fingerprints, {
          maxDistance: options.maxDistance,
          minMatches: options.minMatches
        })[0]
        if (near !== undefined) {
          return {
            verdict: {
              decision: "drop" as const,
              reason: `near-duplicate of benchmark video ${near.b} (${near.matches.length} matching frames, closest ${near.distance} bits)`,
              evidence: near
            },
            output: fingerprint
          }
        }
        return {
          verdict: {
            decision: "keep" as const,
            reason:
              options.benchmarks.length === 0
                ? "no benchmark configured; fingerprinted"
                : `not in ${options.benchmarks.map((b) => b.name).join(", ")}`
          },
          output: fingerprint
        }
      }).pipe(
        Effect.catch((e: { _tag: string; message: string }) =>
          Effect.succeed({
            verdict: { decision: "error" as const, reason: `${e._tag}: ${e.message}` },
            output: undefined
          })
        )
      ),
    commit: (tx, results) =>
      Effect.gen(function* () {
        const spec = specKey(options.spec)
        yield* tx.run(`DELETE FROM video_fingerprints WHERE spec = $spec AND video_id IN ${idsOf}`, {
          spec,
          ids: jsonParam(results.map((r) => r.item.id))
        })
        const rows = results.flatMap(({ item, output }) =>
          (output?.hashes ?? []).map((phash, frame) => ({
            id: item.id,
            frame,
            seconds: output!.seconds[frame]!,
            phash
          }))
        )
        if (rows.length === 0) return
        yield* tx.run(
          `INSERT INTO video_fingerprints SELECT id, $spec, frame, seconds, phash FROM ${rowsOf({ id: "VARCHAR", frame: "INTEGER", seconds: "DOUBLE", phash: "VARCHAR" })}`,
          { spec, rows: jsonParam(rows) }
        )
      })
  }
}

/** The kept video a near-duplicate repeats, and how closely: the near-duplicates stage's input. */
interface DuplicateOf {
  readonly id: string
  readonly matches: number
  readonly distance: number
}

/**
 * The near-duplicates among the videos contamination kept, in import order: every kept video's fingerprint
 * compared with every other's (a decision over the whole set), each removed video with the earliest kept
 * video it duplicates.
 */
const nearDuplicateDecision = (options: DedupOptions) =>
  Effect.gen(function* () {
    const fingerprints = yield* readFingerprints(
      options.spec,
      `f.video_id IN (SELECT item_id FROM verdicts WHERE stage = 'contamination' AND decision = 'keep')`
    )
    const pairs = findNearDuplicates(fingerprints, { maxDistance: options.maxDistance, minMatches: options.minMatches })
    const removed = new Set(removalPlan(fingerprints.ids, pairs))
    const duplicateOf = new Map<string, DuplicateOf>()
    for (const id of removed) {
      // pairs list the earlier video first
      const pair = pairs.find((p) => (p.b === id && !removed.has(p.a)) || (p.a === id && !removed.has(p.b)))
      if (pair !== undefined)
        duplicateOf.set(id, {
          id: pair.a === id ? pair.b : pair.a,
          matches: pair.matches.length,
          distance: pair.distance
        })
    }
    return { ids: fingerprints.ids, duplicateOf }
  })

export const nearDuplicateStage = (
  options: DedupOptions
): Stage<{ readonly duplicateOf: DuplicateOf | null }, undefined, never> => {
  // made at a pass's first page and handed out a page at a time: the pages hold ids, not the items
  let decision: Effect.Success<ReturnType<typeof nearDuplicateDecision>> | undefined
  return {
    name: "near-duplicates",
    barrier: true,
    pending: (page) =>
      Effect.gen(function* () {
        if (page.after === undefined || decision === undefined) decision = yield* nearDuplicateDecision(options)
        const { ids, duplicateOf } = decision
        const start = page.after === undefined ? 0 : (JSON.parse(page.after) as [number])[0]
        const end = start + page.size
        return yield* keyedPageOf(
          "near-duplicates",
          { rows: ids.slice(start, end), last: end < ids.length ? [end] : undefined },
          (id) => {
            const input = { duplicateOf: duplicateOf.get(id) ?? null }
            return [{ id, input, inputHash: hashOf(options.maxDistance, options.minMatches, input.duplicateOf) }]
          }
        )
      }),
    process: ({ input: { duplicateOf } }) =>
      Effect.succeed(
        duplicateOf === null
          ? { verdict: { decision: "keep" as const, reason: "no near-duplicate among the kept videos" } }
          : {
              verdict: {
                decision: "drop" as const,
                reason: `near-duplicate of ${duplicateOf.id} (${duplicateOf.matches} matching frames, closest ${duplicateOf.distance} bits)`,
                evidence: duplicateOf
              }
            }
      ),
    commit: () => Effect.void
  }
}
