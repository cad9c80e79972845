import { describe, expect, it } from "vitest"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import {
  bootstrapInterval,
  documentsUnder,
  parseSubmission,
  rescoreSubmission,
  submissionKey
} from "../src/Submission.ts"
import { tasks } from "../src/Tasks.ts"

const meta = {
  model: "M",
  revision: "v1",
  organisation: "Lab",
  contact: "a@b.org",
  date: "2026-11-20",
  frames: { fps: 2, maxFrames: 128 },
  generation: { temperature: 0.1, maxTokens: 8192 },
  prompt: "default"
}
const roots = { videokr_eval: fileURLToPath(new URL("../../../fixtures/benchmarks/videokr_eval", import.meta.url)) }
const ids = ["vkr-phys-0001", "vkr-chem-0002", "vkr-bio-0003", "vkr-eng-0004", "vkr-econ-0005", "vkr-math-0006"]
const lines = (outputs: ReadonlyArray<string>) =>
  outputs.map((o, i) => JSON.stringify({ task: "videokr_eval", id: ids[i], output: o })).join("\n") + "\n"
const refused = (metaText: string, predictions: string) =>
  Effect.runPromise(Effect.flip(parseSubmission("/s", metaText, predictions))).then((e) => e.message)

describe("submissions", () => {
  it("refuses bad files naming the file, line and field", async () => {
    expect(await refused("{", lines(["x"]))).toMatch(
      /^\/s\/submission\.json: 1 problem\(s\); the submission is refused\n {2}\/s\/submission\.json: not JSON/
    )
    const noContact = await refused(JSON.stringify({ ...meta, contact: "nobody", extra: 1 }), lines(["x"]))
    expect(noContact).toContain('field "contact"')
    expect(noContact).toContain('field "extra": unknown field')
    const links = await refused(
      JSON.stringify({ ...meta, links: [{ label: "x", url: "javascript:alert(1)" }] }),
      lines(["x"])
    )
    expect(links).toContain('field "links.0.url"')
    const predictions = await refused(
      JSON.stringify(meta),
      `${lines(["a"])}{"task": "videokr_eval"}\nnot json\n${lines(["again"])}`
    )
    expect(predictions).toContain('/s/predictions.jsonl:2: field "id"')
    expect(predictions).toContain("/s/predictions.jsonl:3: not JSON")
    expect(predictions).toContain(
      '/s/predictions.jsonl:4: field "id": a second prediction for videokr_eval vkr-phys-0001 (the first is on line 1)'
    )
  })

  it("scores every task again from the outputs, ignoring anything declared, with a seeded 95% interval", async () => {
    const loaded = await Effect.runPromise(
      parseSubmission(
        "/s",
        JSON.stringify(meta),
        lines([
          "<answer>B</answer>",
          "<answer>A</answer>",
          "<answer>Metaphase</answer>",
          "<answer>C</answer>",
          "<answer>A</answer>",
          "<answer>2</answer>"
        ])
      )
    )
    const [scored] = await Effect.runPromise(rescoreSubmission(loaded, tasks, documentsUnder(roots)))
    // 3 of the 4 multiple-choice answers right; the 2 open-ended are skipped without a judge
    expect(scored).toMatchObject({ task: "videokr_eval", score: 75, samples: 6, scored: 4, skipped: 2 })
    expect(scored!.interval).toEqual(bootstrapInterval([1, 1, 0, 1]))
    expect(scored!.breakdowns.overall).toEqual({ num: 4, correct: 3, acc: 75 })
  })

  it("refuses a task it cannot score, an unknown document and a missing one", async () => {
    const run = (text: string) =>
      Effect.runPromise(
        Effect.flip(
          Effect.flatMap(parseSubmission("/s", JSON.stringify(meta), text), (l) =>
            rescoreSubmission(l, tasks, documentsUnder(roots))
          )
        )
      ).then((e) => e.message)
    expect(await run(JSON.stringify({ task: "nope", id: "1", output: "x" }))).toContain('unknown task "nope"')
    expect(await run(JSON.stringify({ task: "mmvu_val", id: "1", output: "x" }))).toContain(
      "the documents of mmvu_val are not at hand"
    )
    expect(await run(lines(["a", "b"]))).toContain(
      "4 document(s) of videokr_eval have no prediction; first: vkr-bio-0003"
    )
    expect(await run(JSON.stringify({ task: "videokr_eval", id: "vkr-none", output: "x" }))).toContain(
      '"vkr-none" is not a document of videokr_eval'
    )
  })

  it("computes the same interval on every build, and keys a result by model, revision and configuration", () => {
    const scores = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0))
    const a = bootstrapInterval(scores)!
    expect(bootstrapInterval(scores)).toEqual(a)
    expect(a.low).toBeLessThan(33.5)
    expect(a.high).toBeGreaterThan(33.5)
    expect(a.high - a.low).toBeGreaterThan(8)
    expect(a.high - a.low).toBeLessThan(16)
    expect(bootstrapInterval([])).toBeUndefined()
    expect(submissionKey(meta)).toBe(submissionKey({ ...meta, organisation: "Other", date: "2027-01-01" }))
    expect(submissionKey(meta)).not.toBe(submissionKey({ ...meta, revision: "v2" }))
  })
})
