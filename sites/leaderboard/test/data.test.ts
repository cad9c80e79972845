import { describe, expect, it } from "vitest"
import { awaitingNote, count, judgeSentence, minSamplesForInterval, spread } from "../src/data.ts"

/** The board's small formatting rules, without a browser. */
describe("the board's numbers", () => {
  it("shows ± (half the interval) only from 30 scored samples, else says why", () => {
    expect(minSamplesForInterval).toBe(30)
    expect(spread({ scored: 4, interval: { low: 25, high: 100 } })).toEqual({
      note: "n=4, too few for an interval"
    })
    expect(spread({ scored: 30, interval: { low: 60.2, high: 68.4 } })).toEqual({
      pm: "±4.1",
      title: "95% bootstrap interval 60.2–68.4, 30 samples"
    })
    expect(spread({ scored: 1200, interval: undefined })).toEqual({})
    expect(spread({ scored: 29, interval: { low: 1, high: 2 } })).toEqual({ note: "n=29, too few for an interval" })
    expect(spread({ scored: 0, interval: undefined })).toEqual({})
  })

  it("writes counts as integers and says what awaits the judge", () => {
    expect(count(23)).toBe("23")
    expect(count(1234.0)).toBe("1,234")
    expect(count(null)).toBe("–")
    expect(awaitingNote({ awaiting: 0 })).toBeUndefined()
    expect(awaitingNote({ awaiting: 2 })).toBe("2 awaiting judge")
  })

  it("names the judge and its prompt version, or says there are no verdicts yet", () => {
    expect(judgeSentence({ model: null, promptVersion: "p1", verdicts: 0, awaiting: 6 })).toContain(
      "6 output(s) are awaiting judge"
    )
    const named = judgeSentence({ model: "openai:gpt-x", promptVersion: "p1", verdicts: 10, awaiting: 1 })
    expect(named).toContain("by the judge openai:gpt-x (prompt version p1)")
    expect(named).toContain("10 verdict(s) used, 1 output(s) awaiting judge")
  })
})
