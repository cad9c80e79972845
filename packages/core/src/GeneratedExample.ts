import type { KnowledgePoint } from "./KnowledgeBank.ts"

/** A generated example as the validators see it, with its knowledge point and video file. */
export interface GeneratedExample {
  readonly id: string
  readonly videoId: string
  readonly knowledgePoint: KnowledgePoint
  readonly skill: string
  readonly problemType: "multiple choice" | "open-ended"
  readonly question: string
  /** letter to option text, for multiple choice */
  readonly options: Readonly<Record<string, string>> | undefined
  readonly answer: string
  readonly rationale: string
  readonly videoPath: string
  readonly generatorModel: string
}
