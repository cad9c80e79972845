import { describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { spawnSync } from "node:child_process"
import { DuckDBInstance } from "@duckdb/node-api"
import { rewardModulePath, trlSftScriptFile, trlSftScriptPath } from "@videokr/train"
import { videokr } from "./support/pipeline.ts"

/**
 * `videokr train-config` on the sample project: what --dry-run shows and does not write, the run folder
 * (the corpus exported into it, the reward module, executable scripts, a manifest whose checksums hold),
 * an existing folder refused, a refused export leaving nothing behind, and pairings the release does not
 * make said so.
 */
const project = () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-train-"))
  expect(videokr(root, "init", "p").code).toBe(0)
  const p = join(root, "p")
  expect(
    videokr(p, "import", "data/knowledge-bank.jsonl", "data/seeds.jsonl", "data/videos.jsonl", "data/examples.jsonl")
      .code
  ).toBe(0)
  expect(videokr(p, "split").code).toBe(0)
  return p
}

/** The video paths of a verl parquet file, record by record, read by DuckDB. */
const parquetVideos = async (path: string): Promise<Array<Array<string>>> => {
  const connection = await (await DuckDBInstance.create(":memory:")).connect()
  const reader = await connection.runAndReadAll(
    `SELECT to_json(list_transform(videos, v -> v.video))::VARCHAR AS v FROM read_parquet('${path}')`
  )
  const rows = reader.getRowObjects().map((r) => JSON.parse(String(r["v"])) as Array<string>)
  connection.closeSync()
  return rows
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

describe("videokr train-config", () => {
  it("shows the run folder with --dry-run, then writes it whole: data, configs, reward, scripts, manifest", async () => {
    const p = project()
    const dry = videokr(p, "train-config", "--framework", "llamafactory", "--base", "qwen2.5-vl-7b", "--dry-run")
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/data\/llamafactory\/\s+the corpus's SFT split/)
    expect(dry.stdout).toMatch(/grpo\.sh\s+runs the GRPO/)
    expect(dry.stdout).toContain(
      `nothing written; without it, the run folder would be ${join(p, "runs/qwen2.5-vl-7b-both")}`
    )
    expect(existsSync(join(p, "runs"))).toBe(false)

    const r = videokr(p, "train-config", "--framework", "llamafactory", "--base", "qwen2.5-vl-7b", "--out", "run")
    expect(r.code, r.stderr).toBe(0)
    const run = join(p, "run")
    expect(r.stdout).toContain(`run folder written: ${run}`)
    const manifest = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8"))
    expect(manifest).toMatchObject({ framework: "llamafactory", base: "qwen2.5-vl-7b", stage: "both" })
    expect(manifest.trainers).toEqual({ sft: "llamafactory", grpo: "verl" })
    expect(manifest.split).toMatchObject({ seed: 42 })
    const listed: Array<{ path: string; sha256: string }> = manifest.files
    expect(listed.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        "sft.yaml",
        "ds_z3_config.json",
        "sft.sh",
        "grpo.sh",
        "videokr_reward.py",
        "eval.sh",
        "README.md",
        "data/llamafactory/videokr_train.json",
        "data/llamafactory/dataset_info.json",
        "data/verl/train.parquet",
        "data/verl/test.parquet"
      ])
    )
    for (const f of listed) expect(sha256(join(run, f.path)), f.path).toBe(f.sha256)
    // the reward the package's tests check against the reference, as it is
    expect(readFileSync(join(run, "videokr_reward.py"), "utf8")).toBe(readFileSync(rewardModulePath, "utf8"))
    for (const script of ["sft.sh", "grpo.sh", "eval.sh"]) expect(statSync(join(run, script)).mode & 0o111).not.toBe(0)
    // the SFT split as LLaMA-Factory reads it: the exports' own format
    const sft = JSON.parse(readFileSync(join(run, "data/llamafactory/videokr_train.json"), "utf8"))
    expect(sft.length).toBeGreaterThan(0)
    expect(sft[0].messages[0].content.startsWith("<video>")).toBe(true)
    expect(readFileSync(join(run, "README.md"), "utf8")).toContain("The release does not say which GPUs")
    // the videos where the corpus's paths start: sft.sh's VIDEO_DIR, and verl's absolute paths (--video_base_dir)
    expect(manifest.videos).toBe(p)
    expect(readFileSync(join(run, "sft.sh"), "utf8")).toContain(`VIDEO_DIR="\${VIDEO_DIR:-${p}}"`)
    const rl = await parquetVideos(join(run, "data/verl/train.parquet"))
    expect(rl.length).toBeGreaterThan(0)
    for (const videos of rl)
      for (const v of videos) expect(v).toMatch(new RegExp(`^${realpathSync(p)}/videos/[^/]+\\.mp4$`))
    // videokr export takes the same folder as --video-base-dir; without it the paths stay as given
    expect(videokr(p, "export", "--format", "verl", "--out", "ex", "--video-base-dir", ".").code).toBe(0)
    expect(await parquetVideos(join(p, "ex/verl/test.parquet"))).toEqual(
      expect.arrayContaining([[expect.stringMatching(new RegExp(`^${realpathSync(p)}/videos/`))]])
    )
    expect(videokr(p, "export", "--format", "verl", "--out", "plain").code).toBe(0)
    for (const videos of await parquetVideos(join(p, "plain/verl/test.parquet")))
      for (const v of videos) expect(v).toMatch(/^videos\/[^/]+\.mp4$/)

    // a run folder is never overwritten
    const again = videokr(p, "train-config", "--framework", "llamafactory", "--base", "qwen2.5-vl-7b", "--out", "run")
    expect(again.code).toBe(2)
    expect(again.stderr).toContain(`${run} exists`)
  })

  it("writes TRL's SFT folder, whose script finds each exported example's video under VIDEO_DIR, and sends GRPO to verl", () => {
    const p = project()
    const refused = videokr(p, "train-config", "--framework", "trl", "--base", "qwen2.5-vl-7b")
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("TRL's GRPOTrainer reads no video")
    expect(refused.stderr).toContain("give --stage sft")

    const r = videokr(p, "train-config", "--framework", "trl", "--base", "qwen2.5-vl-7b", "--stage", "sft")
    expect(r.code, r.stderr).toBe(0)
    const run = join(p, "runs", "qwen2.5-vl-7b-sft")
    const manifest = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8"))
    expect(manifest.trainers).toEqual({ sft: "trl", grpo: null })
    expect((manifest.files as Array<{ path: string }>).map((f) => f.path)).toEqual(
      expect.arrayContaining([
        "sft.yaml",
        trlSftScriptFile,
        "ds_z3_config.json",
        "sft.sh",
        "eval.sh",
        "data/trl/sft.jsonl"
      ])
    )
    expect(readFileSync(join(run, trlSftScriptFile), "utf8")).toBe(readFileSync(trlSftScriptPath, "utf8"))
    expect(readFileSync(join(run, "README.md"), "utf8")).toContain('pip install "trl==1.9.0"')
    // the script reads the export as the run gives it: each video under sft.sh's VIDEO_DIR (here the project)
    const lines = readFileSync(join(run, "data/trl/sft.jsonl"), "utf8").trimEnd().split("\n")
    expect(lines.length).toBeGreaterThan(0)
    const read = spawnSync(
      process.env["VIDEOKR_PYTHON"] || "/usr/bin/python3",
      [
        "-c",
        `import json, sys, videokr_trl_sft as s
print(json.dumps([[m["video"] for m in s.conversation(json.loads(line), sys.argv[2], {"fps": 2.0})[0]["content"] if m["type"] == "video"] for line in open(sys.argv[1])]))`,
        join(run, "data/trl/sft.jsonl"),
        p
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONPATH: run, PYTHONDONTWRITEBYTECODE: "1" } }
    )
    expect(read.stderr).toBe("")
    expect(JSON.parse(read.stdout)).toEqual(
      lines.map((l) => (JSON.parse(l) as { videos: Array<string> }).videos.map((v) => join(p, v)))
    )
    expect(JSON.parse(lines[0]!).videos[0]).toMatch(/^videos\/.+\.mp4$/)
  })

  it("makes the paper's ablations: a subset of skills, and SFT targets without the rationale", () => {
    const p = project()
    const r = videokr(
      p,
      "train-config",
      "--framework",
      "llamafactory",
      "--base",
      "qwen3-vl-8b",
      "--skills",
      "VIDR",
      "--direct"
    )
    expect(r.code, r.stderr).toBe(0)
    const run = join(p, "runs", "qwen3-vl-8b-both-VIDR-direct")
    expect(JSON.parse(readFileSync(join(run, "manifest.json"), "utf8")).ablations).toEqual({
      skills: ["VIDR"],
      direct: true,
      corpus: null
    })
    // the SFT split of VIDR examples alone (as many as the store holds), each target the answer alone
    const sft: Array<{ messages: Array<{ content: string }> }> = JSON.parse(
      readFileSync(join(run, "data/llamafactory/videokr_train.json"), "utf8")
    )
    expect(sft.length).toBeGreaterThan(0)
    for (const item of sft) expect(item.messages[1]!.content).toMatch(/^<answer>[^<]+<\/answer>$/)
    const all = videokr(p, "train-config", "--framework", "llamafactory", "--base", "qwen3-vl-8b", "--stage", "sft")
    expect(all.code, all.stderr).toBe(0)
    const every: Array<unknown> = JSON.parse(
      readFileSync(join(p, "runs", "qwen3-vl-8b-sft", "data/llamafactory/videokr_train.json"), "utf8")
    )
    expect(sft.length).toBeLessThan(every.length)
    const unknown = videokr(
      p,
      "train-config",
      "--framework",
      "llamafactory",
      "--base",
      "qwen3-vl-8b",
      "--skills",
      "VIDR,FOO"
    )
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("--skills: unknown skill FOO; the skills are VIDR, KNOWVID, KNOWVIDR")
  })

  it("trains on another corpus in Video-R1's layout, leaving its image records out", () => {
    const p = project()
    const record = (i: number, extra: Record<string, unknown> = {}) => ({
      problem_id: i,
      problem: `What does the operator adjust in step ${i}?`,
      data_type: "video",
      problem_type: i % 2 === 0 ? "multiple choice" : "free-form",
      options: i % 2 === 0 ? ["A. the valve", "B. the burner"] : [],
      process: `<think>Step ${i}: the hand turns the valve.</think>`,
      solution: i % 2 === 0 ? "<answer>A</answer>" : "<answer>the valve</answer>",
      path: `./videos/clip-${i}.mp4`,
      data_source: "Video-R1",
      ...extra
    })
    const corpus = [
      ...Array.from({ length: 7 }, (_, i) => record(i)),
      record(7, { data_type: "image", path: "./img.jpg" })
    ]
    writeFileSync(join(p, "video-r1.json"), JSON.stringify(corpus))
    const r = videokr(
      p,
      "train-config",
      "--framework",
      "llamafactory",
      "--base",
      "qwen2.5-vl-7b",
      "--corpus",
      "video-r1.json"
    )
    expect(r.code, r.stderr).toBe(0)
    const run = join(p, "runs", "qwen2.5-vl-7b-both-video-r1")
    const manifest = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8"))
    expect(manifest.ablations.corpus).toEqual({
      file: join(p, "video-r1.json"),
      sha256: sha256(join(p, "video-r1.json")),
      records: 7,
      imagesLeftOut: 1
    })
    const sft: Array<{ messages: Array<{ content: string }>; videos: Array<string> }> = JSON.parse(
      readFileSync(join(run, "data/llamafactory/videokr_train.json"), "utf8")
    )
    expect(sft).toHaveLength(7)
    expect(sft[0]!.messages[0]!.content).toContain("What does the operator adjust in step 0?")
    expect(sft[0]!.messages[1]!.content).toBe("<think>Step 0: the hand turns the valve.</think>\n<answer>A</answer>")
    expect(sft[0]!.videos).toEqual(["videos/clip-0.mp4"])
    // 7 usable RL records, 4 held out for validation (the project's verlValSize)
    expect(
      JSON.parse(readFileSync(join(run, "data/verl/manifest.json"), "utf8")).files.map((f: any) => f.records)
    ).toEqual([3, 4])

    // a record without its video is named with its place and field; nothing is written
    writeFileSync(
      join(p, "broken.jsonl"),
      [record(1), { ...record(2), path: "" }].map((x) => JSON.stringify(x)).join("\n")
    )
    const broken = videokr(
      p,
      "train-config",
      "--framework",
      "llamafactory",
      "--base",
      "qwen2.5-vl-7b",
      "--corpus",
      "broken.jsonl"
    )
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain(`${join(p, "broken.jsonl")}:2: field "path": missing`)
    expect(existsSync(join(p, "runs", "qwen2.5-vl-7b-both-broken"))).toBe(false)
  })

  it("leaves nothing behind when the corpus cannot be exported, and says which trainers the release pairs", () => {
    const p = project()
    // more RL examples held out for validation than the corpus has: verl's export refuses
    const config = readFileSync(join(p, "videokr.config.ts"), "utf8")
    writeFileSync(join(p, "videokr.config.ts"), config.replace("verlValSize: 4", "verlValSize: 5000"))
    const r = videokr(p, "train-config", "--framework", "verl", "--base", "qwen3-vl-8b", "--out", "run")
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("train.parquet would be empty")
    expect(readdirSync(p).filter((f) => f.startsWith("run"))).toEqual([])
    const sft = videokr(p, "train-config", "--framework", "verl", "--base", "qwen3-vl-8b", "--stage", "sft")
    expect(sft.code).toBe(2)
    expect(sft.stderr).toContain("the release trains SFT with LLaMA-Factory; use --framework llamafactory")
  })
})
