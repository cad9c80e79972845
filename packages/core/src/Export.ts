import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { Effect, Stream } from "effect"
import { withTempPath, writeTextAtomic } from "./AtomicFile.ts"
import { sha256File } from "./Sha256.ts"
import { CorpusStore, type Row } from "./CorpusStore.ts"
import { FileError, reasonOf, type StoreError, UsageError } from "./Errors.ts"
import { arrayElement, datasetInfo, sftVideoPath, toLlamaFactory } from "./exports/LlamaFactory.ts"
import { toTrlRl, toTrlSft } from "./exports/Trl.ts"
import { toVerl, verlAssignment, verlDefaults, verlParquetColumns, type VerlOptions } from "./exports/Verl.ts"
import { exampleColumns, toVideoKrRecord, type VideoKrRecord } from "./exports/VideoKrRecord.ts"
import { version } from "./version.ts"

export const exportFormats = ["videokr", "llamafactory", "verl", "trl"] as const
export type ExportFormat = (typeof exportFormats)[number]

export interface ExportOptions {
  readonly outDir: string
  readonly videoPrefix?: string | undefined
  readonly verl?: Partial<VerlOptions> | undefined
  /**
   * verl: write a train.parquet with no record when the validation size takes every RL example, as the
   * reference script does, instead of refusing (the parity tests' vectors were made that way)
   */
  readonly allowEmptyTrain?: boolean | undefined
  /** only the examples of these skills (e.g. VIDR, KNOWVID: the paper's skill ablations) */
  readonly skills?: ReadonlyArray<string> | undefined
  /** SFT targets with the answer alone, without the rationale (the paper's direct-answer ablation) */
  readonly direct?: boolean | undefined
  /** these records in place of the store's examples (another corpus; SFT and RL both from them) */
  readonly records?: ReadonlyArray<VideoKrRecord> | undefined
}

export interface ExportedFile {
  readonly path: string
  readonly records: number
  /** records the format's reference conversion leaves out (no rationale, no video path, no answer) */
  readonly skipped: number
  readonly bytes: number
}

/** Which examples feed the SFT-shaped and RL-shaped exports. Before a split, every example feeds both. */
interface Groups {
  readonly split: boolean
  readonly sft: string
  readonly rl: string
}

const groups = Effect.gen(function* () {
  const store = yield* CorpusStore
  const [counts] = (yield* store.query<{ total: number; unsplit: number }>(
    "SELECT count(*)::BIGINT AS total, count(*) FILTER (WHERE split IS NULL)::BIGINT AS unsplit FROM examples"
  )) as [{ total: number; unsplit: number }]
  if (counts.total === 0)
    return yield* new UsageError({ reason: "the corpus has no examples to export; import some first (videokr import)" })
  if (counts.unsplit === counts.total) return { split: false, sft: "TRUE", rl: "TRUE" } satisfies Groups
  if (counts.unsplit > 0) {
    return yield* new UsageError({
      reason: `${counts.unsplit} of ${counts.total} examples have no split yet (imported after the last split); run videokr split first`
    })
  }
  return { split: true, sft: "split = 'sft'", rl: "split = 'rl'" } satisfies Groups
})

const records = (where: string, withThink: boolean) =>
  Stream.unwrap(
    Effect.gen(function* () {
      const store = yield* CorpusStore
      // No ORDER BY: rows are only ever appended in seq order (replacements get new seqs at the end), and
      // DuckDB scans preserve insertion order; a sort would hold the whole corpus in memory.
      return store
        .stream<Row>(`SELECT ${exampleColumns} FROM examples WHERE ${where}`)
        .pipe(
          Stream.map((rows): ReadonlyArray<VideoKrRecord> => rows.map((row) => toVideoKrRecord(row, { withThink })))
        )
    })
  )

/**
 * Where an export's records come from: the store's examples (split or not, narrowed to some skills), or
 * records given in memory (another corpus, converted: the paper's training on other corpora). `sft` carries
 * the rationales, `rl` leaves them out.
 */
interface Source {
  readonly split: boolean
  readonly sft: () => Stream.Stream<ReadonlyArray<VideoKrRecord>, StoreError, CorpusStore>
  readonly rl: () => Stream.Stream<ReadonlyArray<VideoKrRecord>, StoreError, CorpusStore>
  readonly all: () => Stream.Stream<ReadonlyArray<VideoKrRecord>, StoreError, CorpusStore>
}

const storeSource = (g: Groups): Source => ({
  split: g.split,
  sft: () => records(g.sft, true),
  rl: () => records(g.rl, false),
  all: () => records("TRUE", true)
})

