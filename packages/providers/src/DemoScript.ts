/**
 * The demo's scripted model: deterministic answers to every pipeline prompt, written so that each filter
 * and validator of the demo keeps some items and rejects others, for reasons a reader can follow. It is
 * a stand-in, labelled "scripted:demo" wherever its output is recorded; it does not look at images, only
 * counts them. `demoReply` takes the prompt's text and image count, so a loopback server speaking a
 * provider's wire protocol can answer with it too (the end-to-end tests).
 */
const line = (text: string, prefix: string) =>
  text
    .split("\n")
    .find((l) => l.startsWith(prefix))
    ?.slice(prefix.length)
    .trim() ?? ""

/** The knowledge point a prompt is about (its "Knowledge point:" line). */
export const knowledgePointOf = (text: string) => line(text, "Knowledge point:") || "the topic"

/** FNV-1a, for choices that look arbitrary but never change. */
const hash = (text: string) => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 3)
  )

/** The option generated examples mark as right; the demo's answering model looks for it. */
const shownMarker = "as shown in the video"

const generation = (text: string): string => {
  const kp = knowledgePointOf(text)
  const skill = /^Skill: (\S+)/m.exec(text)?.[1] ?? "VIDR"
  const type = line(text, "Problem type:")
  const title = /from the video "(.*)"/.exec(text)?.[1] ?? ""
  const h = hash(`${kp}|${skill}|${type}|${title}`)
  const base = {
    skill,
    problem_type: type,
    rationale: `1. The frames show ${title.toLowerCase()}. 2. ${kp} explains what happens. 3. So the answer follows.`
  }
  if (h % 13 === 0)
    return JSON.stringify({
      ...base,
      skill: skill === "VIDR" ? "KNOWVIDR" : "VIDR",
      question: `Which step of ${kp.toLowerCase()} is shown?`,
      options: ["a", "b", "c", "d"],
      answer: "A"
    })
  if (h % 13 === 1)
    return JSON.stringify({ ...base, question: `What does the video show about ${kp.toLowerCase()}?`, answer: "" })
  if (type === "open-ended") {
    return JSON.stringify({
      ...base,
      question: `In the video (${skill}), what does the demonstrator show about ${kp.toLowerCase()}?`,
      options: [],
      answer: `the ${kp.toLowerCase()} ${shownMarker}`
    })
  }
  const right = h % 4
  const options = ["an unrelated cooking technique", "a weather forecast", "a sports replay"]
  options.splice(right, 0, `${kp} ${shownMarker}`)
  // one in seven keys the wrong letter: the independent answers then disagree with it
  const keyed = h % 7 === 3 ? (right + 1) % 4 : right
  return JSON.stringify({
    ...base,
    question: `Which of these does the video (${skill}) demonstrate?`,
    options,
    answer: "ABCD"[keyed]
  })
}

const answer = (text: string, images: number): string => {
  const question = line(text, "Question:")
  // from one frame, only some questions can be answered (video dependency drops those)
  if (images === 1 && hash(question) % 3 !== 0)
    return "<think>One frame is not enough to tell.</think> <answer>unknown</answer>"
  const options = text.split("\n").filter((l) => /^[A-J]\. /.test(l))
  if (options.length > 0) {
    const chosen = options.find((o) => o.includes(shownMarker)) ?? options[0]!
    return `<think>The frames show it.</think> <answer>${chosen[0]}</answer>`
  }
  const about = /about (.*)\?/.exec(question)?.[1] ?? question
  return `<think>The frames show it.</think> <answer>the ${about} ${shownMarker}</answer>`
}

