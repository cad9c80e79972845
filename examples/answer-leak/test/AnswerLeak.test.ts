import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { checkConformance, type CheckSubject, sampleExamples, scriptedModels } from "@videokr/core/testing"
import plugin, { answerLeak } from "videokr-plugin-answer-leak"

// through the public API alone: the plugin as a project loads it, the kit of @videokr/core/testing
const judge = (leaks: boolean) =>
  JSON.stringify({
    leaks,
    clue: leaks ? "pink" : "",
    reason: leaks ? "only the correct option mentions pink" : "every option is a plausible indicator"
  })
const subject: CheckSubject = {
  make: (model) => answerLeak({ model }),
  answer: () => judge(false),
  unusable: ["no leak here", '{"leaks": "no"}']
}

describe("answer-leak passes the check kit", () => {
  for (const check of checkConformance) it(check.name, () => check.run(subject))
})

describe("answer-leak", () => {
  const [mc, open] = sampleExamples()

  it("drops an example whose question states the answer, without asking a model", async () => {
    const models = scriptedModels(() => judge(false))
    const stated = { ...mc, question: "Phenolphthalein is added before the titration starts: which indicator is used?" }
    const verdict = await Effect.runPromise(
      Effect.provide(answerLeak({ model: "test:judge" }).check(stated), models.layer)
    )
    expect(verdict).toEqual({
      decision: "drop",
      reason: 'the question states the answer ("Phenolphthalein")',
      evidence: { clue: "Phenolphthalein", by: "text" }
    })
    expect(models.asked).toHaveLength(0)
    // a short answer ("It doubles" of two words does count; a letter or one short word does not)
    const short = await Effect.runPromise(
      Effect.provide(
        answerLeak({ model: "test:judge" }).check({ ...open, answer: "yes", question: "Is the answer yes or no?" }),
        models.layer
      )
    )
    expect(short.decision).toBe("keep")
  })

  it("asks the model with the question, the options and the correct answer, and drops on its clue", async () => {
    const models = scriptedModels(() => judge(true))
    const verdict = await Effect.runPromise(Effect.provide(answerLeak({ model: "test:judge" }).check(mc), models.layer))
    expect(verdict).toEqual({
      decision: "drop",
      reason: "the wording gives the answer away: only the correct option mentions pink",
      modelId: "test:judge",
      evidence: { clue: "pink", by: "model" }
    })
    const asked = models.asked[0]!.text
    expect(asked).toContain("Question: Which indicator is used in the titration shown?")
    expect(asked).toContain("B. Phenolphthalein")
    expect(asked).toContain("Correct answer: B. Phenolphthalein")
    expect(asked).toContain("Knowledge point: Acid-base titration (Chemistry, Analytical Chemistry)")
  })

  it('is offered by the plugin as the validator "answer-leak", and needs a model', () => {
    const made = plugin.validators!["answer-leak"]!({ model: undefined, options: {}, projectDir: "." })
    expect(made.unready?.()).toBe('answer-leak needs a text model: give "model" in its pipeline.checks entry')
    expect(
      plugin.validators!["answer-leak"]!({ model: "pool:text", options: {}, projectDir: "." }).unready?.()
    ).toBeUndefined()
  })
})
