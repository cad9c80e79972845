import assert from "node:assert/strict"
import { Effect, Exit, type Layer } from "effect"
import {
  AuthFailed,
  BadRequest,
  type Candidate,
  checkInputHash,
  type ExampleValidator,
  type GeneratedExample,
  type KnowledgePoint,
  type PipelineServices,
  type ProviderError,
  RateLimited,
  ServerError,
  Timeout,
  type Verdict,
  type VideoFilter
} from "../index.ts"
import { type Asked, scriptedModels } from "./ScriptedModels.ts"
import { testVideos } from "./videos.ts"

/**
 * The conformance checks every filter and validator passes, built-ins and plugins alike. A check author
 * gives how to make the check asking a given model, and an answer it takes as final; the kit asks it
 * about real test videos (ffmpeg-made) with scripted models that answer, fail or talk nonsense. Run them
 * from any test framework:
 *
 *   for (const c of checkConformance) it(c.name, () => c.run(subject))
 */
export interface CheckSubject {
  /** the check under test, asking `model` (a "test:…" id the kit answers) */
  readonly make: (model: string) => VideoFilter | ExampleValidator
  /** an answer the check takes as final, given what it was asked */
  readonly answer: (asked: Asked) => string
  /** two different items of its kind; by default the kit's sample candidates or examples */
  readonly items?: readonly [Candidate, Candidate] | readonly [GeneratedExample, GeneratedExample] | undefined
  /** answers it cannot use, each of which must be an "error" verdict (e.g. prose where JSON is asked for) */
  readonly unusable?: ReadonlyArray<string> | undefined
}

export interface CheckConformance {
  readonly name: string
  readonly run: (subject: CheckSubject) => Promise<void>
}

const knowledgePoints: ReadonlyArray<KnowledgePoint> = [
  {
    id: "kp-chem-002",
    discipline: "Natural Sciences",
    subject: "Chemistry",
    course: "Analytical Chemistry",
    lecture: "Titration",
    knowledge_point: "Acid-base titration",
    description: "Finding a concentration by neutralisation"
  },
  {
    id: "kp-phys-003",
    discipline: "Natural Sciences",
    subject: "Physics",
    course: "Mechanics",
    lecture: "Newton's laws",
    knowledge_point: "Second law of motion"
  }
]

/** Two (video, knowledge point) candidates over real test videos, as the search stage yields them. */
export const sampleCandidates = (): readonly [Candidate, Candidate] => {
  const videos = testVideos()
  const candidate = (file: "base" | "lecture", kp: KnowledgePoint, title: string): Candidate => ({
    id: `local:${file}.mp4@${kp.id}`,
    localPath: videos[file],
    video: {
      id: `local:${file}.mp4`,
      source: "local",
      source_id: `${file}.mp4`,
      url: `file://${file}.mp4`,
      license: "CC BY 4.0",
      duration: 10,
      title,
      description: `A short clip about ${kp.knowledge_point}.`,
      tags: [kp.subject]
    },
    knowledgePoint: kp
  })
  return [
    candidate("base", knowledgePoints[0]!, "Titration at the bench"),
    candidate("lecture", knowledgePoints[1]!, "Lecture 3: force and acceleration")
  ]
}

/** Two generated examples (multiple choice and open-ended) over real test videos. */
export const sampleExamples = (): readonly [GeneratedExample, GeneratedExample] => {
  const videos = testVideos()
  return [
    {
      id: "local:base.mp4@kp-chem-002#KNOWVID-1",
      videoId: "local:base.mp4",
      knowledgePoint: knowledgePoints[0]!,
      skill: "KNOWVID",
      problemType: "multiple choice",
      question: "Which indicator is used in the titration shown?",
      options: { A: "Methyl orange", B: "Phenolphthalein", C: "Litmus", D: "Bromothymol blue" },
      answer: "B",
      rationale: "1. The solution turns pink at the end point. 2. Phenolphthalein turns pink in base.",
      videoPath: videos.base!,
      generatorModel: "test:generator"
    },
    {
      id: "local:lecture.mp4@kp-phys-003#KNOWVIDR-1",
      videoId: "local:lecture.mp4",
      knowledgePoint: knowledgePoints[1]!,
      skill: "KNOWVIDR",
      problemType: "open-ended",
      question: "By what factor does the acceleration change if the net force on the slide's cart doubles?",
      options: undefined,
      answer: "It doubles",
      rationale: "1. The slide states F = m a. 2. With m fixed, a is proportional to F.",
      videoPath: videos.lecture!,
      generatorModel: "test:generator"
    }
  ]
}

