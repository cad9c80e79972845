import { copyFile, mkdir, readFile, rm } from "node:fs/promises"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect, Stream } from "effect"
import {
  CorpusStore,
  corpusStats,
  exportCorpus,
  exportFormats,
  findNearDuplicates,
  importFile,
  loadProject,
  makeLocalSource,
  Media,
  projectStoreLayer,
  recordModelCall,
  sampleFiles,
  splitCorpus,
  thresholdSummary,
  writeTextAtomic
} from "@videokr/core"
import { makeModels, middlewareLayer } from "@videokr/providers"
import { renderStats } from "./StatsText.ts"
import { initSampleProject, sampleClips } from "./SampleProject.ts"
import { reviewKnowledgePoints } from "./KbCommand.ts"
import { stageBenchmarkSamples } from "./BenchmarkSample.ts"
import { evaluate } from "./EvalCommand.ts"
import { report, runDifficulty } from "./ReportCommand.ts"
import { buildSite, judgeSite } from "./SiteCommand.ts"
import { trainConfig } from "./TrainCommand.ts"
import { release } from "./ReleaseCommand.ts"
import { submit } from "./SubmitCommand.ts"
import { runPipeline } from "./RunCommand.ts"
import { funnel, why } from "./Verdicts.ts"
import { demoReview } from "./ReviewCommand.ts"
import { formatBytes, table } from "./Output.ts"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The end-to-end demo on the bundled sample: a fresh project, import of the knowledge bank, seed examples,
 * videos and examples, the seeded split, every export format, a model call through the provider
 * middleware, generated clips through the local source (probe, frames, hashes, near-duplicates), every
 * stage of the pipeline with the scripted demo model (a dry run, then the run), why items were kept or
 * dropped, the funnel, the knowledge points stage 0 proposed; the seven benchmarks' sample files evaluated
 * (full video and single frame, with a judge), the corpus's difficulty, the three reports; and the corpus
 * statistics; two leaderboard submissions made from eval runs, their open-ended answers judged by the
 * board's judge, the site built from them and the corpus, the release folder for a dataset hub, and a
 * training run folder (SFT on LLaMA-Factory, then GRPO on verl).
 */

/** A clip at every video path of the corpora's records (their own videos are not in the sample). */
const linkClipsForCorpora = (files: ReadonlyArray<string>, videosDir: string, clipPaths: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    let n = 0
    for (const file of files) {
      for (const line of (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "")) {
        const path = join(videosDir, (JSON.parse(line) as { video_path: string }).video_path)
        await mkdir(dirname(path), { recursive: true })
        await copyFile(clipPaths[n++ % clipPaths.length]!, path)
      }
    }
  })

/** Fingerprints and near-duplicates of the sample clips as they are, before any stage. */
const demoVideos = (projectDir: string) =>
  Effect.gen(function* () {
    const media = yield* Media.Media
    const dir = join(projectDir, "videos")
    const source = yield* makeLocalSource({ root: dir, sidecar: join(dir, "videos.jsonl") })
    const spec = { mode: "uniform" as const, count: 8, maxPixels: 224 * 224 }
    const fingerprints = []
    for (const c of source.scan.candidates) {
      const frames = yield* media.sampleFrames(c.localPath!, spec)
      const hashes = yield* Effect.forEach(frames, (f) => media.imageHash(f.path))
      fingerprints.push({ id: c.video.id, hashes })
      yield* Console.log(
        `${c.video.id}: ${c.video.duration.toFixed(1)} s, ${frames.length} frames of ${frames[0]!.width}x${frames[0]!.height}, license ${c.video.license}`
      )
    }
    const pairs = findNearDuplicates(fingerprints, { maxDistance: 6, minMatches: 2 })
    for (const p of pairs)
      yield* Console.log(
        `near-duplicates: ${p.a} ~ ${p.b} (${p.matches.length} matching frames, closest ${p.distance} bits)`
      )
    const summary = thresholdSummary(
      source.scan.candidates.map((c) => c.video.id),
      pairs,
      [2, 4, 6]
    )
    yield* Console.log(
      table(
        ["threshold (bits)", "pairs", "videos to remove"],
        summary.map((s) => [s.threshold, s.pairs, s.removed])
      )
    )
  }).pipe(Effect.provide(Media.layer({ cacheDir: join(projectDir, ".videokr/frames") })))

