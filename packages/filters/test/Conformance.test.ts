import { describe, it } from "@effect/vitest"
import { type CheckSubject, checkConformance } from "@videokr/core/testing"
import {
  metadataRelevance,
  rationaleVerifier,
  safetyModeration,
  selfConsistency,
  videoDependency,
  visualRelevance
} from "../src/index.ts"

// the built-in checks pass the kit that plugin checks pass (@videokr/core/testing)
const frames = { mode: "uniform" as const, count: 4, maxPixels: 160 * 120 }
const structured = ["relevant, probably", '{"relevant": "maybe"}']
const subjects: Record<string, CheckSubject> = {
  "metadata relevance": {
    make: (m) => metadataRelevance(m),
    answer: () => '{"relevant": true, "reason": "the title names it"}',
    unusable: structured
  },
  "visual relevance": {
    make: (m) => visualRelevance(m, frames),
    answer: () => '{"relevant": false, "reason": "a test pattern"}',
    unusable: structured
  },
  "safety moderation": {
    make: (m) => safetyModeration(m, frames),
    answer: () => '{"safe": true, "category": "none", "reason": "a lab bench"}',
    unusable: ["safe", '{"safe": "yes"}']
  },
  "rationale verifier": {
    make: (m) => rationaleVerifier(m, frames),
    answer: () => '{"valid": false, "failed_step": 2, "reason": "step 2 is not shown"}',
    unusable: ['{"valid": true}', "valid"]
  },
  // the answering validators: a wrong letter, a correct open answer
  "self-consistency": {
    make: (m) => selfConsistency({ model: m, k: 2, frames }),
    answer: ({ text }) =>
      text.includes("Options:") ? "<think>orange</think><answer>A</answer>" : "<answer>It doubles</answer>"
  },
  "video dependency": {
    make: (m) => videoDependency({ model: m }),
    answer: ({ text }) => (text.includes("Options:") ? "<answer>B</answer>" : "<answer>It halves</answer>")
  }
}

for (const [name, subject] of Object.entries(subjects)) {
  describe(`${name} passes the check kit`, () => {
    for (const check of checkConformance) it(check.name, () => check.run(subject))
  })
}
