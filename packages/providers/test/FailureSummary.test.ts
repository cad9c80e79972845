import { describe, expect, it } from "@effect/vitest"
import { RateLimited, ServerError, Timeout } from "@videokr/core"
import { renderFailureSummary, summarizeFailures } from "../src/FailureSummary.ts"

describe("failure summary", () => {
  it("groups failures by kind and model, most frequent first, with one example each", () => {
    const failures = [
      ...Array.from(
        { length: 3 },
        (_, i) => new ServerError({ provider: "openai", model: "gpt-4o", detail: `503 #${i}`, status: 503 })
      ),
      new Timeout({ provider: "anthropic", model: "claude", detail: "no answer in 120 s" }),
      new RateLimited({ provider: "openai", model: "gpt-4o", detail: "tokens", retryAfterMs: 2000 })
    ]
    const groups = summarizeFailures(failures)
    expect(groups.map((g) => [g.kind, g.count])).toEqual([
      ["ServerError", 3],
      ["RateLimited", 1],
      ["Timeout", 1]
    ])
    const text = renderFailureSummary(groups)
    expect(text.split("\n")).toHaveLength(4)
    expect(text).toContain("5 call(s) failed after retries:")
    expect(text).toContain("3 x ServerError from openai gpt-4o, e.g. openai gpt-4o: server error 503: 503 #0")
    expect(renderFailureSummary([])).toBe("no failures")
  })
})
