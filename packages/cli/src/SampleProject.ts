import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { FileError, initProject, Media, reasonOf } from "@videokr/core"

/**
 * The sample project `videokr init` makes and the demo runs: the bundled sample data, short clips made
 * with ffmpeg in a local video source, a stand-in benchmark, and a config that runs every stage of the
 * pipeline offline on the scripted model, with comments that show how to switch each stage to a provider.
 */

/** The sample data: sample/ in the published package (copied there when it is packed), else the checkout's fixtures/sample. */
const sampleDirs = [new URL("../sample/", import.meta.url), new URL("../../../fixtures/sample/", import.meta.url)].map(
  (u) => fileURLToPath(u)
)
export const sampleDir = sampleDirs.find((dir) => existsSync(join(dir, "seeds.jsonl"))) ?? sampleDirs[1]!

/** The files `videokr import` takes, in the order to import them (data/ also holds knowledge-bank.jsonl, the same bank as JSONL). */
export const sampleImports = [
  "data/knowledge-bank.csv",
  "data/seeds.jsonl",
  "data/videos.jsonl",
  "data/examples.jsonl"
] as const

/**
 * Short clips made with ffmpeg's test sources, titled so that the scripted model has something to keep
 * and something to reject at every stage: a lab-like pattern and two copies of it (one not Creative
 * Commons, one a CC near-duplicate), a lecture slide, a clean pendulum clip, a "graphic" crash test, and
 * a clip that the stand-in evaluation benchmark also holds.
 */
export const sampleClips: Record<
  string,
  { readonly args: ReadonlyArray<string>; readonly title: string; readonly license: string }
