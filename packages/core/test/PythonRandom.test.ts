import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { PythonRandom } from "../src/PythonRandom.ts"
import { vectors } from "./support.ts"

// Vectors produced by CPython 3.11 (Debian) outside this repository; see vectors/exports/README.md.
const cases = JSON.parse(readFileSync(vectors("python-random.json"), "utf8")) as Array<{
  seed: number
  n: number
  shuffled: Array<number>
  getrandbits32: Array<number>
}>

describe("PythonRandom", () => {
  it("has vectors to check against", () => expect(cases.length).toBeGreaterThanOrEqual(7))
  for (const c of cases) {
    it(`matches CPython for seed ${c.seed}, n ${c.n}`, () => {
      const bits = new PythonRandom(c.seed)
      expect(c.getrandbits32.map(() => bits.getrandbits(32))).toEqual(c.getrandbits32)
      expect(new PythonRandom(c.seed).shuffle(Array.from({ length: c.n }, (_, i) => i))).toEqual(c.shuffled)
    })
  }
})
