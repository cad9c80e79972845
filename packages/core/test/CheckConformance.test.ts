import { describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import { askStructured, errorVerdict, type ExampleValidator, promptTemplate, render } from "../src/index.ts"
import { type CheckSubject, checkConformance } from "../src/testing/index.ts"

// the kit accepts a well-made check and rejects each way of breaking the contract
const prompt = promptTemplate("fixtures/prompts/leak.v1", { from: import.meta.url })
const Answer = Schema.Struct({ leaks: Schema.Boolean, reason: Schema.String })

const leakCheck = (
  model: string,
  over: Partial<ExampleValidator> = {},
  ask: (question: string) => string = (q) => `${render(prompt.text, { thing: "the answer" })}${q}`
): ExampleValidator => ({
  id: "kit-leak",
  stage: "leak",
  version: prompt.name,
  modelId: model,
  prompts: [prompt],
  check: (example) =>
    askStructured(model, "leak", ask(example.question), [], Answer, { temperature: 0, maxTokens: 60 }).pipe(
      Effect.map((a) => ({
        decision: a.leaks ? ("drop" as const) : ("keep" as const),
        reason: a.reason,
        modelId: model,
        evidence: { answer: example.answer }
      })),
      Effect.catch((e) => Effect.succeed(errorVerdict(model)(e)))
    ),
  ...over
})

const answer = () => '{"leaks": false, "reason": "the question does not give it away"}'
const good: CheckSubject = { make: (m) => leakCheck(m), answer, unusable: ["no leak"] }
const kit = (name: string) => checkConformance.find((c) => c.name.startsWith(name))!

describe("the check kit", () => {
  it.each(checkConformance.map((c) => [c.name, c]))("passes a well-made check: %s", async (_, c) => {
    await c.run(good)
  })

  it("rejects a check that fails on a model error instead of returning a verdict", async () => {
    const failing: CheckSubject = {
      ...good,
      make: (m) =>
        leakCheck(m, {
          check: (e) =>
            Effect.orDie(askStructured(m, "leak", e.question, [], Answer, { temperature: 0, maxTokens: 60 })).pipe(
              Effect.as({ decision: "keep" as const, reason: "ok", evidence: {} })
            )
        })
    }
    await expect(kit("a failed model call").run(failing)).rejects.toThrow(/a check never fails/)
  })

  it("rejects a verdict without a reason, and a decision without evidence", async () => {
    await expect(
      kit("decides keep or drop").run({
        ...good,
        make: (m) => leakCheck(m, { check: () => Effect.succeed({ decision: "keep", reason: " ", evidence: {} }) })
      })
    ).rejects.toThrow(/reason/)
    await expect(
      kit("decides keep or drop").run({
        ...good,
        make: (m) => leakCheck(m, { check: () => Effect.succeed({ decision: "keep", reason: "fine" }) })
      })
    ).rejects.toThrow(/evidence/)
  })

  it("rejects a prompt it asks with but does not list, and a prompt without a version in its name", async () => {
    const unlisted: CheckSubject = { ...good, make: (m) => leakCheck(m, { prompts: [] }) }
    await expect(kit("lists in `prompts`").run(unlisted)).rejects.toThrow(/lists the prompt templates/)
    const other = promptTemplate("fixtures/prompts/leak.v1", { from: import.meta.url })
    const elsewhere: CheckSubject = {
      ...good,
      make: (m) =>
        leakCheck(m, {
          prompts: [{ ...other, text: "Does the question give away the answer to the student reading it?" }]
        })
    }
    await expect(kit("lists in `prompts`").run(elsewhere)).rejects.toThrow(/none of its listed prompts/)
    const unversioned: CheckSubject = {
      ...good,
      make: (m) => leakCheck(m, { prompts: [{ name: "leak", text: prompt.text }] })
    }
    await expect(kit("has an id").run(unversioned)).rejects.toThrow(/carries its version/)
  })

  it("rejects a version that changes each time it is made, and a model that does not follow the one given", async () => {
    let made = 0
    await expect(
      kit("the input hash").run({ ...good, make: (m) => leakCheck(m, { version: `${prompt.name}-${++made}` }) })
    ).rejects.toThrow(/hashes an item alike/)
    await expect(kit("the input hash").run({ ...good, make: () => leakCheck("test:fixed") })).rejects.toThrow(
      /another model, another hash/
    )
    await expect(kit("asks only its own model").run({ ...good, make: () => leakCheck("test:fixed") })).rejects.toThrow(
      /asked test:fixed/
    )
  })

  it("rejects a check that decides on an answer it cannot use", async () => {
    const credulous: CheckSubject = {
      ...good,
      make: (m) =>
        leakCheck(m, {
          check: () => Effect.succeed({ decision: "keep", reason: "whatever", modelId: m, evidence: {} })
        })
    }
    await expect(kit("an answer it cannot use").run(credulous)).rejects.toThrow(/decides nothing/)
  })
})
