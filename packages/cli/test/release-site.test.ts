import { describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { writeSubmission } from "@videokr/eval/testing"
import { videokrAsync, videokr } from "./support/pipeline.ts"
import { initWithSampleData } from "./support/cli.ts"

const repo = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * A project with the sample corpus imported and split, evaluating VideoKR-Eval's sample documents: made
 * once, then copied for each test (which changes its copy only).
 */
let template: string | undefined
const project = () => {
  if (template === undefined) {
    const root = mkdtempSync(join(tmpdir(), "videokr-release-"))
    const p = initWithSampleData(root)
    expect(
      videokr(p, "import", "data/knowledge-bank.jsonl", "data/seeds.jsonl", "data/videos.jsonl", "data/examples.jsonl")
        .code
    ).toBe(0)
    expect(videokr(p, "split").code).toBe(0)
    writeFileSync(
      join(p, "videokr.config.ts"),
      `export default ${JSON.stringify({ eval: { data: { videokr_eval: join(repo, "fixtures/benchmarks/videokr_eval") } } })}\n`
    )
    template = p
  }
  const p = join(mkdtempSync(join(tmpdir(), "videokr-release-")), "p")
  cpSync(template, p, { recursive: true })
  return p
}

const ids = ["vkr-phys-0001", "vkr-chem-0002", "vkr-bio-0003", "vkr-eng-0004", "vkr-econ-0005", "vkr-math-0006"]
const submission = (p: string, folder: string, meta: Record<string, unknown>) =>
  writeSubmission(
    join(p, "submissions", folder),
    meta,
    ids.map((id) => ({ task: "videokr_eval", id, output: "<answer>A</answer>" }))
  )

describe("videokr release", () => {
  it("lays out the splits, the Hugging Face card, Croissant metadata and SHA256SUMS that match the files", () => {
    const p = project()
    const r = videokr(p, "release", "--out", "rel")
    expect(r.code).toBe(0)
    const rel = join(p, "rel")
    const sums = readFileSync(join(rel, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("  "))
    expect(sums.map(([, f]) => f)).toEqual(["data/sft.jsonl", "data/rl.jsonl"])
    for (const [hash, file] of sums)
      expect(
        createHash("sha256")
          .update(readFileSync(join(rel, file!)))
          .digest("hex")
      ).toBe(hash)
    const readme = readFileSync(join(rel, "README.md"), "utf8")
    expect(readme).toMatch(
      /^---\npretty_name: VideoKR\nlicense: [a-z0-9.-]+\n[\s\S]*configs:\n- config_name: default\n {2}data_files:\n {2}- split: sft\n {4}path: data\/sft.jsonl\n {2}- split: rl\n {4}path: data\/rl.jsonl\n---\n/
    )
    const croissant = JSON.parse(readFileSync(join(rel, "croissant.json"), "utf8"))
    expect(croissant["@type"]).toBe("sc:Dataset")
    expect(croissant.distribution.map((d: any) => [d.contentUrl, d.sha256])).toEqual(sums.map(([h, f]) => [f, h]))
    expect(croissant.recordSet[0].field.map((f: any) => f.source.extract.column)).toContain("question")
  })
})

describe("videokr site build", () => {
  it("fails on a submission that does not pass its checks, naming its file and field, and writes no site", async () => {
    const p = project()
    submission(p, "lab/good", {})
    submission(p, "lab/bad", { model: "Bad", contact: "nobody" })
    const r = await videokrAsync(p, "site", "build", "--out", "site")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`${join(p, "submissions/lab/bad/submission.json")}: field "contact"`)
    expect(existsSync(join(p, "site"))).toBe(false)
  })

  it("reads submissions packed as .tar.gz archives, and checks one on its own", async () => {
    const p = project()
    submission(p, "lab/packed", {})
    expect(
      spawnSync("tar", ["-czf", "packed.tar.gz", "-C", "lab/packed", "submission.json", "predictions.jsonl"], {
        cwd: join(p, "submissions")
      }).status
    ).toBe(0)
    rmSync(join(p, "submissions", "lab"), { recursive: true })
    const check = await videokrAsync(p, "submit", "check", "submissions/packed.tar.gz")
    expect(check.stdout).toContain("a valid submission of M (v1) by Lab")
    const r = await videokrAsync(p, "site", "build", "--out", "site")
    expect(r.code).toBe(0)
    expect(readFileSync(join(p, "site", "models", "packed", "index.html"), "utf8")).toContain("M <small>(v1)</small>")
    // an archive without the two files is refused, naming it
    writeFileSync(join(p, "submissions", "empty.tar.gz"), "not gzip")
    const bad = await videokrAsync(p, "site", "build", "--out", "site2")
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain(
      `${join(p, "submissions", "empty.tar.gz")}: the archive holds no submission.json or predictions.jsonl`
    )
  })

  it("lets a model, revision and configuration appear once", async () => {
    const p = project()
    submission(p, "lab/first", {})
    submission(p, "other/copy", { organisation: "Other" })
    const r = await videokrAsync(p, "site", "build", "--out", "site")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("the same model, revision and configuration as lab/first")
    expect(existsSync(join(p, "site"))).toBe(false)
  })
})
