import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ItemEvent, ItemCalls } from "@videokr/core"
import { makeModelHealth } from "../src/ModelHealth.ts"
import { pickModel } from "../src/Models.ts"
import { drawModel, EmptyPool } from "../src/Pool.ts"

const pool = [
  { model: "openai:gpt-4o", weight: 2 },
  { model: "anthropic:claude-sonnet-4-5", weight: 1 },
  { model: "openai-compatible:http://gpu:8000/v1#qwen", weight: 1, exclude: ["verification"] }
]
const draw = (item: string, extra: object = {}) =>
  drawModel(pool, { seed: 42, pool: "gen", step: "generation", item, ...extra }) as string

describe("model pools", () => {
  it("draws are seeded and follow the weights", () => {
    expect(draw("vid-1")).toBe(draw("vid-1"))
    const counts = new Map<string, number>()
    for (let i = 0; i < 20_000; i++) counts.set(draw(`vid-${i}`), (counts.get(draw(`vid-${i}`)) ?? 0) + 1)
    expect(counts.get("openai:gpt-4o")! / 20_000).toBeCloseTo(0.5, 1)
    expect(counts.get("anthropic:claude-sonnet-4-5")! / 20_000).toBeCloseTo(0.25, 1)
    const other = new Set(
      Array.from({ length: 200 }, (_, i) =>
        drawModel(pool, { seed: 7, pool: "gen", step: "generation", item: `vid-${i}` })
      )
    )
    expect(other.size).toBe(3)
  })

  it("honours per-step exclusion, and excluding a model moves only its own items", () => {
    for (let i = 0; i < 500; i++)
      expect(drawModel(pool, { seed: 42, pool: "gen", step: "verification", item: `v${i}` })).not.toContain("qwen")
    const before = Array.from({ length: 2_000 }, (_, i) => draw(`v${i}`))
    const excluded = new Set(["anthropic:claude-sonnet-4-5"])
    const after = Array.from({ length: 2_000 }, (_, i) => draw(`v${i}`, { excluded }))
    before.forEach((m, i) => {
      if (m !== "anthropic:claude-sonnet-4-5") expect(after[i]).toBe(m)
      else expect(after[i]).not.toBe(m)
    })
  })

  it("an empty pool for a step is a typed error", () => {
    const r = drawModel([{ model: "openai:gpt-4o", exclude: ["generation"] }], {
      seed: 1,
      pool: "solo",
      step: "generation",
      item: "x"
    })
    expect(r).toBeInstanceOf(EmptyPool)
    expect((r as EmptyPool).message).toContain('pool "solo" has no model eligible for step "generation"')
  })

  it.effect(
    "a sick member's items go to another eligible member, and the item's history says so; a pinned model is not rerouted",
    () =>
      Effect.gen(function* () {
        const config = { pools: { gen: pool }, poolSeed: 42 }
        const health = makeModelHealth()
        const pick = (item: string, events: Array<ItemEvent>) =>
          pickModel(config, "pool:gen", { step: "generation", item }, health).pipe(
            Effect.provideService(ItemCalls, { events, refresh: false })
          )
        const items = Array.from({ length: 200 }, (_, i) => `v${i}`)
        const healthy = yield* Effect.forEach(items, (item) => pick(item, []))
        health.setCircuit("openai:gpt-4o", { state: "open", since: 0, nextProbeAt: 10_000 })
        const events: Array<ItemEvent> = []
        const sick = yield* Effect.forEach(items, (item) => pick(item, events))
        healthy.forEach((m, i) => (m === "openai:gpt-4o" ? expect(sick[i]).not.toBe(m) : expect(sick[i]).toBe(m)))
        const moved = healthy.filter((m) => m === "openai:gpt-4o").length
        expect(moved).toBeGreaterThan(50)
        expect(events).toHaveLength(moved)
        expect(events[0]).toMatchObject({
          kind: "rerouted",
          detail: expect.stringMatching(
            /^openai:gpt-4o, drawn from pool gen for generation, is unavailable \(circuit open\); \S+ stands in$/
          )
        })
        // every member sick: the drawn one is kept (its calls wait for its circuit)
        for (const m of pool) health.setCircuit(m.model, { state: "open", since: 0, nextProbeAt: 10_000 })
        expect(yield* Effect.forEach(items, (item) => pick(item, []))).toEqual(healthy)
        // a model named directly is pinned
        expect(yield* pickModel(config, "openai:gpt-4o", { step: "generation", item: "x" }, health)).toBe(
          "openai:gpt-4o"
        )
      })
  )
})
