import { response, userInstruction } from "./LlamaFactory.ts"
import { normalizeOptions, normalizeProblemType, toVerl, verlQuestion } from "./Verl.ts"
import { instruction } from "./Instructions.ts"
import type { VideoKrRecord } from "./VideoKrRecord.ts"

/**
 * Hugging Face TRL conversational records with a video slot in the user turn: SFT as language modelling
 * (`messages`), RL as prompt-only (`prompt`) with the columns a reward function needs. The texts are the
 * ones of the LLaMA-Factory and verl exports, so every trainer sees the same prompt.
 */
type Content = ReadonlyArray<{ readonly type: "video" } | { readonly type: "text"; readonly text: string }>

const userTurn = (text: string) => ({
  role: "user" as const,
  content: [{ type: "video" as const }, { type: "text" as const, text }] satisfies Content
})

export const toTrlSft = (r: VideoKrRecord, video: string | undefined, direct = false) => {
  const answer = response(r, direct)
  if (!answer || !video) return undefined
  return {
    messages: [
      userTurn(userInstruction(r)),
      { role: "assistant" as const, content: [{ type: "text" as const, text: answer }] }
    ],
    videos: [video]
  }
}

export const toTrlRl = (r: VideoKrRecord) => {
  const v = toVerl(r)
  if (v === undefined) return undefined
  const problemType = normalizeProblemType(r)
  const text =
    verlQuestion(r.question, normalizeOptions(r.options), problemType) + instruction(problemType === "multiple choice")
  return {
    prompt: [userTurn(text)],
    videos: v.videos.map((x) => x.video),
    solution: v.reward_model.ground_truth,
    problem_type: problemType,
    problem_id: v.extra_info.problem_id
  }
}
