import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { initWithSampleData, videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _, ...env } = process.env
const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const json = (dir: string) => JSON.parse(videokr(dir, "stats", "--json").stdout)

describe("videokr run (scenarios stage, the scripted demo model through the real middleware)", () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-run-"))
  const dir = join(root, "p")

  it("writes 1-3 scenarios per knowledge point, a verdict for each, and resumes without asking again", () => {
    initWithSampleData(root)
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { pipeline: { models: { scenarios: "scripted:demo" } } }\n`
    )
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    const counts = (out: string) =>
      out
        .match(/scenarios\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/)!
        .slice(1)
        .map(Number)
    const part = counts(videokr(dir, "run", "--only", "scenarios", "--limit", "20").stdout)
    expect(part[0]).toBe(20)
    const first = videokr(dir, "run")
    expect(first.code).toBe(0)
    const rest = counts(first.stdout)
    expect(rest[0]).toBe(40)
    // over both runs: 60 points; 6 in history or economics dropped; the 2 "fracture" points answered with broken JSON
    expect([part[1]! + rest[1]!, part[2]! + rest[2]!, part[3]! + rest[3]!]).toEqual([52, 6, 2])
    const usage = json(dir).modelUsage.find((u: any) => u.stage === "scenarios")
    // 60 points; the 2 with broken answers were asked twice (the repair request)
    expect(usage).toMatchObject({ model_id: "scripted:demo", calls: 62, failures: 0 })
    const again = videokr(dir, "run")
    expect(again.stdout).toMatch(/scenarios\s+0\s+0\s+0\s+0/)
    expect(json(dir).modelUsage.find((u: any) => u.stage === "scenarios").calls).toBe(62)
  })

  it("why shows every verdict about an item, with its reason and evidence", () => {
    const kept = videokr(dir, "why", "kp-phys-001")
    expect(kept.stdout).toMatch(
      /scenarios\s+keep\s+3 scenario\(s\)\s+scripted:demo\s+\{"scenarios":\["laboratory demonstration of newton's second law"/
    )
    const dropped = videokr(dir, "why", "kp-econ-001")
    expect(dropped.stdout).toMatch(/scenarios\s+drop\s+the model gave no usable scenario/)
    const broken = videokr(dir, "why", "kp-mech-002")
    // the reason shown whole (wrapped in its column), without the model id its own column gives
    const shown = broken.stdout.replace(/\s+/g, " ")
    expect(shown).toContain(
      "scenarios error InvalidOutput: the answer does not follow the requested structure: scripted:demo - Expected a valid JSON string"
    )
    expect(shown).not.toContain("scripted:demo scripted:demo")
    expect(videokr(dir, "why", "no-such-id").code).toBe(2)
  })

  it("funnel shows per stage in/kept/dropped/errors, spend, and the top reasons; dry-run counts and prices without calling", () => {
    const f = videokr(dir, "funnel")
    expect(f.stdout).toMatch(/scenarios\s+knowledge points\s+60\s+52\s+6\s+2\s+0\s+62\s+0\.0000/)
    expect(f.stdout).toMatch(/scenarios\s+drop\s+6\s+the model gave no usable scenario/)
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { models: { prices: { "openai:gpt-4o": { input: 2.5, output: 10 } } } }\n`
    )
    const dry = videokr(dir, "run", "--model", "openai:gpt-4o", "--dry-run")
    expect(dry.code).toBe(0)
    // a different model changes every item's input: all 60 would be redone, at most 60 x (250 x 2.5 + 300 x 10) / 1e6
    expect(dry.stdout).toMatch(/scenarios\s+60\s+openai:gpt-4o\s+60\s+\$0\.2175/)
    expect(json(dir).modelUsage.find((u: any) => u.model_id === "openai:gpt-4o")).toBeUndefined()
  })

  it("a run without a model for a stage is a usage error naming the setting", () => {
    writeFileSync(join(dir, "videokr.config.ts"), "export default {}\n")
    const r = videokr(dir, "run")
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no model for stage scenarios: set pipeline.models.scenarios")
  })
})
