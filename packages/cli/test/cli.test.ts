import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _, ...env } = process.env

/** Runs the real `videokr` process, as a user would, in `cwd`. */
const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("videokr (end to end, real processes)", () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-cli-"))
  const dir = join(root, "proj")

  it("init creates a project with the sample data", () => {
    const r = videokr(root, "init", "proj")
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(readFileSync(join(dir, "videokr.config.ts"), "utf8")).toContain("defineConfig")
    expect(existsSync(join(dir, "data/examples.jsonl"))).toBe(true)
    expect(videokr(root, "init", "proj").code).toBe(2)
  })

  it("import infers kinds and reports counts; a second run of the same files is a no-op", () => {
    const r = videokr(
      dir,
      "import",
      "data/knowledge-bank.csv",
      "data/seeds.jsonl",
      "data/videos.jsonl",
      "data/examples.jsonl"
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("data/knowledge-bank.csv: 60 knowledge-bank record(s) imported")
    expect(r.stdout).toContain("data/examples.jsonl: 40 examples record(s) imported")
    expect(videokr(dir, "import", "data/examples.jsonl").stdout).toContain("already imported")
  })

  it("bad input exits 1 with file, line and field, and writes nothing", () => {
    const bad = join(dir, "bad.jsonl")
    writeFileSync(
      bad,
      '{"problem_id":"z","question":"q?","problem_type":"multiple choice","solution":"<answer>A</answer>","video_path":"v.mp4","skill":"VQA"}\n'
    )
    const r = videokr(dir, "import", "bad.jsonl")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${bad}:1: field "skill": expected "VIDR" | "KNOWVID" | "KNOWVIDR", got "VQA"`)
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/) // a message, not a stack trace
    expect(JSON.parse(videokr(dir, "stats", "--json").stdout).totals.examples).toBe(40)
  })

  it("split, export and stats work from a subfolder of the project (found as git finds its repository)", () => {
    const sub = join(dir, "data")
    expect(videokr(sub, "split", "--seed", "7").stdout).toMatch(/Split with seed 7: \d+ SFT, \d+ RL/)
    const out = join(root, "out")
    const e = videokr(sub, "export", "--format", "verl", "--out", out, "--val-size", "3")
    expect(e.code).toBe(0)
    expect(existsSync(join(out, "verl/train.parquet")) && existsSync(join(out, "verl/test.parquet"))).toBe(true)
    expect(videokr(sub, "export").code).toBe(0)
    expect(existsSync(join(dir, "exports/llamafactory/videokr_train.json"))).toBe(true)
    const stats = videokr(sub, "stats")
    expect(stats.stdout).toMatch(/examples\s+40/)
    expect(stats.stdout).toContain("Humanities & Social Sciences")
  })

  it("a bad videokr.config.ts is reported with its file and field", () => {
    const other = join(root, "badcfg")
    expect(videokr(root, "init", "badcfg", "--template", "minimal").code).toBe(0)
    writeFileSync(
      join(other, "videokr.config.ts"),
      'export default { corpus: "c.duckdb", split: { seed: "forty-two" }, colour: "blue" }\n'
    )
    const r = videokr(other, "stats")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${join(other, "videokr.config.ts")}: 2 problem(s); fix the configuration`)
    // each problem at its line and column
    expect(r.stderr).toContain(
      `${join(other, "videokr.config.ts")}:1:47: field "split.seed": expected number, got "forty-two"`
    )
    expect(r.stderr).toContain(
      `${join(other, "videokr.config.ts")}:1:68: field "colour": unknown field, with value "blue"`
    )
  })

  it("doctor reports the machine: ffmpeg, codecs, DuckDB, disk, keys present or not but never their values", () => {
    const r = spawnSync(process.execPath, [...videokrNodeArgs, "doctor"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...env, NO_COLOR: "1", OPENAI_API_KEY: "sk-doctor-VALUE-42" }
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/ffmpeg\s+ok\s+ffmpeg version/)
    expect(r.stdout).toMatch(/video decoders\s+ok\s+.*h264/)
    expect(r.stdout).toMatch(/duckdb\s+ok\s+v1\./)
    expect(r.stdout).toMatch(/OPENAI_API_KEY\s+ok\s+set/)
    expect(r.stdout + r.stderr).not.toContain("sk-doctor-VALUE-42")
  })

  it("usage errors exit 2, and every command has --help", () => {
    expect(videokr(dir, "export", "--format", "csv").code).toBe(2)
    expect(videokr(dir, "frobnicate").code).toBe(2)
    expect(videokr(root, "stats").code).toBe(2) // no project here
    expect(videokr(root, "stats").stderr).toContain("no videokr.config.ts")
    for (const c of ["init", "import", "split", "export", "stats", "models", "doctor", "demo"]) {
      const h = videokr(dir, c, "--help")
      expect(h.code).toBe(0)
      expect(h.stdout).toContain(`videokr ${c}`)
    }
  })
})