> = {
  "titration-demo.mp4": {
    args: ["-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    title: "Laboratory demonstration: acid-base titration (generated test pattern)",
    license: "CC BY 4.0"
  },
  "titration-demo-reupload.mp4": {
    args: ["-i", "{first}", "-c:v", "libx264", "-crf", "36", "-pix_fmt", "yuv420p"],
    title: "Laboratory demonstration of a titration, re-uploaded",
    license: "Standard YouTube License"
  },
  "titration-demo-mirror.mp4": {
    args: ["-i", "{first}", "-c:v", "libx264", "-crf", "30", "-pix_fmt", "yuv420p"],
    title: "Acid-base titration demonstration (mirror copy)",
    license: "CC BY 4.0"
  },
  "pendulum-slides.mp4": {
    args: [
      "-f",
      "lavfi",
      "-i",
      "color=c=0x202840:s=320x240:r=25:d=4",
      "-vf",
      "drawbox=x=40:y=40:w=240:h=20:color=white:t=fill,drawbox=x=40:y=90:w=180:h=12:color=white:t=fill",
      "-c:v",
      "libx264",
      "-pix_fmt",
      "yuv420p"
    ],
    title: "Lecture slides: period of a simple pendulum",
    license: "CC BY 4.0"
  },
  "pendulum-swing.mp4": {
    args: [
      "-f",
      "lavfi",
      "-i",
      "life=size=320x240:rate=25:mold=10:ratio=0.1",
      "-t",
      "4",
      "-c:v",
      "libx264",
      "-pix_fmt",
      "yuv420p"
    ],
    title: "Simple pendulum swinging: measuring the period",
    license: "CC BY-SA 4.0"
  },
  "crash-test.mp4": {
    args: ["-f", "lavfi", "-i", "smptebars=size=320x240:rate=25", "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    title: "Conservation of linear momentum: car crash test (graphic footage)",
    license: "CC BY 4.0"
  },
  "ohms-law-demo.mp4": {
    args: ["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    title: "Ohm's law demonstration: series and parallel resistors",
    license: "CC0"
  }
}

const ffmpeg = (bin: string, args: ReadonlyArray<string>, output: string) =>
  Effect.tryPromise({
    try: () =>
      new Promise<void>((ok, no) =>
        execFile(bin, ["-hide_banner", "-loglevel", "error", "-y", ...args, output], (e, _out, stderr) =>
          e ? no(new Error(stderr.trim() || e.message)) : ok()
        )
      ),
    catch: (e) => new FileError({ path: output, operation: `make with ffmpeg (${bin})`, reason: reasonOf(e) })
  })

/**
 * The clips under videos/ with their sidecar (titles and licenses), and a stand-in evaluation benchmark
 * as released (metadata with a YouTube id, and a video folder holding a re-encoded copy of one clip).
 */
export const writeSampleVideos = (projectDir: string) =>
  Effect.gen(function* () {
    const media = yield* Media.Media
    const dir = join(projectDir, "videos")
    const bench = join(projectDir, "benchmarks", "sample-bench")
    const io = (path: string) => (e: unknown) => new FileError({ path, operation: "write", reason: reasonOf(e) })
    yield* Effect.tryPromise({
      try: () => mkdir(join(bench, "videos"), { recursive: true }).then(() => mkdir(dir, { recursive: true })),
      catch: io(dir)
    })
    for (const [name, clip] of Object.entries(sampleClips)) {
      yield* ffmpeg(
        media.binaries.ffmpeg,
        clip.args.map((a) => a.replace("{first}", join(dir, "titration-demo.mp4"))),
        join(dir, name)
      )
    }
    const sidecar = join(dir, "videos.jsonl")
    const lines = Object.entries(sampleClips).map(([file, c]) =>
      JSON.stringify({ file, title: c.title, license: c.license })
    )
    yield* Effect.tryPromise({ try: () => writeFile(sidecar, lines.join("\n") + "\n"), catch: io(sidecar) })
    const metadata = join(bench, "test.json")
    yield* Effect.tryPromise({
      try: () => writeFile(metadata, JSON.stringify([{ video_id: "dQw4w9WgXcQ", question: "What is shown?" }]) + "\n"),
      catch: io(metadata)
    })
    yield* ffmpeg(
      media.binaries.ffmpeg,
      ["-i", join(dir, "ohms-law-demo.mp4"), "-c:v", "libx264", "-crf", "32", "-pix_fmt", "yuv420p"],
      join(bench, "videos", "bench-0001.mp4")
    )
    return Object.keys(sampleClips).map((name) => join(dir, name))
  }).pipe(Effect.provide(Media.layer({ cacheDir: join(projectDir, ".videokr/frames") })))

/** videokr.config.ts of the sample project: every stage offline on the scripted model, and how to change that. */
export const sampleConfig = `import { defineConfig } from "@videokr/core"

// A project made by \`videokr init\`: the sample knowledge bank, seed examples, videos and examples in
// data/, seven generated clips in videos/ (found by a local source), and a stand-in evaluation benchmark
// in benchmarks/. Every stage runs on "scripted:demo", a deterministic model that works offline, costs
// nothing and labels what it produces, so that \`videokr run\` works at once.
//
// To use real models, put a model id in place of "scripted:demo" (stage by stage, or in the pool):
//   "openai:gpt-4o-mini", "openai:gpt-4o"               OPENAI_API_KEY from the environment
//   "anthropic:claude-sonnet-4-5"                        ANTHROPIC_API_KEY
//   "openai-compatible:http://localhost:8000/v1#qwen2.5-vl-7b"   vLLM, SGLang, Ollama, LM Studio
// \`videokr models check\` tries each configured model; \`videokr run --dry-run\` counts and prices a run first.
export default defineConfig({
  // the corpus (one DuckDB file) and where exports go, relative to this folder
  corpus: "corpus.duckdb",
  exportDir: "exports",
  // seeded SFT/RL split: the same seed gives the same split
  split: { seed: 42, sftFraction: 0.638 },
  models: {
    // generation and the validators draw one model per item from a pool, seeded by poolSeed;
    // e.g. frontier: [{ model: "openai:gpt-4o", weight: 2 }, { model: "anthropic:claude-sonnet-4-5" }]
    pools: { sample: [{ model: "scripted:demo" }, { model: "scripted:demo-alt" }] },
    poolSeed: 7
    // prices: { "openai:gpt-4o": { input: 2.5, output: 10 } },   // $ per 1M tokens, for spend and --dry-run
    // limits: { "openai:gpt-4o": { requestsPerMinute: 500, tokensPerMinute: 30000, concurrency: 16 } }
  },
  pipeline: {
    models: {
      expand: "scripted:demo",       // proposes knowledge points for pipeline.expand's subjects; a text model, e.g. "openai:gpt-4o-mini"
      scenarios: "scripted:demo",    // filmable scenarios per knowledge point; a text model
      metadata: "scripted:demo",     // judges titles, descriptions and tags; a text model
      visual: "scripted:demo",       // judges sampled frames; a multimodal model, e.g. "openai:gpt-4o"
      safety: "scripted:demo",       // moderation by a model prompt; or checks: [{ use: "openai-moderation", replaces: "safety" }]
      generation: "pool:sample",     // writes the examples; a multimodal model or a pool
      consistency: "pool:sample",    // other models answer each example; they must agree
      dependency: "scripted:demo",   // answers without the video: what it gets right is dropped
      verification: "pool:sample"    // checks each rationale
    },
    expand: { subjects: [{ discipline: "Natural Sciences", subject: "Physics" }, { discipline: "Engineering", subject: "Civil Engineering" }], count: 5 },
    // where videos come from: this folder of clips; for the web: { type: "youtube" } (yt-dlp, Creative Commons only)
    sources: [{ type: "local", root: "videos", sidecar: "videos/videos.jsonl" }],
    frames: { count: 4, maxPixels: 224 * 224 },
    consistency: { k: 1 },
    // benchmarks the corpus must not overlap (metadata files and video folders, as released)
    benchmarks: [{ name: "sample-bench", paths: ["benchmarks/sample-bench"] }],
    // the sample's RL set is small: hold out 4 examples for verl's validation file instead of 500
    release: { verlValSize: 4 }
  },
  // the leaderboard's judge of open-ended answers (videokr site judge); pin a dated model, e.g. "openai:gpt-4o-2024-08-06"
  site: { judge: "scripted:demo" }
})
`

/** `videokr init`: the sample project (data, clips, a config that runs), or with `minimal` a config alone. */
export const initSampleProject = (dir: string, template: "sample" | "minimal") =>
  Effect.gen(function* () {
    if (template === "minimal") return { ...(yield* initProject(dir)), videos: [] as ReadonlyArray<string> }
    let videos: ReadonlyArray<string> = []
    const made = yield* initProject(dir, {
      sampleDir,
      config: sampleConfig,
      prepare: (at) => Effect.map(writeSampleVideos(at), (v) => (videos = v))
    })
    return { ...made, videos }
  })