const model = "test:kit"
const isFilter = (c: VideoFilter | ExampleValidator): c is VideoFilter => "decide" in c
const itemsOf = (subject: CheckSubject, check: VideoFilter | ExampleValidator) =>
  subject.items ?? (isFilter(check) ? sampleCandidates() : sampleExamples())

/** The check's verdict on `item` with these models; a failure or a defect fails the conformance check. */
const verdictOf = async (
  check: VideoFilter | ExampleValidator,
  item: Candidate | GeneratedExample,
  layer: Layer.Layer<PipelineServices>
): Promise<Verdict> => {
  const decided = isFilter(check) ? check.decide(item as Candidate) : check.check(item as GeneratedExample)
  const exit = await Effect.runPromiseExit(Effect.provide(decided, layer))
  assert.ok(
    Exit.isSuccess(exit),
    `a check never fails: it must return a verdict, but it ended with ${Exit.isFailure(exit) ? String(exit.cause) : ""}`
  )
  const verdict = exit.value
  assert.ok(
    ["keep", "drop", "error"].includes(verdict.decision),
    `decision must be keep, drop or error, not ${JSON.stringify(verdict.decision)}`
  )
  assert.ok(typeof verdict.reason === "string" && verdict.reason.trim() !== "", "every verdict gives its reason")
  assert.doesNotThrow(() => JSON.stringify(verdict.evidence), "evidence is stored as JSON")
  return verdict
}

const failures: ReadonlyArray<ProviderError> = [
  new RateLimited({ provider: "test", model, detail: "quota", retryAfterMs: 1000 }),
  new ServerError({ provider: "test", model, detail: "upstream down", status: 503 }),
  new Timeout({ provider: "test", model, detail: "no answer in 60 s" }),
  new AuthFailed({ provider: "test", model, detail: "invalid key" }),
  new BadRequest({ provider: "test", model, detail: "too many images" })
]

const nonsense = ["", "I'm sorry, I can't help with that.", '{"broken": ', "<html><body>502 Bad Gateway</body></html>"]

