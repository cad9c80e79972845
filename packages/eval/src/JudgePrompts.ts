/**
 * The judge prompts of the reference harness (LMMs-Eval's tasks: each task's custom_prompt, or the
 * instructions it prefixes), each distinct text once, and the str.format that fills them. Texts that differ
 * by a single character are different templates here: the parity vectors check every judge prompt byte
 * for byte.
 */

/**
 * The "strict evaluator" multiple-choice template: the prediction's final answer, given as a letter or as the
 * option text, against the ground truth (VideoKR-Eval's multiple-choice prompt, LongVideoBench's prompt).
 */
export const strictMultipleChoiceJudgeTemplate = `You are a strict evaluator assessing answer correctness. You must output 1 for fully correct answers and 0 for any other case.
Question:
{question}
Ground Truth Answer:
{answer}
Model Prediction:
{prediction}
# Evaluation Rules for Multiple Choice Questions
- The model prediction may contain reasoning, but focus on the final answer.
- Score 1 if the predicted answer matches the ground truth answer.
- The answer can be given as just the letter (A, B, C, ...) or include the full option text.
- Ignore minor differences in formatting, capitalization, or spacing.
- Score 0 for any incorrect answer, even if the reasoning process seems correct.

Return only "1" or "0" with no additional text or formatting.`

/**
 * The "fair evaluator" open-ended template with its scoring rules and additional guidelines (short ground
 * truths, elaboration, synonyms and abbreviations): VideoKR-Eval's open-ended prompt.
 */
export const fairOpenEndedJudgeTemplate = `You are a fair evaluator assessing answer correctness.
Question:
{question}
Ground Truth Answer:
{answer}
Model Prediction:
{prediction}
# Scoring Rules
- Score 1: The prediction is correct - it captures the key information from the ground truth answer. Minor wording differences, extra non-contradictory details, or more verbose phrasing are acceptable.
- Score 0: The prediction is clearly wrong - it contradicts the ground truth, is completely irrelevant, or misses all key information.

# Additional Guidelines
- Focus on the final answer in the prediction, ignoring any reasoning process.
- Ignore differences in formatting, capitalization, or spacing.
- Treat numerical answers as correct if they match within reasonable precision.
- If the ground truth is very short (e.g., a single word or symbol), score 1 if the prediction contains that information in a reasonable context.
- A more detailed answer that includes the ground truth information plus reasonable elaboration should score 1, not be penalized.
- Synonyms, abbreviations, and equivalent expressions (e.g., "DHT" for "Dihydrotestosterone", "O(n log n)" for "n log n", "High blood pressure" for "Hypertension") should score 1.

Return only "1" or "0" with no additional text or formatting.`

/** The brief "fair evaluator" open-ended template, three evaluation rules: Video-MMMU's open-ended prompt. */
export const fairOpenEndedBriefJudgeTemplate = `You are a fair evaluator assessing answer correctness.
Question:
{question}
Ground Truth Answer:
{answer}
Model Prediction:
{prediction}
Evaluation rules:
- Score 1 if the prediction captures the key information from the ground truth answer.
- Score 0 if the prediction is wrong, irrelevant, or misses the key information.
- Ignore minor wording, capitalization, and formatting differences.

Return only "1" or "0" with no additional text or formatting.`

/**
 * The "You are evaluating a multiple-choice video question answer" template, scoring the answer letter (A-J)
 * wherever it appears: SciVideoBench's and Video-MME's prompt, Video-MMMU's multiple-choice prompt.
 */
export const multipleChoiceLetterJudgeTemplate = `You are evaluating a multiple-choice video question answer.
The model's prediction may contain reasoning or explanation, but you should focus on the final answer letter.
Question:
{question}
Ground Truth Answer:
{answer}
Model Prediction:
{prediction}
Evaluation rules:
- Score 1 if the prediction contains the correct answer letter (A-J)
- The answer can appear anywhere in the response
- Ignore formatting, capitalization, or extra text
- Score 0 if the answer is incorrect or cannot be determined

Return only "1" or "0" with no additional text or formatting.`

/**
 * The same multiple-choice letter template as MVBench writes it, with two trailing spaces on most lines
 * (one after `{prediction}`) and a line of two spaces before the last (kept as data so that no formatter
 * strips them).
 */
export const multipleChoiceLetterJudgeTemplateTrailingSpaces = [
  "You are evaluating a multiple-choice video question answer.  ",
  "The model's prediction may contain reasoning or explanation, but you should focus on the final answer letter.  ",
  "Question:  ",
  "{question}",
  "Ground Truth Answer:  ",
  "{answer}  ",
  "Model Prediction:  ",
  "{prediction} ",
  "Evaluation rules:  ",
  "- Score 1 if the prediction contains the correct answer letter (A-J)  ",
  "- The answer can appear anywhere in the response  ",
  "- Ignore formatting, capitalization, or extra text  ",
  "- Score 0 if the answer is incorrect or cannot be determined  ",
  "  ",
  'Return only "1" or "0" with no additional text or formatting.'
].join("\n")

/**
 * The "strict evaluator" open-ended instructions (mathematical notation, units), with no placeholders: MMVU
 * appends the question, the answer and the prediction after a blank line.
 */
export const strictOpenEndedJudgeInstructions = `You are a strict evaluator assessing answer correctness. You must output 1 for fully correct answers and 0 for any other case.

# Evaluation Rules for Open-Ended Questions
- The model prediction may contain reasoning, focus on extracting the final answer.
- Score 1 if the prediction matches the answer semantically, even if in different format.
- For mathematical notation, treat equivalent forms as correct (e.g., O(n²) = O(n^2), n² = n^2).
- Score 0 for partially correct answers or answers with extra incorrect information.
- Ignore minor differences in formatting, capitalization, or spacing.
- Treat numerical answers as correct if they match within reasonable precision.
- For questions requiring units, both value and unit must be correct.

Return only "1" or "0" with no additional text or formatting.`

/**
 * `template.format(**values)` as Python's str.format fills it: one pass from left to right, "{{" and "}}"
 * give single braces, each {name} is replaced by its value inserted literally (braces in a value are never
 * read again). A missing name is Python's KeyError; a single brace, a positional field or a field with a
 * conversion, format spec, attribute or index (none of which the templates use) is an error too.
 */
export const fillJudgePrompt = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (match: string, field: string | undefined) => {
    if (match === "{{") return "{"
    if (match === "}}") return "}"
    if (field === undefined) throw new Error(`Single '${match}' encountered in format string`)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`Unsupported replacement field: {${field}}`)
    if (!Object.hasOwn(values, field)) throw new Error(`KeyError: '${field}'`)
    return values[field]!
  })