export const runDemo = (dir: string | undefined) =>
  Effect.gen(function* () {
    const target = resolve(dir ?? join(repoRoot, "demo-output"))
    yield* Effect.promise(() => rm(target, { recursive: true, force: true }))
    const step = (title: string) => Console.log(`\n== ${title}`)

    yield* step(`project: ${target}`)
    // the project `videokr init` makes: sample data, generated clips, every stage on the scripted model
    yield* initSampleProject(target, "sample")
    const project = yield* loadProject(target, { search: false })

    yield* Effect.gen(function* () {
      yield* step("import")
      const files = sampleFiles.filter((f) => f !== "knowledge-bank.jsonl") // the CSV copy of the same bank
      const imported = yield* Effect.forEach(files, (f) => importFile(join(project.dir, "data", f)))
      yield* Console.log(
        table(
          ["file", "kind", "records"],
          imported.map((r, i) => [`data/${files[i]}`, r.kind, r.records])
        )
      )

      yield* step("split (seed 42)")
      const split = yield* splitCorpus({
        seed: project.config.split?.seed ?? 42,
        sftFraction: project.config.split?.sftFraction ?? 0.638
      })
      yield* Console.log(`${split.sft} SFT, ${split.rl} RL`)

      yield* step("export")
      const rows: Array<[string, string, number, number, string]> = []
      for (const format of exportFormats) {
        // the demo corpus is small: hold out 4 RL examples for verl validation instead of the reference's 500
        for (const f of yield* exportCorpus(format, { outDir: project.exportDir, verl: { valSize: 4 } })) {
          rows.push([format, f.path.slice(project.dir.length + 1), f.records, f.skipped, formatBytes(f.bytes)])
        }
      }
      yield* Console.log(table(["format", "file", "records", "skipped", "size"], rows))

      yield* step("models (the scripted model through the full middleware: limits, retries, cache, usage)")
      const store = yield* CorpusStore.CorpusStore
      const models = yield* makeModels({
        config: project.config.models ?? {},
        env: {},
        cache: { dir: join(project.dir, ".videokr/cache"), mode: "use" },
        record: (call) =>
          Effect.orDie(recordModelCall(call).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
      }).pipe(Effect.provide(middlewareLayer))
      const echo = yield* models.resolve("scripted:echo", { stage: "demo" })
      const question = {
        messages: [{ role: "user" as const, content: "Which apparatus delivers a titrant drop by drop?" }]
      }
      const first = yield* echo.chat(question)
      const again = yield* echo.chat(question)
      yield* Console.log(
        `${first.provider}: "${first.text}" (${again.cached ? "asked again: answered from the cache" : "asked again: paid again"})`
      )

      yield* step("videos (generated clips, the local source, frames, perceptual hashes, near-duplicates)")
      yield* demoVideos(project.dir)

      yield* step("pipeline: every stage, with the scripted demo model (labelled as such) and the local clips")
      const withPipeline = project
      yield* Console.log("a dry run first: what is ready, and what it would cost at the configured prices")
      yield* runPipeline(withPipeline, {
        dryRun: true,
        only: [],
        limit: undefined,
        model: undefined,
        concurrency: 4,
        cache: "use"
      })
      yield* Console.log("")
      yield* runPipeline(withPipeline, { only: [], limit: undefined, model: undefined, concurrency: 4, cache: "use" })
      yield* Console.log("\nwhy the pendulum clip was kept for its knowledge point, and the slides were not:")
      yield* why("local:pendulum-swing.mp4@kp-phys-002")
      yield* why("local:pendulum-slides.mp4@kp-phys-002")
      const [dropped] = yield* store.query<{ item_id: string }>(
        "SELECT item_id FROM verdicts WHERE stage = 'dependency' AND decision = 'drop' ORDER BY item_id LIMIT 1"
      )
      if (dropped !== undefined) {
        yield* Console.log(`\nwhy ${dropped.item_id} is not in the corpus:`)
        yield* why(dropped.item_id)
      }
      yield* Console.log("\nknowledge points the expand stage proposed (unused until accepted):")
      yield* reviewKnowledgePoints
      yield* Console.log("\nthe funnel:")
      yield* funnel()

      yield* step(
        "human review: a seeded sample of each generator's examples, marked through the review app's HTTP API, and the models' eligibility"
      )
      yield* demoReview(project, "generation")

      yield* step(
        "evaluation: the seven benchmarks' sample files in their published layouts, a generated clip at each of their video paths"
      )
      yield* Console.log(
        "the scripted model draws its letters from the question (it does not reason): the numbers show the machinery, not a model"
      )
      const clipPaths = Object.keys(sampleClips).map((name) => join(project.dir, "videos", name))
      const data = yield* stageBenchmarkSamples(join(project.dir, "benchmarks-eval"), clipPaths)
      const evalConfig = {
        data: Object.fromEntries(Object.entries(data).map(([t, d]) => [t, relative(project.dir, d)])),
        judge: "scripted:demo",
        frames: { maxFrames: 8, maxPixels: 160 * 120 },
        concurrency: 4
      }
      // the board's judge of open-ended answers: the scripted model stands in for a pinned, dated one
      const withEval = {
        ...project,
        config: { ...withPipeline.config, eval: evalConfig, site: { judge: "scripted:demo" } }
      }
      // the demo's settings into its videokr.config.ts, so that every command can be run again in the folder
      yield* writeTextAtomic(
        project.configPath,
        Stream.make(
          `// written by videokr demo: the settings it ran with (scripted models, the local clips, the benchmark samples)\nimport { defineConfig } from "@videokr/core"\n\nexport default defineConfig(${JSON.stringify(withEval.config, null, 2)})\n`
        )
      )
      const evalOptions = {
        model: "scripted:demo",
        tasks: [],
        data: [],
        limit: undefined,
        concurrency: undefined,
        judge: undefined,
        strict: false,
        output: undefined,
        maxFrames: undefined,
        fps: undefined,
        cache: "use" as const,
        progress: false
      }
      yield* evaluate(withEval, { ...evalOptions, mode: "video" })
      yield* Console.log("\nthe same questions with one middle frame (single-frame answerability):")
      yield* evaluate(withEval, {
        ...evalOptions,
        tasks: ["videomme", "mmvu_val", "videokr_eval"],
        mode: "single-frame"
      })
      yield* Console.log(
        "\ntraining-data difficulty: the model on seeded samples of the corpus's SFT and RL splits (a clip stands in for each video):"
      )
      const corpora = ["sft", "rl"].map((split) => join(project.exportDir, "videokr", `${split}.jsonl`))
      const videosDir = join(project.dir, "difficulty-videos")
      yield* linkClipsForCorpora(corpora, videosDir, clipPaths)
      yield* runDifficulty(withEval, {
        ...evalOptions,
        mode: "video",
        corpora: corpora.map((f, i) => `VideoKR-${["SFT", "RL"][i]}=${f}`),
        videos: videosDir,
        samples: 20,
        seed: 42
      })
      for (const name of ["main", "single-frame", "difficulty"] as const) {
        yield* Console.log("")
        yield* report(withEval, name, { json: false, output: undefined })
      }

      yield* step(
        "leaderboard site: two submissions built from eval runs, checked, re-scored, their open-ended answers judged by the board's judge, and the site built"
      )
      yield* evaluate(withEval, { ...evalOptions, model: "scripted:demo-first", mode: "video" })
      const submitted = [
        {
          from: "eval-results/demo",
          model: "Scripted demo",
          revision: "v1",
          organisation: "videokr demo",
          links: ["code=https://example.org/videokr"]
        },
        {
          from: "eval-results/demo-first",
          model: "First-option baseline",
          revision: "v1",
          organisation: "videokr demo",
          links: []
        }
      ]
      for (const s of submitted) yield* submit(withEval, { ...s, contact: "demo@example.org", out: undefined })
      yield* judgeSite(withEval, {
        submissions: "submissions",
        verdicts: undefined,
        judge: undefined,
        again: false,
        concurrency: undefined,
        cache: "use"
      })
      yield* buildSite(withEval, { submissions: "submissions", out: "site" })

      yield* step("release: the folder to upload to a dataset hub")
      yield* release(withEval, { out: "release", name: "VideoKR (demo)" })

      yield* step("training hand-off: a run folder for SFT on LLaMA-Factory, then GRPO on verl, from the corpus")
      yield* trainConfig(withEval, {
        framework: "llamafactory",
        base: "qwen2.5-vl-7b",
        stage: "both",
        out: undefined,
        skills: [],
        direct: false,
        corpus: undefined,
        dryRun: false
      })

      yield* step("stats")
      yield* Console.log(renderStats(yield* corpusStats))
    }).pipe(Effect.provide(projectStoreLayer(project)))

    yield* Console.log(`\nDemo complete: corpus ${project.corpusPath}, exports in ${project.exportDir}`)
  })
