/**
 * videokr-plugin-answer-leak: a validator of generated examples, as a videokr plugin. Enable it in
 * videokr.config.ts (see the README): `plugins: ["videokr-plugin-answer-leak"]` and a `pipeline.checks`
 * entry `{ use: "answer-leak", after: "consistency", model: "<a text model>" }`.
 */
import { definePlugin } from "@videokr/core"
import { answerLeak } from "./AnswerLeak.ts"

export { answerLeak, type AnswerLeakOptions } from "./AnswerLeak.ts"

export default definePlugin({
  name: "answer-leak",
  validators: {
    "answer-leak": ({ model }) => answerLeak({ model })
  }
})
