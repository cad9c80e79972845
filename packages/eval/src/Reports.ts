import { pyRound } from "@videokr/core/python"

/**
 * The paper's reports from stored results (the store's eval_latest view: the newest result per model,
 * task and mode), each as JSON (what the site reads) and Markdown:
 * - main (Table 3): per model, the seven benchmarks, the general average (Video-MME, MVBench,
 *   LongVideoBench) and the knowledge-intensive one (Video-MMMU, MMVU, SciVideoBench, VideoKR-Eval);
 * - single-frame (Table 2): per benchmark, accuracy from the question and one middle frame, beside the
 *   full-video accuracy when it is known;
 * - difficulty (Table 5): a base model's accuracy on seeded samples of training corpora.
 * An average is given only when every benchmark of its group has a score; otherwise it is null and the
 * missing ones are named.
 */
export interface ResultRow {
  readonly model: string
  readonly task: string
  readonly benchmark: string
  readonly task_group: string
  readonly mode: string
  readonly score: number | null
  readonly samples: number
  readonly scored: number
  readonly errors: number
}

export const benchmarkOrder = {
  general: ["Video-MME", "MVBench", "LongVideoBench"],
  knowledge: ["Video-MMMU", "MMVU", "SciVideoBench", "VideoKR-Eval"]
} as const
const allBenchmarks: ReadonlyArray<string> = [...benchmarkOrder.general, ...benchmarkOrder.knowledge]

export interface Report {
  readonly name: string
  readonly json: unknown
  readonly markdown: string
}

const cell = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(1))
const mdTable = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ].join("\n")

const average = (scores: ReadonlyArray<number | undefined>) =>
  scores.some((s) => s === undefined)
    ? null
    : pyRound((scores as ReadonlyArray<number>).reduce((a, b) => a + b, 0) / scores.length, 2)

const byModel = (rows: ReadonlyArray<ResultRow>) => {
  const models = new Map<string, Map<string, ResultRow>>()
  for (const r of rows) {
    const m = models.get(r.model) ?? new Map<string, ResultRow>()
    m.set(r.benchmark, r)
    models.set(r.model, m)
  }
  return models
}

export const mainReport = (rows: ReadonlyArray<ResultRow>): Report => {
  const models = [...byModel(rows.filter((r) => r.mode === "video" && allBenchmarks.includes(r.benchmark)))]
  const entries = models.map(([model, results]) => {
    const score = (b: string) => results.get(b)?.score ?? undefined
    const general = benchmarkOrder.general.map(score)
    const knowledge = benchmarkOrder.knowledge.map(score)
    return {
      model,
      scores: Object.fromEntries(allBenchmarks.map((b) => [b, score(b) ?? null])),
      generalAverage: average(general),
      knowledgeAverage: average(knowledge),
      missing: allBenchmarks.filter((b) => score(b) === undefined)
    }
  })
  const head = ["Model", ...allBenchmarks, "General avg", "Knowledge avg"]
  const body = entries.map((e) => [
    e.model,
    ...allBenchmarks.map((b) => cell(e.scores[b])),
    cell(e.generalAverage),
    cell(e.knowledgeAverage)
  ])
  const notes = entries
    .filter((e) => e.missing.length > 0)
    .map((e) => `- ${e.model}: no result for ${e.missing.join(", ")}`)
  const markdown = [
    "# Main results",
    "",
    "Accuracy (%) on the general (Video-MME, MVBench, LongVideoBench) and knowledge-intensive (Video-MMMU, MMVU, SciVideoBench, VideoKR-Eval) benchmarks; an average needs every benchmark of its group.",
    "",
    entries.length === 0 ? "No results yet (videokr eval)." : mdTable(head, body),
    ...(notes.length === 0 ? [] : ["", ...notes])
  ].join("\n")
  return { name: "main", json: { benchmarks: benchmarkOrder, models: entries }, markdown: markdown + "\n" }
}

export const singleFrameReport = (rows: ReadonlyArray<ResultRow>): Report => {
  const single = byModel(rows.filter((r) => r.mode === "single-frame"))
  const video = byModel(rows.filter((r) => r.mode === "video"))
  const entries = [...single].map(([model, results]) => ({
    model,
    benchmarks: allBenchmarks.flatMap((b) => {
      const r = results.get(b)
      return r === undefined
        ? []
        : [
            {
              benchmark: b,
              singleFrame: r.score,
              fullVideo: video.get(model)?.get(b)?.score ?? null,
              samples: r.samples
            }
          ]
    })
  }))
  const markdown = [
    "# Single-frame answerability",
    "",
    "Accuracy (%) with the question and one middle frame, beside the accuracy with the whole video. A benchmark answerable from one frame tests little video understanding.",
    "",
    ...(entries.length === 0
      ? ["No single-frame results yet (videokr eval --single-frame)."]
      : entries.flatMap((e) => [
          `## ${e.model}`,
          "",
          mdTable(
            ["Benchmark", "Single frame", "Full video", "Samples"],
            e.benchmarks.map((b) => [b.benchmark, cell(b.singleFrame), cell(b.fullVideo), String(b.samples)])
          ),
          ""
        ]))
  ].join("\n")
  return { name: "single-frame", json: { models: entries }, markdown: markdown.trimEnd() + "\n" }
}

export const difficultyReport = (rows: ReadonlyArray<ResultRow>): Report => {
  const entries = rows
    .filter((r) => r.task_group === "corpus")
    .map((r) => ({
      model: r.model,
      corpus: r.benchmark,
      accuracy: r.score,
      samples: r.samples,
      scored: r.scored,
      errors: r.errors
    }))
    .sort((a, b) => a.model.localeCompare(b.model) || (a.accuracy ?? 0) - (b.accuracy ?? 0))
  const markdown = [
    "# Training-data difficulty",
    "",
    "A base model's accuracy (%) on seeded samples of each corpus (the GRPO reward's accuracy: exact answer for multiple choice, mean ROUGE-1/2/L F otherwise). Lower is harder.",
    "",
    entries.length === 0
      ? "No difficulty results yet (videokr report difficulty --model <id> --corpus <file>)."
      : mdTable(
          ["Model", "Corpus", "Accuracy", "Samples", "Errors"],
          entries.map((e) => [e.model, e.corpus, cell(e.accuracy), String(e.samples), String(e.errors)])
        )
  ].join("\n")
  return { name: "difficulty", json: { corpora: entries }, markdown: markdown + "\n" }
}

export const reports = { main: mainReport, "single-frame": singleFrameReport, difficulty: difficultyReport } as const
export type ReportName = keyof typeof reports
