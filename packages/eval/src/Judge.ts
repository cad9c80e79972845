/**
 * The judge's 1/0 protocol of the reference (lmms_eval/llm_judge: ResponseParser.parse_binary_response for
 * output_format "0/1", after which the task compares the result with "1"): the reply, stripped and lower-cased,
 * counts as 1 when it contains "1", "[1]", "score: 1" or "answer: 1" — that is, any "1" at all, so "10" and
 * "Score: 0 (not 1)" count as 1 too (a quirk kept for parity). Anything else is 0.
 */
export const parseJudgeReply = (reply: string): number => (reply.includes("1") ? 1 : 0)

/** The judge's request parameters in the reference (ServerConfig(temperature=1, max_tokens=256)); no system message. */
export const judgeParams = { temperature: 1, maxTokens: 256 } as const
