/**
 * @videokr/core/testing — test data for users of the core (and its own tests and benchmarks).
 *
 * @module @videokr/core/testing
 */
import { PythonRandom } from "../PythonRandom.ts"

/**
 * `n` 64-bit hashes (as hi/lo words), random except that every `every`-th is a copy of an earlier one with
 * 0 to `maxFlips` bits flipped: planted near-duplicates. Seeded, so the same arguments give the same set.
 */
export const syntheticHashes = (
  n: number,
  options: { readonly seed: number; readonly every: number; readonly maxFlips: number }
) => {
  const rng = new PythonRandom(options.seed)
  const hi = new Uint32Array(n)
  const lo = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % options.every === 0) {
      const src = rng.randbelow(i)
      hi[i] = hi[src]!
      lo[i] = lo[src]!
      for (let f = rng.randbelow(options.maxFlips + 1); f > 0; f--) {
        const bit = rng.randbelow(64)
        if (bit < 32) hi[i] = (hi[i]! ^ (1 << bit)) >>> 0
        else lo[i] = (lo[i]! ^ (1 << (bit - 32))) >>> 0
      }
    } else {
      hi[i] = rng.getrandbits(32)
      lo[i] = rng.getrandbits(32)
    }
  }
  return { hi, lo }
}

/** Set bits of a 32-bit word, by Kernighan's method: independent of the implementation under test. */
export const popcount32 = (x: number): number => {
  let c = 0
  for (let v = x >>> 0; v !== 0; v = (v & (v - 1)) >>> 0) c++
  return c
}
export { testVideos } from "./videos.ts"
export { type Asked, scriptedModels } from "./ScriptedModels.ts"
export {
  type CheckConformance,
  checkConformance,
  type CheckSubject,
  sampleCandidates,
  sampleExamples
} from "./CheckConformance.ts"
export { type SourceConformance, sourceConformance, type SourceSubject } from "./SourceConformance.ts"
export { type CommandResult, installedVideokr, sendBytes } from "./Http.ts"
