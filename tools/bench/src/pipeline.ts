/**
 * The pipeline engine benchmark (issue: "engine overhead with a zero-latency model over 10,000 videos'
 * worth of items: items/s per stage and peak RSS; the store must not be the bottleneck").
 *
 * Every stage of the pipeline runs, overlapping, on a real DuckDB file: 3,334 knowledge points whose 3
 * scenarios each find one video (10,000 videos), then the filters, 6 generated examples per kept video, the
 * validators, contamination, near-duplicates and the release (split and every export). The model is the
 * scripted demo model with zero latency, through the full middleware (cache on disk, retries, limits,
 * call recording into the store). Decoding video is not the engine: a stand-in media service returns one
 * tiny JPEG per frame and hashes derived from the video id (ffmpeg's speed is the media benchmark's).
 *
 * Printed per stage: items, items/s while the stage was busy (processing or writing its batches; stages
 * overlap, so waiting for upstream work is not counted), and the share of that busy time spent writing to
 * the store (the one serialised writer). Flags: --videos N (default 10,000); --progress prints every
 * stage's counts on stderr as they change; --memory prints, every 5 s on stderr, the process's memory
 * (RSS, V8 heap, memory outside it, and DuckDB's own account of its share) and the stages that wrote a
 * batch in the last seconds: where a peak comes from.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import {
  buildPipeline,
  CorpusStore,
  dedupDefaults,
  importFile,
  makeCallRecorder,
  Media,
  type MediaShape,
  runStages,
  type VideoSourceShape
} from "@videokr/core"
import { defaultChecks } from "@videokr/filters"
import { modelRegistryLayer } from "@videokr/providers"

const argv = process.argv.slice(2)
const at = argv.indexOf("--videos")
const videos = at >= 0 ? Number(argv[at + 1]) : 10_000
// each knowledge point's 3 scenarios find a video each
const n = Math.ceil(videos / 3)
const dir = mkdtempSync(join(tmpdir(), "videokr-bench-pipeline-"))
const db = join(dir, "corpus.duckdb")
const repo = new URL("../../../", import.meta.url).pathname

// a 1x1 JPEG: what a frame costs the engine to read and send
const jpeg = join(dir, "frame.jpg")
mkdirSync(join(dir, "videos"))
writeFileSync(
  jpeg,
  Buffer.from(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=",
    "base64"
  )
)

const hex16 = (s: string) => {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn
  return h.toString(16).padStart(16, "0")
}
const media: MediaShape = {
  probe: (path) =>
    Effect.succeed({
      path,
      sizeBytes: 1_000_000,
      format: "mp4",
      duration: 300,
      width: 1280,
      height: 720,
      fps: 30,
      frameCount: 9000,
      videoCodec: "h264",
      audioCodec: "aac",
      bitRate: 1_000_000,
      streams: []
    }),
  sampleFrames: (path, spec) =>
    Effect.succeed(
      Array.from(
        { length: spec.mode === "middle" ? 1 : spec.mode === "uniform" ? spec.count : spec.minFrames },
        (_, i) => ({
          index: i,
          time: i,
          path,
          width: 1,
          height: 1
        })
      )
    ),
  imageHash: (path) => Effect.succeed(hex16(path)),
  fingerprint: (path, spec) =>
    Effect.succeed(Array.from({ length: spec.mode === "uniform" ? spec.count : 1 }, (_, i) => hex16(`${path}#${i}`))),
  binaries: { ffmpeg: "ffmpeg", ffprobe: "ffprobe" },
  versions: Effect.succeed({ ffmpeg: "-", ffprobe: "-" })
}
const source: VideoSourceShape = {
  id: "bench",
  search: (query) => {
    const id = hex16(query).slice(0, 11)
    const kp = /of (.*)$/.exec(query)?.[1] ?? query
    // the video's "file": its own copy of the tiny frame, so that its hashes are its own
    const file = join(dir, "videos", `${id}.jpg`)
    if (!existsSync(file)) copyFileSync(jpeg, file)
    return Effect.succeed([
      {
        video: {
          id: `bench:${id}`,
          source: "bench",
          source_id: id,
          url: `https://example.org/${id}`,
          license: "CC BY 4.0",
          duration: 300,
          title: `Laboratory demonstration of ${kp}`
        },
        localPath: file
      }
    ])
  },
  download: (candidate) => Effect.succeed(candidate.localPath!)
}

const disciplines = ["Natural Sciences", "Engineering", "Healthcare", "Humanities & Social Sciences"]
// the bank file, made in one expression: the benchmark keeps no copy of it (what the run holds is the engine's)
writeFileSync(
  join(dir, "bank.jsonl"),
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `kp-${i}`,
      discipline: disciplines[i % 4],
      subject: `Subject ${i % 82}`,
      course: `Course ${i % 300}`,
      lecture: `Lecture ${i % 1000}`,
      knowledge_point: `Bench phenomenon number${i} thermodynamics`
    })
  ).join("\n") + "\n"
)

const frames = { mode: "uniform" as const, count: 8, maxPixels: 448 * 448 }
const model = "scripted:demo"
const pool = "pool:bench"
// the pipeline as `videokr run` assembles it (expand has no subjects and is left out)
const stages = buildPipeline({
  modelOf: (key) => (["generation", "consistency", "verification"].includes(key) ? pool : model),
  checks: defaultChecks({ frames, consistency: { k: 1 } }),
  sources: Effect.succeed([source]),
  hasSources: true,
  expand: { subjects: [], count: 0 },
  gates: { licenses: ["^cc"], perScenario: 1 },
  downloadDir: dir,
  generation: {
    perSkill: 2,
    skills: ["VIDR", "KNOWVID", "KNOWVIDR"],
    problemTypes: ["multiple choice", "open-ended"],
    frames,
    shots: 3
  },
  dedup: { ...dedupDefaults, benchmarks: [] },
  release: {
    projectDir: dir,
    split: { seed: 42, sftFraction: 0.638 },
    formats: ["videokr", "llamafactory", "verl", "trl"],
    export: { outDir: join(dir, "exports"), verl: { valSize: 500 } }
  },
  placed: [],
  configPath: "(benchmark)"
})

const busy = new Map<string, { items: number; processMs: number; commitMs: number }>()
// when each stage last wrote a batch: a memory sample names the stages at work around it
const lastBatch = new Map<string, number>()
const mib = (n: number) => `${(n / 1048576).toFixed(0)}`.padStart(5)
// the process's memory and DuckDB's own account of its share (its buffer pool and what it holds outside it)
const memoryReport = Effect.gen(function* () {
  const store = yield* CorpusStore.CorpusStore
  const duck = yield* store.query<{ tag: string; bytes: number }>(
    "SELECT tag, memory_usage_bytes::BIGINT AS bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY 2 DESC"
  )
  const m = process.memoryUsage()
  const total = duck.reduce((a, r) => a + r.bytes, 0)
  const now = performance.now()
  const working = [...lastBatch].filter(([, at]) => now - at < 6000).map(([stage]) => stage)
  console.error(
    `memory: rss ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, outside the heap ${mib(m.rss - m.heapTotal)} (buffers ${mib(m.arrayBuffers)}), DuckDB ${mib(total)} (${duck
      .slice(0, 3)
      .map((r) => `${r.tag} ${mib(r.bytes).trim()}`)
      .join(", ")}); writing: ${working.join(" ") || "-"}`
  )
}).pipe(Effect.ignore, Effect.delay("5 seconds"), Effect.forever)
const program = Effect.gen(function* () {
  if (argv.includes("--memory")) yield* Effect.forkChild(memoryReport)
  const calls = yield* makeCallRecorder()
  yield* importFile(join(dir, "bank.jsonl"), { kind: "knowledge-bank" })
  yield* importFile(join(repo, "fixtures/sample/seeds.jsonl"), { kind: "seeds" })
  const services = Layer.mergeAll(
    modelRegistryLayer({
      config: { pools: { bench: [{ model: "scripted:demo" }, { model: "scripted:demo-alt" }] } },
      env: {},
      cache: { dir: join(dir, "cache"), mode: "use" },
      record: (call) => Effect.orDie(calls.record(call))
    }),
    Layer.succeed(Media.Media, media)
  )
  const started = performance.now()
  const runs = yield* runStages(
    (yield* stages).map((stage) => ({ stage, concurrency: 16 })),
    {
      batchSize: 256,
      onProgress: argv.includes("--progress")
        ? (p) => console.error(p.map((x) => `${x.stage}:${x.processed}/${x.pending}${x.done ? "*" : ""}`).join(" "))
        : undefined,
      onBatch: (stage, items, processMs, commitMs) => {
        lastBatch.set(stage, performance.now())
        const a = busy.get(stage) ?? { items: 0, processMs: 0, commitMs: 0 }
        busy.set(stage, { items: a.items + items, processMs: a.processMs + processMs, commitMs: a.commitMs + commitMs })
      }
    }
  ).pipe(Effect.provide(services), Effect.ensuring(Effect.orDie(calls.flush)))
  return { runs, seconds: (performance.now() - started) / 1000 }
}).pipe(Effect.provide(CorpusStore.layer({ path: db })))

// the store, the cache and the exports of a 50K run take gigabytes: they go whatever the outcome
const { runs, seconds } = await Effect.runPromise(program).finally(() => rmSync(dir, { recursive: true, force: true }))
console.log(
  `pipeline engine, ${n.toLocaleString("en")} knowledge points, ${(3 * n).toLocaleString("en")} videos, zero-latency scripted model through the full middleware, 16 items in flight per stage:`
)
console.log(`  stage             items   items/s (busy)   store share of busy time`)
for (const r of runs) {
  const a = busy.get(r.stage)
  const ms = a === undefined ? 0 : a.processMs + a.commitMs
  console.log(
    `  ${r.stage.padEnd(16)} ${String(r.processed).padStart(7)} ${(ms > 0 ? r.processed / (ms / 1000) : 0).toFixed(0).padStart(10)} ${a === undefined || ms === 0 ? "-" : `${((a.commitMs / ms) * 100).toFixed(1)}%`.padStart(16)}`
  )
}
console.log(`  all stages, overlapping: ${seconds.toFixed(1)} s wall; ${runs.at(-1)?.note ?? ""}`)
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)
