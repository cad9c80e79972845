import { describe, expect, it } from "@effect/vitest"
import { chmodSync, existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit } from "effect"
import * as Media from "../src/Media.ts"
import { makeYoutubeSource } from "../src/sources/YoutubeSource.ts"
import { scratchDir } from "./support.ts"
import { sourceConformance } from "../src/testing/index.ts"
import { testVideos } from "../src/testing/videos.ts"

// yt-dlp is replaced by a stand-in executable that replays recorded --dump-json output (no network here)
const standin = fileURLToPath(new URL("./support/yt-dlp-standin.mjs", import.meta.url))
chmodSync(standin, 0o755)
process.env.YTDLP_RECORDS = fileURLToPath(new URL("./fixtures/yt-dlp/search-titration.jsonl", import.meta.url))
process.env.YTDLP_VIDEO = testVideos().base!
const failure = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as any).error : undefined

describe("the youtube source (yt-dlp stand-in replaying recorded JSON)", () => {
  it.effect("keeps Creative Commons videos within the duration bounds, and says why it drops the others", () =>
    Effect.gen(function* () {
      const source = makeYoutubeSource({ ytdlp: standin, minDuration: 60, maxDuration: 1200 })
      const assessed = yield* source.searchAssessed("acid base titration burette", 10)
      const kept = assessed.flatMap((a) => ("video" in a ? [a.video.id] : []))
      expect(kept).toEqual(["youtube:Xk3vQ9pL2aB", "youtube:mN7_pQr2sT4", "youtube:Zx1Cv2Bn3Mq"])
      const why = Object.fromEntries(assessed.flatMap((a) => ("rejected" in a ? [[a.id, a.rejected]] : [])))
      expect(why).toEqual({
        "Zq8-Lk2Wp0r": "longer than 1200 s (1845 s)",
        Ab1Cd2Ef3Gh: "license is not given, not Creative Commons",
        Qw9Er8Ty7Ui: "live stream (is_live)",
        As5Df6Gh7Jk: "age-restricted (18+)",
        Po9Iu8Yt7Re: "shorter than 60 s (38 s)"
      })
      const [first] = yield* source.search("titration", { limit: 3 })
      expect(first!.video).toMatchObject({
        source: "youtube",
        source_id: "Xk3vQ9pL2aB",
        license: "Creative Commons Attribution license (reuse allowed)",
        duration: 312,
        channel: "University Chemistry Teaching Labs",
        tags: ["titration", "burette", "chemistry lab"]
      })
      const sparse = assessed.find((a) => "video" in a && a.video.source_id === "Zx1Cv2Bn3Mq") as { video: any }
      expect(sparse.video).toEqual(expect.objectContaining({ channel: "ceramics_studio" }))
      expect("description" in sparse.video || "tags" in sparse.video).toBe(false)
    })
  )

  it.effect("downloads (format-limited, resumable) to a real, probeable file; failures are clear errors", () =>
    Effect.gen(function* () {
      const source = makeYoutubeSource({ ytdlp: standin, maxHeight: 480 })
      const [candidate] = yield* source.search("titration", { limit: 1 })
      const dir = scratchDir("videokr-yt-")
      const path = yield* source.download(candidate!, dir)
      expect(path).toBe(join(dir, "Xk3vQ9pL2aB.mp4"))
      expect(existsSync(path)).toBe(true)
      const media = yield* Media.Media
      expect((yield* media.probe(path)).duration).toBeCloseTo(10, 1)
      const gone = {
        video: { ...candidate!.video, id: "youtube:Zz0Unavail0", url: "https://www.youtube.com/watch?v=Zz0Unavail0" }
      }
      expect(failure(yield* Effect.exit(source.download(gone, dir))).message).toBe(
        "youtube youtube:Zz0Unavail0: ERROR: [youtube] Zz0Unavail0: Video unavailable. This video has been removed by the uploader"
      )
      const missing = makeYoutubeSource({ ytdlp: "/nonexistent/yt-dlp" })
      expect(failure(yield* Effect.exit(missing.search("x", { limit: 1 }))).message).toMatch(
        /yt-dlp not found at "\/nonexistent\/yt-dlp"; install it or set its path/
      )
    }).pipe(Effect.provide(Media.layer({ cacheDir: scratchDir() })))
  )
})

// the kit as well: search results, limits, downloads and a gone video (the stand-in plays no network faults)
describe("the youtube source passes the source kit", () => {
  for (const check of sourceConformance)
    it(check.name, () =>
      check.run({ make: () => makeYoutubeSource({ ytdlp: standin }), query: "titration", nothing: "xylophone" })
    )
})
