import { describe, expect, it } from "@effect/vitest"
import { drawModel, EmptyPool } from "../src/Pool.ts"

const pool = [
  { model: "openai:gpt-4o", weight: 2 },
  { model: "anthropic:claude-sonnet-4-5", weight: 1 },
  { model: "openai-compatible:http://gpu:8000/v1#qwen", weight: 1, exclude: ["verification"] }
]
const draw = (item: string, extra: object = {}) => drawModel(pool, { seed: 42, pool: "gen", step: "generation", item, ...extra }) as string

describe("model pools", () => {
  it("draws are seeded and follow the weights", () => {
    expect(draw("vid-1")).toBe(draw("vid-1"))
    const counts = new Map<string, number>()
    for (let i = 0; i < 20_000; i++) counts.set(draw(`vid-${i}`), (counts.get(draw(`vid-${i}`)) ?? 0) + 1)
    expect(counts.get("openai:gpt-4o")! / 20_000).toBeCloseTo(0.5, 1)
    expect(counts.get("anthropic:claude-sonnet-4-5")! / 20_000).toBeCloseTo(0.25, 1)
    const other = new Set(Array.from({ length: 200 }, (_, i) => drawModel(pool, { seed: 7, pool: "gen", step: "generation", item: `vid-${i}` })))
    expect(other.size).toBe(3)
  })

  it("honours per-step exclusion, and excluding a model moves only its own items", () => {
    for (let i = 0; i < 500; i++) expect(drawModel(pool, { seed: 42, pool: "gen", step: "verification", item: `v${i}` })).not.toContain("qwen")
    const before = Array.from({ length: 2_000 }, (_, i) => draw(`v${i}`))
    const excluded = new Set(["anthropic:claude-sonnet-4-5"])
    const after = Array.from({ length: 2_000 }, (_, i) => draw(`v${i}`, { excluded }))
    before.forEach((m, i) => {
      if (m !== "anthropic:claude-sonnet-4-5") expect(after[i]).toBe(m)
      else expect(after[i]).not.toBe(m)
    })
  })

  it("an empty pool for a step is a typed error", () => {
    const r = drawModel([{ model: "openai:gpt-4o", exclude: ["generation"] }], { seed: 1, pool: "solo", step: "generation", item: "x" })
    expect(r).toBeInstanceOf(EmptyPool)
    expect((r as EmptyPool).message).toContain('pool "solo" has no model eligible for step "generation"')
  })
})
