/** The answer-format instructions of the reference prompts (FORMATS.md); identical in SFT, RL and evaluation. */
export const visualContentLine = "Please answer this question based on the visual content."
export const thinkAnswerLine =
  "Provide your thinking process between the <think> and </think> tags, and then give your final answer between the <answer> and </answer> tags."
export const multipleChoiceLine =
  "Please provide only the single option letter (e.g., A, B, C, D, etc.) within the <answer>...</answer> tags."
export const openEndedLine = "Please provide only your final answer within the <answer>...</answer> tags."

/** "\n" + the three instruction lines, as appended after the question by the reference scripts. */
export const instruction = (multipleChoice: boolean): string =>
  `\n${visualContentLine}\n${thinkAnswerLine}\n${multipleChoice ? multipleChoiceLine : openEndedLine}`