const memorySource = (given: ReadonlyArray<VideoKrRecord>): Source => {
  const withoutThink = given.map(({ think: _, ...r }) => r)
  const pages = (list: ReadonlyArray<VideoKrRecord>) =>
    Stream.fromIterable(
      Array.from({ length: Math.ceil(list.length / 2048) }, (_, i) => list.slice(i * 2048, (i + 1) * 2048))
    )
  return { split: true, sft: () => pages(given), rl: () => pages(withoutThink), all: () => pages(given) }
}

/** Streams converted records into a text file; returns counts. */
const writeConverted = <T, E>(
  path: string,
  source: Stream.Stream<ReadonlyArray<VideoKrRecord>, E, CorpusStore>,
  convert: (r: VideoKrRecord) => T | undefined,
  layout: {
    readonly open: string
    readonly item: (t: T, index: number) => string
    readonly close: (n: number) => string
  }
) =>
  Effect.gen(function* () {
    let n = 0
    let skipped = 0
    const body = source.pipe(
      Stream.map((batch) => {
        let out = ""
        for (const r of batch) {
          const t = convert(r)
          if (t === undefined) skipped++
          else out += layout.item(t, n++)
        }
        return out
      })
    )
    const bytes = yield* writeTextAtomic(
      path,
      Stream.concat(
        Stream.make(layout.open),
        Stream.concat(
          body,
          Stream.suspend(() => Stream.make(layout.close(n)))
        )
      )
    )
    return { path, records: n, skipped, bytes } satisfies ExportedFile
  })

const jsonl = { open: "", item: (t: unknown) => JSON.stringify(t) + "\n", close: () => "" }
/** Python's json.dump(list, indent=2) followed by "\n", streamed. */
const jsonArray = {
  open: "",
  item: (t: unknown, i: number) => (i === 0 ? "[\n" : ",\n") + arrayElement(t),
  close: (n: number) => (n === 0 ? "[]\n" : "\n]\n")
}

const exportVideoKr = (outDir: string, g: Source) =>
  g.split
    ? Effect.all([
        writeConverted(join(outDir, "sft.jsonl"), g.sft(), (r) => r, jsonl),
        writeConverted(join(outDir, "rl.jsonl"), g.rl(), (r) => r, jsonl)
      ])
    : Effect.all([writeConverted(join(outDir, "examples.jsonl"), g.all(), (r) => r, jsonl)])

const exportLlamaFactory = (outDir: string, g: Source, videoPrefix: string | undefined, direct: boolean) =>
  Effect.gen(function* () {
    const data = yield* writeConverted(
      join(outDir, "videokr_train.json"),
      g.sft(),
      (r) => toLlamaFactory(r, { videoPrefix, direct }),
      jsonArray
    )
    const infoPath = join(outDir, "dataset_info.json")
    const bytes = yield* writeTextAtomic(
      infoPath,
      Stream.make(JSON.stringify(datasetInfo("videokr_train.json"), null, 2) + "\n")
    )
    return [data, { path: infoPath, records: 1, skipped: 0, bytes }]
  })

