import { describe, expect, it } from "vitest"
import { allocate, wilsonInterval } from "../src/Review.ts"

describe("review sampling and eligibility arithmetic", () => {
  it("shares a sample over strata in proportion, by largest remainder, never beyond a stratum", () => {
    expect(allocate([15, 15, 15, 13], 10)).toEqual([3, 3, 2, 2])
    expect(allocate([1, 99], 10)).toEqual([0, 10])
    expect(allocate([2, 50], 100)).toEqual([2, 50])
    expect(allocate([5, 5], 0)).toEqual([0, 0])
    expect(allocate([3, 3, 3], 4).reduce((a, b) => a + b, 0)).toBe(4)
  })

  it("gives the Wilson 95% interval (values from the textbook formula, z = 1.96)", () => {
    // 0 errors in 100: the upper bound is 3.70%, above the 3% threshold, as small samples should be
    const none = wilsonInterval(0, 100)
    expect(none.low).toBe(0)
    expect(none.high).toBeCloseTo(0.037, 4)
    const some = wilsonInterval(2, 10)
    expect(some.low).toBeCloseTo(0.0567, 3)
    expect(some.high).toBeCloseTo(0.5098, 3)
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 })
  })
})
