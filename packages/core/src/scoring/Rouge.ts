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

/** Tokens as small integers (shared by both texts of a pair), so n-grams and the LCS compare numbers. */
const intern = (target: ReadonlyArray<string>, prediction: ReadonlyArray<string>) => {
  const ids = new Map<string, number>()
  const map = (tokens: ReadonlyArray<string>) => {
    const out = new Int32Array(tokens.length)
    for (let i = 0; i < tokens.length; i++) {
      let id = ids.get(tokens[i]!)
      if (id === undefined) ids.set(tokens[i]!, (id = ids.size))
      out[i] = id
    }
    return out
  }
  const t = map(target)
  const p = map(prediction)
  return { t, p, size: ids.size }
}

/** Clipped overlap of the n-grams (n = 1 or 2) of two id sequences. */
const overlap = (t: Int32Array, p: Int32Array, n: 1 | 2, size: number): number => {
  const counts = new Map<number, number>()
  const key = (a: Int32Array, i: number) => (n === 1 ? a[i]! : a[i]! * size + a[i + 1]!)
  for (let i = 0; i + n <= p.length; i++) {
    const k = key(p, i)
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  let shared = 0
  for (let i = 0; i + n <= t.length; i++) {
    const k = key(t, i)
    const c = counts.get(k)
    if (c !== undefined && c > 0) {
      shared++
      counts.set(k, c - 1)
    }
  }
  return shared
}

/** Length of the longest common subsequence, in one row of memory. */
export const lcsLength = (a: ArrayLike<unknown>, b: ArrayLike<unknown>): number => {
  if (a.length === 0 || b.length === 0) return 0
  const row = new Uint32Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0
    const x = a[i - 1]
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1]!)
      diagonal = above
    }
  }
  return row[b.length]!
}

/** rouge_score's RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(target, prediction). */
export const rouge = (target: string, prediction: string): RougeScores => {
  const { t, p, size } = intern(tokenize(target), tokenize(prediction))
  const grams = (n: 1 | 2) =>
    score(overlap(t, p, n, size), Math.max(t.length - n + 1, 0), Math.max(p.length - n + 1, 0))
  return { rouge1: grams(1), rouge2: grams(2), rougeL: score(lcsLength(t, p), t.length, p.length) }
}