const exportTrl = (outDir: string, g: Source, direct: boolean) =>
  Effect.all([
    writeConverted(join(outDir, "sft.jsonl"), g.sft(), (r) => toTrlSft(r, sftVideoPath(r), direct), jsonl),
    writeConverted(join(outDir, "rl.jsonl"), g.rl(), toTrlRl, jsonl)
  ])

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`

/**
 * verl parquet: records are converted in a first pass (to learn which are valid, as the seeded split
 * needs their count), written as JSONL in a second, and turned into typed parquet by DuckDB.
 */
const exportVerl = (outDir: string, g: Source, overrides: Partial<VerlOptions> | undefined, allowEmptyTrain: boolean) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const o: VerlOptions = { ...verlDefaults, ...overrides }
    let valid = 0
    let skipped = 0
    yield* Stream.runForEach(g.rl(), (batch) =>
      Effect.sync(() => batch.forEach((r) => (toVerl(r, o) === undefined ? skipped++ : valid++)))
    )
    if (valid === 0)
      return yield* new UsageError({
        reason: "no example has both a video path and an answer; nothing to export for verl"
      })
    // the reference holds out min(val size, count) and trains on the rest: with a small RL set that is all of it
    if (!allowEmptyTrain && o.trainSize !== 0 && valid <= o.valSize) {
      return yield* new UsageError({
        reason:
          `verl: the RL set has ${valid} usable example(s) and ${o.valSize} are held out for validation, so train.parquet would be empty; ` +
          `hold out fewer with --val-size ${Math.max(1, Math.floor(valid / 10))} (or pipeline.release.verlValSize in videokr.config.ts)`
      })
    }
    const assignment = verlAssignment(valid, o)
    const scratch = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => mkdtemp(join(tmpdir(), "videokr-verl-")),
        catch: (e) => new FileError({ path: tmpdir(), operation: "create temporary folder", reason: reasonOf(e) })
      }),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
    const index = { train: 0, test: 0 }
    let i = 0
    const part = (name: "train" | "test") =>
      writeConverted(
        join(scratch, `${name}.jsonl`),
        g.rl(),
        (r) => {
          const v = toVerl(r, o)
          if (v === undefined) return undefined
          const side = assignment[i++]
          if (side !== name) return undefined
          v.extra_info.split = side
          v.extra_info.index = index[side]++
          return v
        },
        jsonl
      )
    const columns = `{${Object.entries(verlParquetColumns)
      .map(([k, t]) => `${k}: ${sqlString(t)}`)
      .join(", ")}}`
    const files: Array<ExportedFile> = []
    for (const name of ["train", "test"] as const) {
      i = 0
      const staged = yield* part(name)
      const target = join(outDir, `${name}.parquet`)
      yield* withTempPath(target, (tmp) =>
        store.run(
          `COPY (SELECT ${Object.keys(verlParquetColumns).join(", ")} FROM read_json(${sqlString(staged.path)}, format = 'newline_delimited', columns = ${columns}))
           TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)` // small row groups: bounded memory for long prompts
        )
      )
      const bytes = yield* Effect.tryPromise({
        try: () => stat(target),
        catch: (e) => new FileError({ path: target, operation: "stat", reason: reasonOf(e) })
      })
      files.push({ path: target, records: staged.records, skipped: name === "train" ? skipped : 0, bytes: bytes.size })
    }
    return files
  }).pipe(Effect.scoped)

/**
 * manifest.json beside the files of an export: what is needed to reproduce them (videokr version, the
 * split that fed them, the options) and what they should contain (records and sha256 of each file).
 * No timestamp, so that the same corpus and options give the same manifest.
 */
const writeManifest = (dir: string, format: ExportFormat, options: ExportOptions, files: ReadonlyArray<ExportedFile>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const [split] = yield* store.query<{ params: string }>(
      "SELECT params::VARCHAR AS params FROM stage_runs WHERE stage = 'split' ORDER BY seq DESC LIMIT 1"
    )
    const described = yield* Effect.forEach(files, (f) =>
      Effect.map(sha256File(f.path), (sha256) => ({
        file: basename(f.path),
        records: f.records,
        skipped: f.skipped,
        bytes: f.bytes,
        sha256
      }))
    )
    const manifest = {
      format,
      videokr: version,
      split: split === undefined ? null : (JSON.parse(split.params) as unknown),
      options: {
        ...(options.skills === undefined ? {} : { skills: options.skills }),
        ...(options.direct === true && (format === "llamafactory" || format === "trl") ? { direct: true } : {}),
        ...(format === "llamafactory" ? { video_prefix: options.videoPrefix ?? "" } : {}),
        ...(format === "verl" ? { verl: { ...verlDefaults, ...options.verl } } : {})
      },
      files: described
    }
    yield* writeTextAtomic(join(dir, "manifest.json"), Stream.make(JSON.stringify(manifest, null, 2) + "\n"))
  })

/**
 * Writes several formats; verl first, since only it can refuse the corpus (a validation size that
 * leaves no training record), so that a refusal leaves every format's files as they were. Results in
 * the order asked.
 */
export const exportFormatsOf = (formats: ReadonlyArray<ExportFormat>, options: ExportOptions) =>
  Effect.gen(function* () {
    const order = [...formats].sort((a, b) => Number(b === "verl") - Number(a === "verl"))
    const done = new Map<ExportFormat, ReadonlyArray<ExportedFile>>()
    for (const format of order) done.set(format, yield* exportCorpus(format, options))
    return formats.map((format) => ({ format, files: done.get(format)! }))
  })

/** Writes one export format into `outDir/<format>/`, every file atomically, with a manifest.json. */
/** The groups narrowed to the asked skills. */
const ofSkills = (g: Groups, skills: ReadonlyArray<string> | undefined): Groups => {
  if (skills === undefined) return g
  const inSkills = `skill IN (${skills.map(sqlString).join(", ")})`
  return { ...g, sft: `(${g.sft}) AND ${inSkills}`, rl: `(${g.rl}) AND ${inSkills}` }
}

export const exportCorpus = (format: ExportFormat, options: ExportOptions) =>
  Effect.gen(function* () {
    const g =
      options.records === undefined
        ? storeSource(ofSkills(yield* groups, options.skills))
        : memorySource(options.records)
    const dir = join(options.outDir, format)
    const files: ReadonlyArray<ExportedFile> =
      format === "videokr"
        ? yield* exportVideoKr(dir, g)
        : format === "llamafactory"
          ? yield* exportLlamaFactory(dir, g, options.videoPrefix, options.direct ?? false)
          : format === "verl"
            ? yield* exportVerl(dir, g, options.verl, options.allowEmptyTrain ?? false)
            : yield* exportTrl(dir, g, options.direct ?? false)
    yield* writeManifest(dir, format, options, files)
    return files
  })
