import { porterStem } from "./PorterStemmer.ts"

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L (F-measure, precision, recall) the way Google's rouge_score computes them
 * with use_stemmer=True: lowercase, every run of non-alphanumerics is a separator, NLTK's Porter stemming
 * of tokens longer than 3 characters; n-gram overlap counts clipped per n-gram; ROUGE-L from the longest
 * common subsequence of the token lists. Same operations in the same order, so the same doubles
 * (test/vectors/rouge.jsonl, computed by rouge_score itself).
 */
export interface Score {
  readonly precision: number
  readonly recall: number
  readonly fmeasure: number
}

export interface RougeScores {
  readonly rouge1: Score
  readonly rouge2: Score
  readonly rougeL: Score
}

// stems of the words seen so far: texts repeat their words, and stemming is most of tokenizing
const stems = new Map<string, string>()
const stem = (word: string): string => {
  let s = stems.get(word)
  if (s === undefined) {
    if (stems.size >= 200_000) stems.clear()
    s = porterStem(word)
    stems.set(word, s)
  }
  return s
}

export const tokenize = (text: string): Array<string> =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter((t) => t !== "")
    .map((t) => (t.length > 3 ? stem(t) : t))
    .filter((t) => /^[a-z0-9]+$/.test(t))

const score = (overlap: number, targetCount: number, predictionCount: number): Score => {
  const precision = predictionCount > 0 ? overlap / predictionCount : 0
  const recall = targetCount > 0 ? overlap / targetCount : 0
  return { precision, recall, fmeasure: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 }
}

const ngrams = (tokens: ReadonlyArray<string>, n: number): Map<string, number> => {
  const counts = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join("\u0000")
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

const ngramScore = (target: ReadonlyArray<string>, prediction: ReadonlyArray<string>, n: number): Score => {
  const t = ngrams(target, n)
  const p = ngrams(prediction, n)
  let overlap = 0
  for (const [k, c] of t) overlap += Math.min(c, p.get(k) ?? 0)
  return score(overlap, Math.max(target.length - n + 1, 0), Math.max(prediction.length - n + 1, 0))
}

/** Length of the longest common subsequence, in one row of memory. */
export const lcsLength = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  if (a.length === 0 || b.length === 0) return 0
  const row = new Uint32Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1]!)
      diagonal = above
    }
  }
  return row[b.length]!
}

/** rouge_score's RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(target, prediction). */
export const rouge = (target: string, prediction: string): RougeScores => {
  const t = tokenize(target)
  const p = tokenize(prediction)
  return { rouge1: ngramScore(t, p, 1), rouge2: ngramScore(t, p, 2), rougeL: score(lcsLength(t, p), t.length, p.length) }
}
