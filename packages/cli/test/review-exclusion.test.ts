import { afterAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { videokrNodeArgs } from "./support/cli.ts"
import { reviewAppUrl } from "./support/review.ts"
import {
  childEnv,
  makePipelineProject,
  modelsOf,
  patchConfig,
  query,
  type Servers,
  startModelServers,
  videokrAsync as videokr
} from "./support/pipeline.ts"

let servers: Servers | undefined
afterAll(() => servers?.close())

const generationAsks = (s: Servers) =>
  [...s.openai.requests, ...s.anthropic.requests].filter((r) => JSON.stringify(r.body).includes("TASK: generation"))
    .length

describe("human review bars a model from a step: it leaves the pool there, and the next run redoes exactly its items", () => {
  it("a reviewed error rate that crosses 3% moves the model's generation items to the other pool member, and nothing else", async () => {
    servers = await startModelServers()
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-review-bar-")), servers)
    patchConfig(dir, (c) => (c.review = { sampleSize: 10 }))
    const { vlm, claude } = modelsOf(servers)
    const db = join(dir, "corpus.duckdb")
    const first = await videokr(dir, "run", "--until", "generation", "--quiet")
    expect(first.code, first.stderr).toBe(0)
    const verdicts = () =>
      query(
        db,
        "SELECT item_id, model_id, decision, reason, input_hash, decided_at::VARCHAR AS at FROM verdicts WHERE stage = 'generation' ORDER BY item_id"
      )
    const before = await verdicts()
    const byClaude = before.filter((v) => v.model_id === claude)
    expect(byClaude.length).toBeGreaterThan(10)
    expect(before.filter((v) => v.model_id === vlm).length).toBeGreaterThan(10)

    // ten of each model's examples reviewed, all correct: both serve, and a run has nothing to redo
    expect((await videokr(dir, "review", "sample", "--step", "generation", "--n", "10")).code).toBe(0)
    expect((await videokr(dir, "review", "export", "--out", "queue.jsonl")).code).toBe(0)
    const queue = readFileSync(join(dir, "queue.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { item_id: string; model_id: string; question: string })
    expect(queue).toHaveLength(20)
    expect(queue.every((q) => typeof q.question === "string")).toBe(true)
    const mark = (item: string, correct: boolean, at: string) =>
      JSON.stringify({
        step: "generation",
        item_id: item,
        reviewer: "ana",
        correct,
        ...(correct ? {} : { category: "wrong answer" }),
        marked_at: at
      })
    writeFileSync(
      join(dir, "marks.jsonl"),
      queue.map((q) => mark(q.item_id, true, "2026-12-03T10:00:00Z")).join("\n") + "\n"
    )
    expect((await videokr(dir, "review", "import", "marks.jsonl")).code).toBe(0)
    expect(JSON.parse((await videokr(dir, "eligibility", "--json")).stdout).map((r: any) => r.state)).toEqual([
      "eligible",
      "eligible"
    ])
    const asked = generationAsks(servers)
    const second = await videokr(dir, "run", "--until", "generation", "--quiet")
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).not.toContain("human review")
    expect(await verdicts()).toEqual(before)

    // a later look finds one of claude's examples wrong: 1 in 10 is not under 3%
    const wrong = queue.find((q) => q.model_id === claude)!
    writeFileSync(join(dir, "later.jsonl"), mark(wrong.item_id, false, "2026-12-03T11:00:00Z") + "\n")
    expect((await videokr(dir, "review", "import", "later.jsonl")).code).toBe(0)
    const table = (await videokr(dir, "eligibility")).stdout
    expect(table).toMatch(
      new RegExp(`${claude}\\s+generation\\s+10\\s+10\\s+1\\s+0\\s+10\\.0%\\s+[\\d.]+%-[\\d.]+%\\s+excluded`)
    )
    expect(table).toContain("An excluded model leaves the step's pool at the next videokr run")

    const third = await videokr(dir, "run", "--until", "generation", "--quiet")
    expect(third.code, third.stderr).toBe(0)
    expect(third.stdout).toContain(
      `human review: ${byClaude.length} item(s) of generation are made again without ${claude} (${claude} is excluded from generation by human review: 1 error(s) in 10 reviewed (10.0%, not under 3.0%))`
    )
    const after = await verdicts()
    expect(after.map((v) => v.item_id)).toEqual(before.map((v) => v.item_id))
    for (const [i, was] of before.entries()) {
      // the other model's items are untouched (the same rows, decided when they were); claude's are made again by vlm
      if (was.model_id === claude) expect(after[i]!.model_id, was.item_id).toBe(vlm)
      else expect(after[i], was.item_id).toEqual(was)
    }
    // exactly claude's items were asked again, each once, of the model that now serves the step
    expect(generationAsks(servers) - asked).toBe(byClaude.length)
    const [examples] = await query(
      db,
      `SELECT count(*) FILTER (WHERE generator_model = '${claude}')::INT AS claude, count(*)::INT AS n FROM generated_examples`
    )
    expect(examples).toEqual({ claude: 0, n: after.filter((v) => v.decision === "keep").length })

    // the funnel shows what was made again, and an item's story says why
    const funnel = await videokr(dir, "funnel")
    expect(funnel.stdout).toContain("made again after human review excluded the model that made them")
    expect(funnel.stdout).toMatch(
      new RegExp(`generation\\s+│?\\s*${claude.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+│?\\s*${byClaude.length}`)
    )
    const why = await videokr(dir, "why", byClaude[0]!.item_id)
    expect(why.stdout.replace(/\s+/g, " ")).toContain(
      `review-excluded ${claude} ${claude} is excluded from generation by human review: 1 error(s) in 10 reviewed (10.0%, not under 3.0%): asked again`
    )
    // the queue kept what claude had made, for the record
    expect((await videokr(dir, "review", "export", "--out", "queue-after.jsonl")).code).toBe(0)
    const kept = readFileSync(join(dir, "queue-after.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { item_id: string; model_id: string; question: string })
    expect(kept.find((q) => q.item_id === wrong.item_id)).toMatchObject({ model_id: claude, question: wrong.question })
  })
})

describe("reviewing while a run goes", () => {
  it("run --review serves the app on the run's own store; videokr review alone says how, and no mark is lost", async () => {
    let hang = false
    const slow = await startModelServers({ fault: () => (hang ? { kind: "slow", ms: 600_000 } : undefined) })
    try {
      const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-review-run-")), slow)
      const first = await videokr(dir, "run", "--until", "metadata", "--quiet")
      expect(first.code, first.stderr).toBe(0)
      expect((await videokr(dir, "review", "sample", "--step", "metadata", "--n", "3")).code).toBe(0)

      // the multimodal stages' model stops answering: the run goes on (waiting) while reviewers work
      hang = true
      const run = spawn(process.execPath, [...videokrNodeArgs, "run", "--review", "--review-port", "0", "--quiet"], {
        cwd: dir,
        env: childEnv
      })
      const ended = new Promise<number | null>((done) => run.on("close", done))
      try {
        const url = await reviewAppUrl(run)
        const alone = await videokr(dir, "review", "--port", "0")
        expect(alone.code).not.toBe(0)
        expect(alone.stderr).toMatch(
          /a videokr run \(pid \d+, started .*\) holds the corpus; to review while it goes, .*videokr run --review/
        )
        const queue = (await (await fetch(`${url}api/queue?step=metadata&reviewer=ana`)).json()) as {
          items: Array<{ item_id: string }>
        }
        expect(queue.items).toHaveLength(3)
        const marked = await fetch(`${url}api/marks`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ step: "metadata", item_id: queue.items[0]!.item_id, reviewer: "ana", correct: true })
        })
        expect(marked.status).toBe(201)
      } finally {
        run.kill("SIGINT")
        await ended
      }
      hang = false
      expect((await videokr(dir, "review", "export", "--out", "queue.jsonl")).code).toBe(0)
      const marks = readFileSync(join(dir, "queue.jsonl"), "utf8")
        .trim()
        .split("\n")
        .flatMap((l) => (JSON.parse(l) as { marks: Array<{ reviewer: string }> }).marks)
      expect(marks.map((m) => m.reviewer)).toEqual(["ana"])
    } finally {
      await slow.close()
    }
  })
})