export const checkConformance: ReadonlyArray<CheckConformance> = [
  {
    name: "has an id, a stage and a version; its prompts are versioned files (name.vN)",
    run: async (subject) => {
      const check = subject.make(model)
      for (const field of ["id", "stage", "version"] as const)
        assert.ok(typeof check[field] === "string" && check[field].trim() !== "", `${field} is a non-empty string`)
      for (const p of check.prompts ?? []) {
        assert.match(p.name, /\.v\d+$/, `prompt "${p.name}" carries its version in its name (e.g. "leak.v1")`)
        assert.ok(p.text.trim() !== "", `prompt "${p.name}" has a text`)
      }
    }
  },
  {
    name: "decides keep or drop with a reason and evidence, naming the model it asked",
    run: async (subject) => {
      const check = subject.make(model)
      for (const item of itemsOf(subject, check)) {
        const models = scriptedModels(subject.answer)
        const verdict = await verdictOf(check, item, models.layer)
        assert.ok(
          verdict.decision !== "error",
          `on a usable answer the check decides; it said error: ${verdict.reason}`
        )
        assert.ok(verdict.evidence !== undefined, "a decision carries its evidence")
        if (models.asked.length > 0)
          assert.ok(verdict.modelId !== undefined, "a verdict that asked a model names it (modelId)")
      }
    }
  },
  {
    name: "asks only its own model, and asks the same for the same item (so its answers can be cached)",
    run: async (subject) => {
      const check = subject.make(model)
      const [item] = itemsOf(subject, check)
      const first = scriptedModels(subject.answer)
      const second = scriptedModels(subject.answer)
      await verdictOf(check, item, first.layer)
      await verdictOf(subject.make(model), item, second.layer)
      for (const a of first.asked) assert.equal(a.model, model, `asked ${a.model}, but it was made to ask ${model}`)
      assert.deepEqual(second.asked, first.asked, "the same item and model give the same requests")
    }
  },
  {
    name: "lists in `prompts` the templates it asks with",
    run: async (subject) => {
      const check = subject.make(model)
      const models = scriptedModels(subject.answer)
      await verdictOf(check, itemsOf(subject, check)[0], models.layer)
      if (models.asked.length === 0) return
      const prompts = check.prompts ?? []
      assert.ok(
        prompts.length > 0,
        "it asks a model, so it lists the prompt templates it asks with in `prompts` (their texts are part of its items' input hash)"
      )
      // a template's lines without placeholders appear in the requests made from it
      const fixedLines = prompts.flatMap((p) =>
        p.text
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l.length >= 12 && !l.includes("{{"))
      )
      if (fixedLines.length === 0) return
      for (const a of models.asked)
        assert.ok(
          fixedLines.some((l) => a.text.includes(l)),
          `a request was made from none of its listed prompts: ${a.text.slice(0, 120)}`
        )
    }
  },
  {
    name: "the input hash changes exactly when the check's prompt, model or input does",
    run: async (subject) => {
      const check = subject.make(model)
      const [a, b] = itemsOf(subject, check)
      assert.equal(
        checkInputHash(subject.make(model), a),
        checkInputHash(check, a),
        "made twice alike, the check hashes an item alike (no time or randomness in its version)"
      )
      assert.notEqual(checkInputHash(check, b), checkInputHash(check, a), "another item, another hash")
      if (check.modelId !== undefined)
        assert.notEqual(
          checkInputHash(subject.make("test:other"), a),
          checkInputHash(check, a),
          "another model, another hash (modelId follows the model it is made with)"
        )
      for (const [i, p] of (check.prompts ?? []).entries()) {
        const edited = {
          ...check,
          prompts: (check.prompts ?? []).map((q, j) => (j === i ? { ...q, text: `${p.text}\n` } : q))
        }
        assert.notEqual(
          checkInputHash(edited, a),
          checkInputHash(check, a),
          `editing prompt "${p.name}" changes the hash`
        )
      }
    }
  },
  {
    name: "a failed model call is an error verdict with its reason, never a failure",
    run: async (subject) => {
      const check = subject.make(model)
      const [item] = itemsOf(subject, check)
      for (const failure of failures) {
        const models = scriptedModels(() => failure)
        const verdict = await verdictOf(check, item, models.layer)
        if (models.asked.length === 0) return // it asks no model
        assert.equal(
          verdict.decision,
          "error",
          `after ${failure._tag} the item is not decided (got ${verdict.decision}: ${verdict.reason})`
        )
      }
    }
  },
  {
    name: "an answer it cannot use is a verdict with its reason, never a failure; its unusable answers are errors",
    run: async (subject) => {
      const check = subject.make(model)
      const [item] = itemsOf(subject, check)
      for (const text of nonsense) await verdictOf(check, item, scriptedModels(() => text).layer)
      for (const text of subject.unusable ?? []) {
        const verdict = await verdictOf(check, item, scriptedModels(() => text).layer)
        assert.equal(
          verdict.decision,
          "error",
          `the answer ${JSON.stringify(text)} decides nothing (got ${verdict.decision}: ${verdict.reason})`
        )
      }
    }
  },
  {
    name: "a video that is missing or unreadable is a verdict, never a failure",
    run: async (subject) => {
      const check = subject.make(model)
      const [item] = itemsOf(subject, check)
      const videos = testVideos()
      for (const path of [videos.corrupt!, videos.notes!, "/nonexistent/videokr-kit.mp4"]) {
        const broken = isFilter(check)
          ? { ...(item as Candidate), localPath: path }
          : { ...(item as GeneratedExample), videoPath: path }
        await verdictOf(check, broken, scriptedModels(subject.answer).layer)
      }
    }
  }
]
