import type { Task } from "./Task.ts"

/**
 * The tasks' documentation (packages/eval/TASKS.md) rendered from the task definitions themselves, so that
 * the listed data layouts, parameters and quirks are the ones the code has (a test keeps the file current).
 */
export const renderTaskDocs = (tasks: ReadonlyArray<Task>): string => {
  const lines = [
    "# Benchmark tasks",
    "",
    "Generated from the task definitions (`packages/eval/src/tasks/*.ts`) by `npm run docs:tasks`; a test fails when it is stale.",
    "Each task follows its LMMs-Eval task (the VideoKR release's copy where it has one); the default mode keeps the",
    "reference's parsing quirks so that published numbers can be matched. Stricter metrics of ours are opt-in (`videokr eval --strict`).",
    "Frames are a run setting, as the reference ran them: 2 fps, at least 4 and at most 128 frames, 200,704 pixels each.",
    ""
  ]
  for (const t of tasks) {
    const metrics = Object.entries(t.metrics)
      .map(([name, m]) => `\`${name}\`${m.optIn === true ? " (opt-in, ours)" : ""}`)
      .join(", ")
    const g = t.generation
    lines.push(
      `## ${t.benchmark} (\`${t.name}\`, ${t.group === "general" ? "general" : t.group === "knowledge" ? "knowledge-intensive" : t.group})`,
      "",
      `- Data: ${t.source.dataset}, split ${t.source.split}. Layout: ${t.source.layout}.`,
      `- Generation: max_new_tokens ${g.maxTokens}, temperature ${g.temperature}${g.topP === undefined ? "" : `, top_p ${g.topP}`}${g.doSample === undefined ? "" : `, do_sample ${g.doSample}`}.`,
      `- Metrics: ${metrics}.`,
      `- Judge: ${t.judgePrompt === undefined ? "none (rules only)" : `asked when configured${t.judgeParams === undefined ? " (temperature 1, 256 tokens)" : ` (temperature ${t.judgeParams.temperature}, ${t.judgeParams.maxTokens} tokens)`}; without one, what only a judge can score is skipped`}.`,
      "",
      "Quirks of the reference kept in the default mode:",
      "",
      ...t.quirks.map((q) => `- ${q}`),
      ""
    )
  }
  return lines.join("\n")
}
