/**
 * The Porter stemmer as NLTK's PorterStemmer runs it by default (mode NLTK_EXTENSIONS), which is what
 * Google's rouge_score uses with use_stemmer=True: Porter's five steps plus NLTK's departures from the
 * paper (a pool of irregular forms, "ies"/"ied" on four-letter words, "y" to "i" only after a consonant
 * that is not the first letter, "alli" and "fulli"/"logi" in step 2, a two-letter *o condition, and no
 * stemming of words of one or two letters). Checked against NLTK's own output (test/vectors/stems.jsonl).
 */
const irregular: Record<string, string> = {
  sky: "sky",
  skies: "sky",
  dying: "die",
  lying: "lie",
  tying: "tie",
  news: "news",
  innings: "inning",
  inning: "inning",
  outings: "outing",
  outing: "outing",
  cannings: "canning",
  canning: "canning",
  howe: "howe",
  proceed: "proceed",
  exceed: "exceed",
  succeed: "succeed"
}

const isVowelLetter = (c: string) => c === "a" || c === "e" || c === "i" || c === "o" || c === "u"

const isConsonant = (word: string, i: number): boolean => {
  const c = word[i]!
  if (isVowelLetter(c)) return false
  if (c === "y") return i === 0 ? true : !isConsonant(word, i - 1)
  return true
}

/** m in [C](VC){m}[V]: the number of vowel-consonant transitions. */
const measure = (stem: string): number => {
  let m = 0
  let previousVowel = false
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i)
    if (consonant && previousVowel) m++
    previousVowel = !consonant
  }
  return m
}

const positive = (stem: string) => measure(stem) > 0

const containsVowel = (stem: string) => {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true
  return false
}

const endsDoubleConsonant = (word: string) =>
  word.length >= 2 && word.at(-1) === word.at(-2) && isConsonant(word, word.length - 1)

/** *o: ends consonant-vowel-consonant, the last not w, x or y; or (NLTK) a two-letter vowel-consonant word. */
const endsCvc = (word: string) =>
  (word.length >= 3 &&
    isConsonant(word, word.length - 3) &&
    !isConsonant(word, word.length - 2) &&
    isConsonant(word, word.length - 1) &&
    !"wxy".includes(word.at(-1)!)) ||
  (word.length === 2 && !isConsonant(word, 0) && isConsonant(word, 1))

type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | undefined]

/** The first rule whose suffix ends the word decides: replaced if its condition holds, else the word as it is. */
const applyRules = (word: string, rules: ReadonlyArray<Rule>): string => {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2)
      return condition === undefined || condition(stem) ? stem + replacement : word
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, -suffix.length)
      return condition === undefined || condition(stem) ? stem + replacement : word
    }
  }
  return word
}

const step1a = (word: string) =>
  word.endsWith("ies") && word.length === 4
    ? word.slice(0, -3) + "ie"
    : applyRules(word, [
        ["sses", "ss", undefined],
        ["ies", "i", undefined],
        ["ss", "ss", undefined],
        ["s", "", undefined]
      ])

const step1b = (word: string) => {
  if (word.endsWith("ied")) return word.slice(0, -3) + (word.length === 4 ? "ie" : "i")
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3)
    return measure(stem) > 0 ? stem + "ee" : word
  }
  let intermediate: string | undefined
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, -suffix.length)
      if (containsVowel(stem)) {
        intermediate = stem
        break
      }
    }
  }
  if (intermediate === undefined) return word
  const last = intermediate.at(-1)!
  return applyRules(intermediate, [
    ["at", "ate", undefined],
    ["bl", "ble", undefined],
    ["iz", "ize", undefined],
    ["*d", last, () => !"lsz".includes(last)],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)]
  ])
}

const step1c = (word: string) =>
  applyRules(word, [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]])

const step2 = (word: string): string => {
  if (word.endsWith("alli") && positive(word.slice(0, -4))) return step2(word.slice(0, -4) + "al")
  return applyRules(word, [
    ["ational", "ate", positive],
    ["tional", "tion", positive],
    ["enci", "ence", positive],
    ["anci", "ance", positive],
    ["izer", "ize", positive],
    ["bli", "ble", positive],
    ["alli", "al", positive],
    ["entli", "ent", positive],
    ["eli", "e", positive],
    ["ousli", "ous", positive],
    ["ization", "ize", positive],
    ["ation", "ate", positive],
    ["ator", "ate", positive],
    ["alism", "al", positive],
    ["iveness", "ive", positive],
    ["fulness", "ful", positive],
    ["ousness", "ous", positive],
    ["aliti", "al", positive],
    ["iviti", "ive", positive],
    ["biliti", "ble", positive],
    ["fulli", "ful", positive],
    // NLTK measures the word without "ogi" here, not the stem without "logi"
    ["logi", "log", () => positive(word.slice(0, -3))]
  ])
}

const step3 = (word: string) =>
  applyRules(word, [
    ["icate", "ic", positive],
    ["ative", "", positive],
    ["alize", "al", positive],
    ["iciti", "ic", positive],
    ["ical", "ic", positive],
    ["ful", "", positive],
    ["ness", "", positive]
  ])

const above1 = (stem: string) => measure(stem) > 1

const step4 = (word: string) =>
  applyRules(word, [
    ["al", "", above1],
    ["ance", "", above1],
    ["ence", "", above1],
    ["er", "", above1],
    ["ic", "", above1],
    ["able", "", above1],
    ["ible", "", above1],
    ["ant", "", above1],
    ["ement", "", above1],
    ["ment", "", above1],
    ["ent", "", above1],
    ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
    ["ou", "", above1],
    ["ism", "", above1],
    ["ate", "", above1],
    ["iti", "", above1],
    ["ous", "", above1],
    ["ive", "", above1],
    ["ize", "", above1]
  ])

const step5a = (word: string) => {
  if (!word.endsWith("e")) return word
  const stem = word.slice(0, -1)
  const m = measure(stem)
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : word
}

const step5b = (word: string) => applyRules(word, [["ll", "l", () => measure(word.slice(0, -1)) > 1]])

export const porterStem = (word: string): string => {
  const lower = word.toLowerCase()
  // NLTK looks the word up as given and answers for its lowercase form
  if (Object.hasOwn(irregular, word)) return irregular[lower] ?? lower
  if (word.length <= 2) return lower
  return step5b(step5a(step4(step3(step2(step1c(step1b(step1a(lower))))))))
}
