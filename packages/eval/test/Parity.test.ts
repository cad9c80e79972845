import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { porterStem, reward, rouge } from "../src/index.ts"

// Vectors computed by the reference implementations themselves (NLTK's PorterStemmer, Google's rouge_score,
// the release's verl reward function) with Debian's Python, outside this repository: see vectors/README.md.
const vectors = (name: string) =>
  readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))

describe("parity with the reference implementations", () => {
  it("stems every word as NLTK's PorterStemmer does (2,903 words)", () => {
    const rows = vectors("stems.jsonl")
    expect(rows.filter((r) => porterStem(r.word) !== r.stem)).toEqual([])
  })

  it("scores ROUGE-1/2/L exactly as rouge_score with use_stemmer=True (817 pairs, every double equal)", () => {
    const rows = vectors("rouge.jsonl")
    const differ = rows.filter((r) => {
      const s = rouge(r.reference, r.prediction)
      return JSON.stringify(s) !== JSON.stringify({ rouge1: r.rouge1, rouge2: r.rouge2, rougeL: r.rougeL })
    })
    expect(differ).toEqual([])
  })

  it("gives the verl reward function's format, accuracy and reward (1,000 outputs)", () => {
    const rows = vectors("reward.jsonl")
    const differ = rows.filter(
      (r) =>
        JSON.stringify(reward(r.output, r.ground_truth, r.problem_type)) !==
        JSON.stringify({ format: r.format, accuracy: r.accuracy, reward: r.reward })
    )
    expect(differ).toEqual([])
  })
})
