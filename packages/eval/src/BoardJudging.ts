import { relative } from "node:path"
import { Duration, Effect, Stream } from "effect"
import { isTransient, ModelRegistry, type ProviderError, writeTextAtomic } from "@videokr/core"
import { pyStrip } from "@videokr/core/python"
import {
  judgePromptVersion,
  outputHash,
  type StoredVerdicts,
  type Verdict,
  verdictKey,
  verdictLines,
  verdictsFileOf
} from "./BoardVerdicts.ts"
import { judgeParams, parseJudgeReply } from "./Judge.ts"
import { sampleRetryDefaults, type SampleRetry } from "./Runner.ts"
import { type DocumentsOf, judgePromptFor, type LoadedSubmission } from "./Submission.ts"
import type { Doc, Task } from "./Task.ts"

/**
 * `videokr site judge`: every output of every submission that the rules cannot score (an open-ended
 * answer) judged by the board's pinned judge, with the task's reference judge prompt and parameters. What
 * already has a verdict of this judge and prompt version is not asked again. Each submission's verdicts
 * file is rewritten whole (atomically) when its outputs are judged; a paid reply is in the response cache
 * before it is used, so a killed run pays nothing twice. A transient failure leaves the output waiting
 * (asked again in later rounds, then by the next run); only a final reply or a final failure (counted
 * wrong, as the reference does) becomes a verdict.
 */
export interface JudgeOptions {
  readonly judge: string
  readonly verdictsDir: string
  /** ask again what already has a verdict of this judge and prompt version */
  readonly again: boolean
  readonly concurrency: number
  readonly retry?: Partial<SampleRetry> | undefined
  readonly onProgress?: ((p: JudgeProgress) => void) | undefined
  /** when the judging began (recorded in each verdict) */
  readonly now: () => string
}

export interface JudgeProgress {
  readonly submission: string
  readonly total: number
  readonly done: number
  readonly pending: number
}

export interface JudgeSummary {
  readonly submission: string
  /** outputs the rules cannot score */
  readonly judgeable: number
  /** of those, already judged before this run */
  readonly stored: number
  readonly asked: number
  /** final failures, stored as wrong */
  readonly failed: number
  /** transient failures that outlasted the rounds: not stored, asked by the next run */
  readonly pending: number
}

interface Item {
  readonly task: Task
  readonly doc: Doc
  readonly id: string
  readonly output: string
  readonly prompt: string
  readonly key: string
}

/** The outputs of a (checked) submission that only a judge can score, with their judge prompts and verdict keys. */
export const judgeableOutputs = (
  submission: LoadedSubmission,
  known: Readonly<Record<string, Task>>,
  documentsOf: DocumentsOf,
  judge: string
) =>
  Effect.gen(function* () {
    const items: Array<Item> = []
    const indexes = new Map<string, Map<string, Doc>>()
    for (const p of submission.predictions) {
      const task = known[p.task]
      if (task?.judgePrompt === undefined) continue
      let index = indexes.get(task.name)
      if (index === undefined) {
        const docs = yield* documentsOf(task)
        index = new Map(docs.map((d, i) => [task.docId(d, i), d]))
        indexes.set(task.name, index)
      }
      const doc = index.get(p.id)
      if (doc === undefined) continue
      const prompt = judgePromptFor(task, doc, pyStrip(p.output))
      if (prompt === undefined) continue
      items.push({
        task,
        doc,
        id: p.id,
        output: p.output,
        prompt,
        key: verdictKey({ task: task.name, id: p.id, output: p.output, judge, prompt: judgePromptVersion })
      })
    }
    return items
  })

const reason = (e: ProviderError) => `${e._tag}: ${e.message}`

/** Judges one submission's outputs and writes its verdicts file; the summary says what is left. */
export const judgeSubmission = (
  folder: string,
  items: ReadonlyArray<Item>,
  stored: StoredVerdicts,
  options: JudgeOptions
) =>
  Effect.gen(function* () {
    const registry = yield* ModelRegistry
    const judge = yield* registry.resolve(options.judge, { stage: "site-judge" })
    const retry = { ...sampleRetryDefaults, ...options.retry }
    const todo = items.filter((i) => options.again || !stored.byKey.has(i.key))
    const fresh = new Map<string, Verdict>()
    let failed = 0
    const progress = { submission: folder, total: todo.length, done: 0, pending: 0 }
    options.onProgress?.({ ...progress })
    const ask = (item: Item) =>
      Effect.gen(function* () {
        const reply = yield* Effect.result(
          judge.chat({
            messages: [{ role: "user", content: item.prompt }],
            params: item.task.judgeParams ?? judgeParams
          })
        )
        if (reply._tag === "Failure" && isTransient(reply.failure)) return false
        if (reply._tag === "Failure") failed++
        fresh.set(item.key, {
          key: item.key,
          task: item.task.name,
          id: item.id,
          output: outputHash(item.output),
          judge: options.judge,
          prompt: judgePromptVersion,
          verdict: reply._tag === "Failure" ? 0 : (item.task.parseJudge ?? parseJudgeReply)(reply.success.text),
          reply: reply._tag === "Failure" ? `judge failed: ${reason(reply.failure)}` : reply.success.text,
          submission: folder,
          judgedAt: options.now()
        })
        progress.done++
        options.onProgress?.({ ...progress })
        return true
      })
    let waiting = todo
    for (let round = 0; waiting.length > 0 && round <= retry.rounds; round++) {
      if (round > 0)
        yield* Effect.sleep(Duration.millis(Math.min(retry.maxDelayMillis, retry.delayMillis * 2 ** (round - 1))))
      const answered = yield* Effect.forEach(waiting, ask, { concurrency: options.concurrency })
      waiting = waiting.filter((_, i) => !answered[i])
      progress.pending = waiting.length
      options.onProgress?.({ ...progress })
    }
    const file = verdictsFileOf(options.verdictsDir, folder)
    if (fresh.size > 0) {
      // the file's verdicts so far (of any judge), this run's replacing those of the same key
      const kept = (stored.files.get(relative(options.verdictsDir, file)) ?? []).filter((v) => !fresh.has(v.key))
      yield* writeTextAtomic(file, Stream.make(verdictLines([...kept, ...fresh.values()])))
    }
    const summary: JudgeSummary = {
      submission: folder,
      judgeable: items.length,
      stored: items.length - todo.length,
      asked: fresh.size,
      failed,
      pending: waiting.length
    }
    return summary
  })
