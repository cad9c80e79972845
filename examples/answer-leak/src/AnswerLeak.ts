import { Effect, Schema } from "effect"
import {
  askStructured,
  errorVerdict,
  type ExampleValidator,
  type GeneratedExample,
  promptTemplate,
  render,
  type Verdict
} from "@videokr/core"

/**
 * Rejects generated examples whose question or options give the answer away, so that an example
 * measures watching and knowing rather than reading. The answer stated word for word in the question is
 * dropped without asking a model; otherwise a text model judges the wording (prompts/leak.v1.md).
 */
export interface AnswerLeakOptions {
  /** the text model that judges the wording (a model id or a pool) */
  readonly model: string | undefined
}

// beside the package's code, in src/ and in dist/ alike: "../prompts/" from this module
const prompt = promptTemplate("../prompts/leak.v1", { from: import.meta.url })
const Judgement = Schema.Struct({ leaks: Schema.Boolean, clue: Schema.String, reason: Schema.String })

/** The correct answer as words: the option's text for multiple choice. */
const answerText = (example: GeneratedExample): string =>
  example.problemType === "multiple choice" ? (example.options?.[example.answer] ?? example.answer) : example.answer

const words = (text: string): string =>
  ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `

/** The answer of at least two words or six letters, word for word in the question (a letter or "yes" is not). */
const statedInQuestion = (example: GeneratedExample): boolean => {
  const answer = words(answerText(example))
  const long = answer.trim().includes(" ") || answer.trim().length >= 6
  return long && words(example.question).includes(answer)
}

const optionLines = (example: GeneratedExample): string =>
  example.options === undefined
    ? ""
    : `Options:\n${Object.entries(example.options)
        .map(([letter, text]) => `${letter}. ${text}`)
        .join("\n")}`

export const answerLeak = (options: AnswerLeakOptions): ExampleValidator => {
  const model = options.model ?? ""
  return {
    id: "answer-leak",
    stage: "answer-leak",
    version: prompt.name,
    modelId: model,
    prompts: [prompt],
    unready: () =>
      options.model === undefined
        ? `answer-leak needs a text model: give "model" in its pipeline.checks entry`
        : undefined,
    check: (example) => {
      if (statedInQuestion(example)) {
        return Effect.succeed<Verdict>({
          decision: "drop",
          reason: `the question states the answer ("${answerText(example)}")`,
          evidence: { clue: answerText(example), by: "text" }
        })
      }
      const text = render(prompt.text, {
        knowledge_point: example.knowledgePoint.knowledge_point,
        subject: example.knowledgePoint.subject,
        course: example.knowledgePoint.course,
        problem_type: example.problemType,
        question: example.question,
        options: optionLines(example),
        answer: example.problemType === "multiple choice" ? `${example.answer}. ${answerText(example)}` : example.answer
      })
      return askStructured(model, "answer-leak", text, [], Judgement, { temperature: 0, maxTokens: 200 }).pipe(
        Effect.map(
          (j): Verdict =>
            j.leaks
              ? {
                  decision: "drop",
                  reason: `the wording gives the answer away: ${j.reason}`,
                  modelId: model,
                  evidence: { clue: j.clue, by: "model" }
                }
              : { decision: "keep", reason: j.reason, modelId: model, evidence: { by: "model" } }
        ),
        Effect.catch((e) => Effect.succeed(errorVerdict(model)(e)))
      )
    }
  }
}
