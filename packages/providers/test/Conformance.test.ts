import { describe, it } from "@effect/vitest"
import { makeAnthropic } from "../src/Anthropic.ts"
import { makeOpenAi } from "../src/OpenAi.ts"
import { chatCompletionReply, conformanceChecks, type ConformanceSubject, messagesReply } from "../src/testing/index.ts"

// The built-in providers pass the same conformance checks that @videokr/providers/testing gives plugin authors.
const subjects: Record<string, ConformanceSubject> = {
  "openai-compatible": {
    make: ({ baseURL, apiKey, timeoutMs }) =>
      makeOpenAi({ id: "openai-compatible:conformance", baseURL, apiKey, timeoutMs }),
    reply: (text) => chatCompletionReply(() => text),
    model: "any-model",
    basePath: "/v1"
  },
  anthropic: {
    make: ({ baseURL, apiKey, timeoutMs }) => makeAnthropic({ baseURL, apiKey, timeoutMs }),
    reply: (text) => messagesReply(() => text),
    model: "claude-test-model"
  }
}

for (const [name, subject] of Object.entries(subjects)) {
  describe(`conformance: ${name}`, () => {
    for (const check of conformanceChecks) it(check.name, () => check.run(subject))
  })
}
