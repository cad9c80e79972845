import { execFile } from "node:child_process"
import { mkdir, rm, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect, Stream } from "effect"
import {
  CorpusStore, corpusStats, exportCorpus, exportFormats, findNearDuplicates, importFile, initProject, loadProject, makeLocalSource,
  markDownloaded, Media, projectStoreLayer, recordModelCall, sampleFiles, splitCorpus, storeFingerprint, thresholdSummary, VideosKind
} from "@videokr/core"
import { makeModels, middlewareLayer } from "@videokr/providers"
import { renderStats, sampleDir } from "./Commands.ts"
import { funnel, runPipeline, why } from "./RunCommand.ts"
import { formatBytes, table } from "./Output.ts"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * The end-to-end demo on the bundled sample. Today: a fresh project, import of the knowledge bank, seed
 * examples, videos and examples, the seeded split, every export format, a model call through the
 * provider middleware, a few generated clips through the local source (probe, frames, hashes,
 * near-duplicates), the pipeline's scenarios stage with the scripted demo model and its search stage over
 * those clips, and the corpus statistics (with model usage). Later stages (generation, validation, evaluation, site) join as they land.
 */

/** Short clips made with ffmpeg's test sources: a lab-like pattern, a re-encoded copy of it, and a different one. */
const clips: Record<string, Array<string>> = {
  "titration-demo.mp4": ["-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
  "titration-demo-reupload.mp4": ["-i", "{first}", "-c:v", "libx264", "-crf", "36", "-pix_fmt", "yuv420p"],
  "mandelbrot-zoom.mp4": ["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
}

const demoVideos = (projectDir: string) =>
  Effect.gen(function* () {
    const media = yield* Media.Media
    const dir = join(projectDir, "videos")
    yield* Effect.promise(() => mkdir(dir, { recursive: true }))
    for (const [name, args] of Object.entries(clips)) {
      const full = ["-hide_banner", "-loglevel", "error", "-y", ...args.map((a) => a.replace("{first}", join(dir, "titration-demo.mp4"))), join(dir, name)]
      yield* Effect.promise(() => new Promise<void>((ok, no) => execFile(media.binaries.ffmpeg, full, (e) => (e ? no(e) : ok()))))
    }
    yield* Effect.promise(() => writeFile(join(dir, "videos.jsonl"), [
      { file: "titration-demo.mp4", title: "Laboratory demonstration: acid-base titration (generated test pattern)", license: "CC BY 4.0" },
      { file: "titration-demo-reupload.mp4", title: "Laboratory demonstration of a titration, re-uploaded", license: "Standard YouTube License" },
      { file: "mandelbrot-zoom.mp4", title: "Mandelbrot zoom (generated)", license: "CC0" }
    ].map((r) => JSON.stringify(r)).join("\n") + "\n"))
    const source = yield* makeLocalSource({ root: dir, sidecar: join(dir, "videos.jsonl") })
    const store = yield* CorpusStore.CorpusStore
    yield* store.ingest(VideosKind, Stream.make(source.scan.candidates.map((c, i) => ({ value: c.video, extra: undefined, line: i + 1 }))), { file: join(dir, "videos.jsonl"), sha256: "local-scan", replace: false })
    const spec = { mode: "uniform" as const, count: 8, maxPixels: 224 * 224 }
    const fingerprints = []
    for (const c of source.scan.candidates) {
      yield* markDownloaded(c.video.id, c.localPath!)
      const frames = yield* media.sampleFrames(c.localPath!, spec)
      const hashes = yield* Effect.forEach(frames, (f) => media.imageHash(f.path))
      yield* storeFingerprint(c.video.id, spec, frames, hashes)
      fingerprints.push({ id: c.video.id, hashes })
      yield* Console.log(`${c.video.id}: ${c.video.duration.toFixed(1)} s, ${frames.length} frames of ${frames[0]!.width}x${frames[0]!.height}, license ${c.video.license}`)
    }
    const pairs = findNearDuplicates(fingerprints, { maxDistance: 6, minMatches: 2 })
    for (const p of pairs) yield* Console.log(`near-duplicates: ${p.a} ~ ${p.b} (${p.matches.length} matching frames, closest ${p.distance} bits)`)
    const summary = thresholdSummary(source.scan.candidates.map((c) => c.video.id), pairs, [2, 4, 6])
    yield* Console.log(table(["threshold (bits)", "pairs", "videos to remove"], summary.map((s) => [s.threshold, s.pairs, s.removed])))
  }).pipe(Effect.provide(Media.layer({ cacheDir: join(projectDir, ".videokr/frames") })))
export const runDemo = (dir: string | undefined) =>
  Effect.gen(function* () {
    const target = resolve(dir ?? join(repoRoot, "demo-output"))
    yield* Effect.promise(() => rm(target, { recursive: true, force: true }))
    const step = (title: string) => Console.log(`\n== ${title}`)

    yield* step(`project: ${target}`)
    yield* initProject(target, sampleDir)
    const project = yield* loadProject(target, { search: false })

    yield* Effect.gen(function* () {
      yield* step("import")
      const files = sampleFiles.filter((f) => f !== "knowledge-bank.jsonl") // the CSV copy of the same bank
      const imported = yield* Effect.forEach(files, (f) => importFile(join(project.dir, "data", f)))
      yield* Console.log(table(["file", "kind", "records"], imported.map((r, i) => [`data/${files[i]}`, r.kind, r.records])))

      yield* step("split (seed 42)")
      const split = yield* splitCorpus({ seed: project.config.split?.seed ?? 42, sftFraction: project.config.split?.sftFraction ?? 0.638 })
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
        record: (call) => Effect.orDie(recordModelCall(call).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
      }).pipe(Effect.provide(middlewareLayer))
      const echo = yield* models.resolve("scripted:echo", { stage: "demo" })
      const question = { messages: [{ role: "user" as const, content: "Which apparatus delivers a titrant drop by drop?" }] }
      const first = yield* echo.chat(question)
      const again = yield* echo.chat(question)
      yield* Console.log(`${first.provider}: "${first.text}" (${again.cached ? "asked again: answered from the cache" : "asked again: paid again"})`)

      yield* step("videos (generated clips, the local source, frames, perceptual hashes, near-duplicates)")
      yield* demoVideos(project.dir)

      yield* step("pipeline: scenarios for every knowledge point (scripted:demo, labelled as such), search in the local clips, metadata relevance")
      const withSources = {
        ...project,
        config: { ...project.config, pipeline: { models: { scenarios: "scripted:demo", metadata: "scripted:demo" }, sources: [{ type: "local" as const, root: "videos", sidecar: "videos/videos.jsonl" }] } }
      }
      yield* runPipeline(withSources, { only: ["scenarios", "search", "metadata"], limit: undefined, model: undefined, concurrency: 4, cache: "use" })
      yield* Console.log("\nwhy kp-phys-001 was kept, and what its first scenario found:")
      yield* why("kp-phys-001")
      yield* why("kp-phys-001#s1")
      yield* Console.log("\nthe funnel so far:")
      yield* funnel

      yield* step("stats")
      yield* Console.log(renderStats(yield* corpusStats))
    }).pipe(Effect.provide(projectStoreLayer(project)))

    yield* Console.log(`\nDemo complete: corpus ${project.corpusPath}, exports in ${project.exportDir}`)
  })
