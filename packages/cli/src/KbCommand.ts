import { Console, Effect } from "effect"
import { acceptProposed, proposedKnowledgePoints, rejectProposed } from "@videokr/core"
import { table } from "./Output.ts"

/**
 * Review of knowledge points proposed by stage 0 (expand): they stay out of the pipeline until accepted.
 * `review` lists them; `accept` marks them reviewed (they then get scenarios on the next run); `reject`
 * removes them.
 */
export const reviewKnowledgePoints = Effect.gen(function* () {
  const rows = yield* proposedKnowledgePoints
  if (rows.length === 0) return yield* Console.log("No knowledge point waits for review.")
  yield* Console.log(
    table(
      ["id", "subject", "course", "lecture", "knowledge point"],
      rows.map((r) => [r.id, r.subject, r.course, r.lecture, r.knowledge_point])
    )
  )
  yield* Console.log(`\n${rows.length} to review: videokr kb accept <id>... (or --all), videokr kb reject <id>...`)
})

export const acceptKnowledgePoints = (ids: ReadonlyArray<string>, all: boolean) =>
  Effect.flatMap(acceptProposed(all ? "all" : ids), (n) =>
    Console.log(`${n} knowledge point(s) accepted; the next videokr run writes their scenarios`)
  )

export const rejectKnowledgePoints = (ids: ReadonlyArray<string>) =>
  Effect.flatMap(rejectProposed(ids), (n) => Console.log(`${n} knowledge point(s) rejected and removed`))
