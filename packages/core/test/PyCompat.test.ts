import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { pyRound } from "../src/PyCompat.ts"

describe("Python's round(x, 2)", () => {
  it("rounds the exact double half to even, as CPython does (3,717 values; toFixed differs on 6)", () => {
    const rows = JSON.parse(readFileSync(new URL("./vectors/python/round.json", import.meta.url), "utf8")) as Array<
      [number, number]
    >
    expect(rows.filter(([x, r]) => pyRound(x, 2) !== r)).toEqual([])
    expect(pyRound(0.125, 2)).toBe(0.12)
    expect(pyRound(2.675, 2)).toBe(2.67)
  })
})
