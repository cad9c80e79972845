import { afterAll, describe, expect, it } from "vitest"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makePipelineProject,
  query,
  type Servers,
  startModelServers,
  videokrAsync as videokr
} from "./support/pipeline.ts"

let servers: Servers | undefined
afterAll(() => servers?.close())

describe("videokr run: the whole pipeline against loopback model servers (OpenAI-compatible and Anthropic wire protocols)", () => {
  it("runs every stage, keeps and rejects at each, records why, releases and exports; a second run asks nothing", async () => {
    // one knowledge point's open-ended generation answers are not JSON (twice: the answer and the repair)
    servers = await startModelServers({
      garble: (t) =>
        t.includes("TASK: generation") &&
        t.includes("Knowledge point: Period of a simple pendulum") &&
        t.includes("Problem type: open-ended")
    })
    servers.openai.faults.push({
      kind: "status",
      status: 429,
      headers: { "retry-after-ms": "50" },
      body: { error: { message: "slow down", type: "requests" } }
    })
    servers.anthropic.faults.push({
      kind: "status",
      status: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }
    })
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-e2e-")), servers)

    const run = await videokr(dir, "run", "--concurrency", "4")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const db = join(dir, "corpus.duckdb")
    const reasonsKept = async (stage: string) =>
      (
        await query(
          db,
          `SELECT DISTINCT reason FROM verdicts WHERE stage = '${stage}' AND decision = 'keep' ORDER BY 1`
        )
      ).map((r: any) => r.reason as string)
    const reasons = async (stage: string) =>
      (
        await query(
          db,
          `SELECT DISTINCT reason FROM verdicts WHERE stage = '${stage}' AND decision <> 'keep' ORDER BY 1`
        )
      ).map((r: any) => r.reason as string)
    const funnel = Object.fromEntries(
      (
        await query(
          db,
          "SELECT stage, items::INT AS items, kept::INT AS kept, dropped::INT AS dropped, errors::INT AS errors FROM stage_funnel"
        )
      ).map((r: any) => [r.stage, r])
    )
    const stages = [
      "expand",
      "scenarios",
      "sources",
      "search",
      "metadata",
      "download",
      "visual",
      "safety",
      "generation",
      "consistency",
      "dependency",
      "verification",
      "contamination",
      "near-duplicates",
      "release"
    ]
    expect(Object.keys(funnel).sort()).toEqual([...stages].sort())
    for (const s of stages) expect(funnel[s].kept, s).toBeGreaterThan(0)
    // stage 0 added two new knowledge points, unreviewed, and left out the one the bank had; no stage used them
    expect(await reasonsKept("expand")).toEqual([
      "2 new knowledge point(s), unreviewed; 1 repeated or incomplete left out"
    ])
    const [unreviewed] = await query(
      db,
      "SELECT count(*)::INT AS n, count(s.id)::INT AS with_scenarios FROM knowledge_points k LEFT JOIN scenarios s ON s.knowledge_point_id = k.id WHERE NOT k.reviewed"
    )
    expect(unreviewed).toEqual({ n: 2, with_scenarios: 0 })
    // every filter and validator rejected something, each for the reason its input was built to fail
    for (const s of [
      "metadata",
      "visual",
      "safety",
      "generation",
      "dependency",
      "verification",
      "contamination",
      "near-duplicates"
    ])
      expect(funnel[s].dropped, s).toBeGreaterThan(0)
    expect(await reasons("visual")).toEqual(["the 4 frames show only text slides, no demonstration"])
    expect(await reasons("safety")).toEqual(["flagged (graphic violence): the title announces graphic footage"])
    const contamination = await reasons("contamination")
    expect(contamination, contamination.join("; ")).toEqual([
      expect.stringMatching(/^near-duplicate of benchmark video bench: videos\/bench-0001\.mp4/)
    ])
    expect(await reasons("near-duplicates")).toEqual([
      expect.stringMatching(/^near-duplicate of local:titration(-mirror)?\.mp4/)
    ])
    // invalid model output is a verdict with its reason, never a crash or a silent drop
    const generation = await reasons("generation")
    expect(generation).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^unusable example: wrong skill: asked for \w+, got \w+$/),
        "unusable example: missing answer",
        expect.stringMatching(/^InvalidOutput: /)
      ])
    )
    const [garbled] = await query(
      db,
      "SELECT count(*)::INT AS n FROM verdicts WHERE stage = 'generation' AND decision = 'error' AND item_id LIKE 'local:pendulum-swing.mp4@kp-phys-002#%-2'"
    )
    expect(garbled).toEqual({ n: 3 }) // slot 2 of each skill is the open-ended one
    // every generated item has exactly one verdict, and every kept one exactly one row
    const [rows] = await query(
      db,
      `SELECT
      (SELECT count(*) FROM verdicts)::INT AS verdicts, (SELECT count(*) FROM (SELECT DISTINCT stage, item_id FROM verdicts))::INT AS distinct_verdicts,
      (SELECT count(*) FROM generated_examples)::INT AS generated, (SELECT count(DISTINCT id) FROM generated_examples)::INT AS distinct_generated,
      (SELECT count(*) FROM examples WHERE source_file = 'pipeline')::INT AS released`
    )
    expect(rows!.verdicts).toBe(rows!.distinct_verdicts)
    expect(rows!.generated).toBe(rows!.distinct_generated)
    expect(rows!.generated).toBe(funnel.generation.kept)
    expect(rows!.released).toBe(funnel.release.kept)

    // both providers served: the pool drew both for generation, and the validators never used the generator
    const [mix] = await query(db, `SELECT count(DISTINCT generator_model)::INT AS generators FROM generated_examples`)
    expect(mix!.generators).toBe(2)
    const [selfChecked] = await query(
      db,
      `SELECT count(*)::INT AS n FROM verdicts v JOIN generated_examples g ON g.id = v.item_id
      WHERE v.stage IN ('consistency', 'verification') AND v.model_id = g.generator_model`
    )
    expect(selfChecked!.n).toBe(0)
    expect(
      servers.anthropic.requests.every(
        (r) =>
          r.headers["authorization"] === "Bearer sk-ant-e2e-secret-0000" ||
          r.headers["x-api-key"] === "sk-ant-e2e-secret-0000"
      )
    ).toBe(true)
    expect(
      servers.anthropic.requests.some((r) => (r.body as any).messages[0].content.some((p: any) => p.type === "image"))
    ).toBe(true)

    // released examples in the VideoKR format, split and exported in every format
    const [example] = await query(
      db,
      "SELECT question, options::VARCHAR AS options, solution, think, video_path, split FROM examples WHERE source_file = 'pipeline' AND problem_type = 'multiple choice' ORDER BY id LIMIT 1"
    )
    expect(example!.solution).toMatch(/^<answer>[A-D]<\/answer>$/)
    expect(JSON.parse(example!.options)[0]).toMatch(/^A\. /)
    expect(example!.video_path).toMatch(/^videos\/[\w-]+\.mp4$/)
    expect(["sft", "rl"]).toContain(example!.split)
    for (const f of ["videokr", "llamafactory", "verl", "trl"])
      expect(readdirSync(join(dir, "exports", f))).toContain("manifest.json")
    const sft = readFileSync(
      join(dir, "exports", "videokr", readdirSync(join(dir, "exports", "videokr")).find((f) => f.includes("sft"))!),
      "utf8"
    )
    expect(sft).toContain("local:titration")

    // spend per stage and per released example, from the price table
    const f = await videokr(dir, "funnel")
    expect(f.stdout).toMatch(
      new RegExp(
        `${funnel.release.kept} example\\(s\\) released by the pipeline; model spend \\$\\d+\\.\\d{4} in all, \\$0\\.\\d+ per kept example`
      )
    )
    const generationRow =
      /^generation\s+video@kp#skill-slot\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$/m.exec(
        f.stdout
      )
    expect(Number(generationRow?.[7])).toBeGreaterThan(0)
    const why = await videokr(dir, "why", "local:crash-test.mp4@kp-phys-003")
    expect(why.stdout).toMatch(/metadata\s+keep[\s\S]*visual\s+keep[\s\S]*safety\s+drop\s+flagged \(graphic violence\)/)
    // the key is in no file of the project (cache, corpus, exports)
    const files = (d: string): Array<string> =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]
      )
    expect(
      files(dir).filter(
        (p) => !p.endsWith(".mp4") && !p.endsWith(".jpg") && readFileSync(p).includes("sk-ant-e2e-secret-0000")
      )
    ).toEqual([])

    // a second run finds nothing to do and asks no model
    const asked = servers.openai.requests.length + servers.anthropic.requests.length
    const again = await videokr(dir, "run")
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/generation\s+0\s+0\s+0\s+0/)
    expect(servers.openai.requests.length + servers.anthropic.requests.length).toBe(asked)
    expect(existsSync(join(dir, "exports", "verl"))).toBe(true)

    // proposed knowledge points: reviewed, one accepted and one rejected; the next run writes scenarios for the accepted one only
    const review = await videokr(dir, "kb", "review")
    const proposed = [...review.stdout.matchAll(/^(kp-x-\w+)/gm)].map((m) => m[1]!)
    expect(proposed).toHaveLength(2)
    expect((await videokr(dir, "kb", "accept", proposed[0]!)).stdout).toContain("1 knowledge point(s) accepted")
    expect((await videokr(dir, "kb", "reject", proposed[1]!)).stdout).toContain("1 knowledge point(s) rejected")
    expect((await videokr(dir, "kb", "accept", "kp-nope")).code).toBe(2)
    const next = await videokr(dir, "run", "--only", "scenarios")
    expect(next.stdout).toMatch(/scenarios\s+1\s+1\s+0\s+0/)
  })
})
