import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
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

describe("human review from the command line: sample, export, marks, eligibility", () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-review-"))
  const dir = initWithSampleData(root)
  writeFileSync(
    join(dir, "videokr.config.ts"),
    `export default { pipeline: { models: { scenarios: "scripted:demo" } }, review: { sampleSize: 8, maxErrorRate: 0.2 } }\n`
  )
  const queue = () =>
    readFileSync(join(dir, "review-queue.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            item_id: string
            discipline: string
            model_id: string
            reason: string
            marks: Array<unknown>
          }
      )

  it("draws a seeded sample of a step's outputs, stratified by discipline, and tops it up without drawing twice", () => {
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    expect(videokr(dir, "run", "--quiet").code).toBe(0)
    const none = videokr(dir, "review", "sample", "--step", "generation")
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('no verdict of step "generation" yet')
    const r = videokr(dir, "review", "sample", "--step", "scenarios", "--n", "10", "--seed", "3")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/scripted:demo\s+scenarios\s+10\s+10\s+58/) // 60 points; the 2 with a final error are not outputs
    expect(videokr(dir, "review", "export").code).toBe(0)
    const items = queue()
    expect(items).toHaveLength(10)
    // the four disciplines hold 15 points each, so 10 draws give each 2 or 3
    const perDiscipline = [...new Set(items.map((i) => i.discipline))].map(
      (d) => items.filter((i) => i.discipline === d).length
    )
    expect(perDiscipline).toHaveLength(4)
    for (const n of perDiscipline) expect([2, 3]).toContain(n)
    expect(items.every((i) => i.model_id === "scripted:demo" && typeof i.reason === "string")).toBe(true)
    // already 10 in the queue: nothing more, and nothing drawn twice
    expect(videokr(dir, "review", "sample", "--step", "scenarios", "--n", "10", "--seed", "3").stdout).toMatch(
      /scripted:demo\s+scenarios\s+0\s+10/
    )
    expect(videokr(dir, "review", "sample", "--step", "scenarios", "--n", "12").stdout).toMatch(
      /scripted:demo\s+scenarios\s+2\s+12/
    )
  })

  it("reads marks all or none, counts agreement per item, and gives each model its state against the threshold", () => {
    const ids = queue().map((i) => i.item_id)
    const mark = (reviewer: string, item: string, correct: boolean) =>
      JSON.stringify({
        step: "scenarios",
        item_id: item,
        reviewer,
        correct,
        ...(correct ? {} : { category: "other", note: "not filmable" }),
        marked_at: "2026-12-03T10:00:00Z"
      })
    writeFileSync(
      join(dir, "bad.jsonl"),
      [
        mark("ana", ids[0]!, true),
        JSON.stringify({ step: "scenarios", item_id: "kp-none", reviewer: "ana", correct: false })
      ].join("\n") + "\n"
    )
    const bad = videokr(dir, "review", "import", "bad.jsonl")
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      `${join(dir, "bad.jsonl")}:2: field "category": an incorrect mark needs a reason category`
    )
    expect(bad.stderr).toContain(
      `${join(dir, "bad.jsonl")}:2: field "item_id": "kp-none" is not in the review queue of step scenarios`
    )
    expect(JSON.parse(videokr(dir, "eligibility", "--json").stdout)[0]).toMatchObject({ reviewed: 0 })

    // ana marks ten (one wrong); bo disagrees on a second: that one is disputed, counted in neither
    writeFileSync(
      join(dir, "marks.jsonl"),
      [...ids.slice(0, 10).map((id, i) => mark("ana", id, i !== 0)), mark("bo", ids[1]!, false)].join("\n") + "\n"
    )
    expect(videokr(dir, "review", "import", "marks.jsonl").stdout).toContain("11 mark(s) read, 11 new")
    expect(videokr(dir, "review", "import", "marks.jsonl").stdout).toContain(
      "11 mark(s) read, 0 new (11 already stored)"
    )
    const first = JSON.parse(videokr(dir, "eligibility", "--json").stdout)[0]
    expect(first).toMatchObject({
      model: "scripted:demo",
      step: "scenarios",
      queued: 12,
      reviewed: 9,
      errors: 1,
      disputed: 1,
      state: "eligible"
    })
    expect(first.interval.low).toBeGreaterThan(0)
    // a third reviewer settles the dispute as wrong: 2 errors in 10 is not under 20%
    writeFileSync(join(dir, "more.jsonl"), mark("cy", ids[1]!, false) + "\n")
    expect(videokr(dir, "review", "import", "more.jsonl").code).toBe(0)
    const table = videokr(dir, "eligibility")
    expect(table.stdout).toMatch(/scripted:demo\s+scenarios\s+12\s+10\s+2\s+0\s+20\.0%\s+5\.7%-51\.0%\s+excluded/)
    // the only model of the step is excluded: a run stops before asking anything, and says why
    const run = videokr(dir, "run", "--quiet")
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(
      "stage scenarios: scripted:demo: no model may serve it: scripted:demo is excluded from scenarios by human review: 2 error(s) in 10 reviewed (20.0%, not under 20.0%)"
    )
    // the export carries the marks, and reads back as marks: the same ones, so nothing is added
    expect(videokr(dir, "review", "export").code).toBe(0)
    expect(queue().find((i) => i.item_id === ids[1])!.marks).toHaveLength(3)
    const back = videokr(dir, "review", "import", "review-queue.jsonl")
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain("12 mark(s) read, 0 new (12 already stored)")
  })

  it("deals the queue among reviewers, a share of it to two, and reports their agreement", () => {
    const r = videokr(
      dir,
      "review",
      "assign",
      "--step",
      "scenarios",
      "--reviewers",
      "gus,hal",
      "--double",
      "0.5",
      "--seed",
      "1"
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/gus\s+9\n\s*hal\s+9/)
    expect(r.stdout).toContain("12 item(s) of scenarios dealt, 6 of them to two reviewers")
    // dealt once: nothing left to deal
    expect(videokr(dir, "review", "assign", "--step", "scenarios", "--reviewers", "gus,hal").stdout).toContain(
      "0 item(s) of scenarios dealt"
    )
    expect(
      videokr(dir, "review", "assign", "--step", "scenarios", "--reviewers", "gus", "--double", "1.5").stderr
    ).toContain("--double is a share of the items, from 0 to 1: got 1.5")
    expect(videokr(dir, "review", "export").code).toBe(0)
    const assigned = queue().map((i) => (i as unknown as { assigned: Array<string> }).assigned)
    expect(assigned.filter((a) => a.length === 2)).toHaveLength(6)
    expect(assigned.every((a) => a.length >= 1)).toBe(true)
    // one item has two reviewers' marks (ana right, bo wrong; cy settled it): kappa 0 on one pair, nothing to adjudicate
    const agreement = videokr(dir, "review", "agreement")
    expect(agreement.stdout).toMatch(/scenarios\s+1\s+0\.0%\s+0\.00/)
    expect(agreement.stdout).toContain("No item waits for adjudication.")
  })

  it("the dataset card reports the human quality control figures", () => {
    expect(videokr(dir, "import", "data/examples.jsonl").code).toBe(0)
    expect(videokr(dir, "split").code).toBe(0)
    const r = videokr(dir, "release")
    expect(r.code, r.stderr).toBe(0)
    const card = readFileSync(join(dir, "release", "README.md"), "utf8")
    expect(card).toContain("## Human quality control")
    expect(card).toContain(
      "A model serves a step when at least 8 of its outputs there are reviewed and fewer than 20.0% are wrong."
    )
    expect(card).toMatch(/\| scenarios \| scripted:demo \| 10 \| 2 \| 20\.0% \| 5\.7%-51\.0% \| excluded \|/)
  })
})
