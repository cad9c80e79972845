import { describe, expect, it } from "@effect/vitest"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"
import {
  benchmarkYoutubeIds,
  contaminatedById,
  nearDuplicatesOfBenchmark,
  youtubeIdInFileName,
  youtubeIdsInText
} from "../src/Contamination.ts"
import * as Media from "../src/Media.ts"
import { scratchDir } from "./support.ts"
import { testVideos } from "../src/testing/videos.ts"

describe("YouTube ids in benchmark metadata", () => {
  it("are found in every URL form and as bare ids, but not in ordinary words", () => {
    const text = `see https://www.youtube.com/watch?v=fFjv93ACGo8 and https://youtu.be/aB3_xY-9zQk?t=42,
      https://www.youtube.com/watch?feature=share&v=Q1w2E3r4T5y, https://youtube.com/shorts/ZZ9yy8XX7ww
      https://www.youtube-nocookie.com/embed/k0k0k0k0k0K ; {"videoID": "Ab1Cd2Ef3Gh"} experiments laboratory`
    expect([...youtubeIdsInText(text)].sort()).toEqual(
      ["Ab1Cd2Ef3Gh", "Q1w2E3r4T5y", "ZZ9yy8XX7ww", "aB3_xY-9zQk", "fFjv93ACGo8", "k0k0k0k0k0K"].sort()
    )
    expect([...youtubeIdsInText("experiments, chromosomes and thermometer readings")]).toEqual([])
  })

  it("are read from video file names in the benchmarks' naming styles", () => {
    expect(youtubeIdInFileName("/data/videomme/fFjv93ACGo8.mp4")).toBe("fFjv93ACGo8")
    expect(youtubeIdInFileName("clips/aB3_xY-9zQk_12_40.mp4")).toBe("aB3_xY-9zQk")
    expect(youtubeIdInFileName("v_Q1w2E3r4T5y.mkv")).toBe("Q1w2E3r4T5y")
    expect(youtubeIdInFileName("titration_demo.mp4")).toBeUndefined()
    expect(youtubeIdInFileName("experiments.mp4")).toBeUndefined()
  })

  it.effect(
    "are collected from JSONL, CSV, parquet and video folders, remembering where, and flag matching corpus videos",
    () =>
      Effect.gen(function* () {
        const root = scratchDir("videokr-bench-meta-")
        mkdirSync(join(root, "videos"))
        writeFileSync(
          join(root, "test.jsonl"),
          JSON.stringify({ question_id: 1, url: "https://www.youtube.com/watch?v=fFjv93ACGo8" }) + "\n"
        )
        writeFileSync(join(root, "meta.csv"), "video_id,duration\nAb1Cd2Ef3Gh,120\n")
        writeFileSync(join(root, "videos", "Q1w2E3r4T5y.mp4"), "")
        const instance = yield* Effect.promise(() => DuckDBInstance.create(":memory:"))
        const c = yield* Effect.promise(() => instance.connect())
        yield* Effect.promise(() =>
          c.run(
            `COPY (SELECT 'https://youtu.be/ZZ9yy8XX7ww' AS url, 'physics' AS domain) TO '${join(root, "test.parquet")}' (FORMAT parquet)`
          )
        )
        c.closeSync()
        instance.closeSync()
        const ids = yield* benchmarkYoutubeIds([root])
        expect([...ids.keys()].sort()).toEqual(["Ab1Cd2Ef3Gh", "Q1w2E3r4T5y", "ZZ9yy8XX7ww", "fFjv93ACGo8"].sort())
        expect(ids.get("Q1w2E3r4T5y")).toBe(join(root, "videos", "Q1w2E3r4T5y.mp4"))
        const corpus = [
          {
            id: "youtube:fFjv93ACGo8",
            source: "youtube",
            source_id: "fFjv93ACGo8",
            url: "https://www.youtube.com/watch?v=fFjv93ACGo8"
          },
          {
            id: "youtube:Xk3vQ9pL2aB",
            source: "youtube",
            source_id: "Xk3vQ9pL2aB",
            url: "https://www.youtube.com/watch?v=Xk3vQ9pL2aB"
          },
          { id: "urls:1", source: "urls", source_id: "1", url: "https://youtu.be/ZZ9yy8XX7ww" }
        ]
        expect(contaminatedById(corpus, ids)).toEqual([
          { videoId: "youtube:fFjv93ACGo8", youtubeId: "fFjv93ACGo8", seenIn: join(root, "test.jsonl") },
          { videoId: "urls:1", youtubeId: "ZZ9yy8XX7ww", seenIn: join(root, "test.parquet") }
        ])
      })
  )
})

describe("near-duplicates of benchmark videos", () => {
  it.effect("flag a corpus video that is a re-encoded benchmark video, and only corpus-benchmark pairs", () =>
    Effect.gen(function* () {
      const media = yield* Media.Media
      const v = testVideos()
      const fp = (id: string, name: string) =>
        Effect.map(media.fingerprint(v[name]!, { mode: "uniform", count: 8 }), (hashes) => ({ id, hashes }))
      const corpus = [
        yield* fp("corpus-a", "reencoded"),
        yield* fp("corpus-b", "life"),
        yield* fp("corpus-c", "rescaled")
      ]
      const bench = [yield* fp("bench-1", "base"), yield* fp("bench-2", "bars")]
      const pairs = nearDuplicatesOfBenchmark(corpus, bench, { maxDistance: 6, minMatches: 2 })
      expect(pairs.map((p) => [p.a, p.b])).toEqual([
        ["corpus-a", "bench-1"],
        ["corpus-c", "bench-1"]
      ])
    }).pipe(Effect.provide(Media.layer({ cacheDir: scratchDir("videokr-frames-") })))
  )
})