export const demoReply = (text: string, images: number): string | undefined => {
  if (text.includes("TASK: metadata relevance")) {
    const kp = words(knowledgePointOf(text))
    const meta = words(["Video title:", "Video description:", "Video tags:"].map((k) => line(text, k)).join(" "))
    const shared = [...kp].filter((w) => meta.has(w))
    return JSON.stringify(
      shared.length > 0
        ? { relevant: true, reason: `the metadata mentions ${shared.join(", ")}` }
        : { relevant: false, reason: "nothing in the title, description or tags is about the knowledge point" }
    )
  }
  if (text.includes("TASK: scenarios")) {
    const kp = knowledgePointOf(text)
    if (/fracture/i.test(kp)) return "Sure! Here are some ideas: a lab, a lecture"
    if (/History|Economics/.test(line(text, "Path:"))) return JSON.stringify({ scenarios: [] })
    return JSON.stringify({
      scenarios: [
        `laboratory demonstration of ${kp.toLowerCase()}`,
        `${kp.toLowerCase()} explained with a hands-on experiment`,
        `real-world footage showing ${kp.toLowerCase()}`
      ]
    })
  }
  if (text.includes("TASK: visual relevance")) {
    return /slides/i.test(line(text, "Video title:"))
      ? JSON.stringify({ relevant: false, reason: `the ${images} frames show only text slides, no demonstration` })
      : JSON.stringify({ relevant: true, reason: `the ${images} frames show the set-up in use` })
  }
  if (text.includes("TASK: safety moderation")) {
    return /graphic/i.test(line(text, "Video title:"))
      ? JSON.stringify({ safe: false, category: "graphic violence", reason: "the title announces graphic footage" })
      : JSON.stringify({ safe: true, category: "none", reason: "nothing flagged" })
  }
  if (text.includes("TASK: knowledge bank expansion")) {
    // two new points and one the bank already has (which the stage leaves out)
    const subject = line(text, "Subject:")
    const existing =
      /Do not repeat these existing knowledge points: (.*)/.exec(text)?.[1]?.split("; ")[0] ?? "Units and dimensions"
    const course = `${subject} Laboratory`
    return JSON.stringify({
      knowledge_points: [
        {
          course,
          lecture: "Measurement",
          knowledge_point: `Measurement uncertainty in ${subject.toLowerCase()} experiments`,
          description: "Repeated readings scatter; their spread bounds the result."
        },
        {
          course,
          lecture: "Instruments",
          knowledge_point: `Calibration of ${subject.toLowerCase()} instruments`,
          description: "Readings are corrected against a reference standard."
        },
        { course, lecture: "Review", knowledge_point: existing }
      ]
    })
  }
  if (text.includes("TASK: generation")) return generation(text)
  if (text.includes("TASK: answer")) return answer(text, images)
  if (text.includes("TASK: rationale verification")) {
    return hash(line(text, "Question:") + line(text, "Answer:")) % 5 === 0
      ? JSON.stringify({ valid: false, failed_step: 2, reason: "step 2 names a concept the frames do not show" })
      : JSON.stringify({ valid: true, failed_step: 0, reason: "each step follows" })
  }
  // a judge of `videokr eval` (the reference's 1/0 protocol): most predictions pass
  if (text.includes('Return only "1" or "0"')) return hash(text) % 3 === 0 ? "0" : "1"
  if (isBenchmarkPrompt(text)) return benchmarkAnswer(text, images)
  return undefined
}

/** Whether a prompt is a benchmark question of `videokr eval` (each task's post-prompt asks for an answer). */
export const isBenchmarkPrompt = (text: string) =>
  /<answer>|output the final answer|option letter|best answer/i.test(text)

/** The option letters a benchmark prompt lists ("A. ...", "(A) ...", "A: ..."), in order. */
export const optionLetters = (text: string) => [...text.matchAll(/^\(?([A-J])[.):]\s/gm)].map((m) => m[1]!)

/**
 * A benchmark question of `videokr eval`: the letter of an option ("A. ...", "(A) ...") drawn from the
 * question and the number of frames seen, so that the same question with one frame (the single-frame
 * report) is often answered differently; an open-ended question gets a phrase from the question.
 */
const benchmarkAnswer = (text: string, images: number) => {
  const letters = optionLetters(text)
  const question = text.split("\n").find((l) => l.trim() !== "") ?? ""
  const think = `<think>I looked at the ${images} frame(s) and compared what they show with the question.</think>`
  if (letters.length > 0)
    return `${think}\n<answer>${letters[hash(question + (images > 1 ? "" : "one frame")) % letters.length]}</answer>`
  const phrase = question
    .split(/\s+/)
    .filter((w) => w.length > 3)
    .slice(-3)
    .join(" ")
  return `${think}\n<answer>${phrase === "" ? "unknown" : phrase}</answer>`
}
