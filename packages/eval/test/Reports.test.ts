import { describe, expect, it } from "vitest"
import { difficultyReport, mainReport, singleFrameReport, type ResultRow } from "../src/Reports.ts"

const row = (
  model: string,
  benchmark: string,
  score: number | null,
  mode = "video",
  task = benchmark.toLowerCase()
): ResultRow => ({
  model,
  task,
  benchmark,
  task_group: task.startsWith("difficulty_") ? "corpus" : "general",
  mode,
  score,
  samples: 10,
  scored: 10,
  errors: 0
})

const scores = {
  "Video-MME": 64.1,
  MVBench: 66.0,
  LongVideoBench: 60.2,
  "Video-MMMU": 47.4,
  MMVU: 60.0,
  SciVideoBench: 26.5,
  "VideoKR-Eval": 33.7
}

describe("the paper's reports", () => {
  it("main: the seven scores and each group's average, only when the group is complete", () => {
    const rows = [
      ...Object.entries(scores).map(([b, s]) => row("base", b, s)),
      row("partial", "Video-MME", 50),
      row("base", "MMVU", 1, "single-frame")
    ]
    const r = mainReport(rows).json as any
    const base = r.models.find((m: any) => m.model === "base")
    expect(base.generalAverage).toBe(63.43)
    expect(base.knowledgeAverage).toBe(41.9)
    expect(base.scores["MMVU"]).toBe(60)
    const partial = r.models.find((m: any) => m.model === "partial")
    expect(partial.generalAverage).toBeNull()
    expect(partial.missing).toContain("MVBench")
    expect(mainReport(rows).markdown).toContain(
      "| base | 64.1 | 66.0 | 60.2 | 47.4 | 60.0 | 26.5 | 33.7 | 63.4 | 41.9 |"
    )
  })

  it("single-frame: the one-frame accuracy beside the full video's", () => {
    const r = singleFrameReport([row("m", "MMVU", 40, "single-frame"), row("m", "MMVU", 60)]).json as any
    expect(r.models[0].benchmarks).toEqual([{ benchmark: "MMVU", singleFrame: 40, fullVideo: 60, samples: 10 }])
  })

  it("difficulty: each corpus's accuracy, hardest first", () => {
    const r = difficultyReport([
      row("base", "Video-R1", 70, "video", "difficulty_Video-R1"),
      row("base", "VideoKR", 35, "video", "difficulty_VideoKR"),
      row("base", "MMVU", 1)
    ]).json as any
    expect(r.corpora.map((c: any) => [c.corpus, c.accuracy])).toEqual([
      ["VideoKR", 35],
      ["Video-R1", 70]
    ])
  })
})
