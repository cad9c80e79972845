import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Media from "../src/Media.ts"
import { findNearDuplicates, hashPairsWithin, removalPlan, thresholdSummary } from "../src/NearDuplicates.ts"
import { popcount32, syntheticHashes } from "../src/testing/index.ts"
import { scratchDir } from "./support.ts"
import { testVideos } from "../src/testing/videos.ts"

describe("multi-index hashing", () => {
  it("finds exactly the pairs a brute-force scan finds, each once, at every threshold", () => {
    const n = 3_000
    const { hi, lo } = syntheticHashes(n, { seed: 11, every: 7, maxFlips: 12 })
    const close: Array<[number, number, number]> = []
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const d = popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!)
        if (d <= 16) close.push([i, j, d])
      }
    for (const t of [0, 3, 4, 7, 8, 12, 16]) {
      const found: Array<string> = []
      hashPairsWithin(hi, lo, t, (i, j, d) => found.push(`${i}-${j}-${d}`))
      const brute = close.filter(([, , d]) => d <= t).map(([i, j, d]) => `${i}-${j}-${d}`)
      expect([t, found.sort()]).toEqual([t, brute.sort()])
      if (t >= 8) expect(brute.length).toBeGreaterThan(100)
    }
  })
})

describe("near-duplicate videos", () => {
  it.effect(
    "pairs the re-encoded, rescaled, trimmed and watermarked copies with the original, and nothing else; nothing is deleted",
    () =>
      Effect.gen(function* () {
        const media = yield* Media.Media
        const videos = testVideos()
        const order = [
          "base",
          "reencoded",
          "rescaled",
          "trimmed",
          "watermarked",
          "mandelbrot",
          "life",
          "bars",
          "lecture"
        ]
        const fingerprints = yield* Effect.forEach(order, (id) =>
          Effect.map(media.fingerprint(videos[id]!, { mode: "uniform", count: 8 }), (hashes) => ({ id, hashes }))
        )
        const pairs = findNearDuplicates(fingerprints, { maxDistance: 8, minMatches: 2 })
        const withBase = pairs.filter((p) => p.a === "base").map((p) => p.b)
        expect(withBase.sort()).toEqual(["reencoded", "rescaled", "trimmed", "watermarked"])
        expect(
          pairs.some(
            (p) =>
              ["mandelbrot", "life", "bars", "lecture"].includes(p.a) ||
              ["mandelbrot", "life", "bars", "lecture"].includes(p.b)
          )
        ).toBe(false)
        // why: the matching frames with their distances
        const reencoded = pairs.find((p) => p.b === "reencoded")!
        expect(reencoded.matches.length).toBeGreaterThanOrEqual(6)
        expect(reencoded.matches[0]).toMatchObject({ distance: 0 })
        // the plan keeps the first of the group and removes the copies
        expect(removalPlan(order, pairs)).toEqual(["reencoded", "rescaled", "trimmed", "watermarked"])
        const summary = thresholdSummary(order, pairs, [0, 2, 4, 8])
        expect(summary.map((s) => s.removed)).toEqual([4, 4, 4, 4])
        expect(summary.every((s, i) => i === 0 || s.pairs >= summary[i - 1]!.pairs)).toBe(true)
      }).pipe(Effect.provide(Media.layer({ cacheDir: scratchDir("videokr-frames-") })))
  )

  it("removal keeps one of each group, in the given order, even along chains", () => {
    expect(
      removalPlan(
        ["a", "b", "c", "d"],
        [
          { a: "a", b: "b" },
          { a: "b", b: "c" }
        ]
      )
    ).toEqual(["b"])
    expect(
      removalPlan(
        ["c", "b", "a"],
        [
          { a: "a", b: "b" },
          { a: "b", b: "c" }
        ]
      )
    ).toEqual(["b"])
  })
})
