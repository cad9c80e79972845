import { describe, expect, it } from "vitest"
import { cohenKappa } from "../src/ReviewAgreement.ts"

// [both yes, first yes only, second yes only, both no] as pairs of ratings
const table = (yy: number, yn: number, ny: number, nn: number) => [
  ...Array.from({ length: yy }, () => [true, true] as const),
  ...Array.from({ length: yn }, () => [true, false] as const),
  ...Array.from({ length: ny }, () => [false, true] as const),
  ...Array.from({ length: nn }, () => [false, false] as const)
]

describe("Cohen's kappa", () => {
  // the worked examples of the Wikipedia article "Cohen's kappa" (section Examples), computed by hand there
  it("matches the textbook examples", () => {
    expect(cohenKappa(table(20, 5, 10, 15))).toEqual({ observed: 0.7, kappa: expect.closeTo(0.4, 10) })
    expect(cohenKappa(table(45, 15, 25, 15))!.kappa).toBeCloseTo(0.1304, 4)
    expect(cohenKappa(table(25, 35, 5, 35))!.kappa).toBeCloseTo(0.2593, 4)
  })

  it("is undefined without pairs, or when both raters always gave one answer", () => {
    expect(cohenKappa([])).toBeNull()
    expect(cohenKappa(table(7, 0, 0, 0))).toEqual({ observed: 1, kappa: null })
    expect(cohenKappa(table(0, 3, 3, 0))!.kappa).toBe(-1)
  })
})
