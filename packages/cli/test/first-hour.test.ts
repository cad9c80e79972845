import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { testVideos } from "@videokr/core/testing"
import { initWithSampleData, videokrNodeArgs } from "./support/cli.ts"

/** The traps and messages a new user met in their first hour (issue 14), each through the real command. */
const { FORCE_COLOR: _, ...env } = process.env
const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const root = mkdtempSync(join(tmpdir(), "videokr-first-hour-"))
const example = (id: string, fields: Record<string, unknown>) =>
  JSON.stringify({
    problem_id: id,
    question: "Which?",
    solution: "<answer>A</answer>",
    video_path: "v.mp4",
    options: ["A. x", "B. y"],
    ...fields
  })

describe("a new user's traps and messages (real processes)", () => {
  it("import takes every problem_type spelling the release's scripts take, says how many it normalised, and --strict refuses them", () => {
    const dir = initWithSampleData(root, "spellings")
    writeFileSync(
      join(dir, "mixed.jsonl"),
      [
        example("s1", { problem_type: "multiple-choice" }),
        example("s2", { problem_type: "Open-Ended", options: undefined }),
        example("s3", { problem_type: " MCQ " }),
        example("s4", { problem_type: "multiple choice" })
      ].join("\n") + "\n"
    )
    const strict = videokr(dir, "import", "mixed.jsonl", "--strict")
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain(
      `${join(dir, "mixed.jsonl")}:1: field "problem_type": "multiple-choice" is a spelling of "multiple choice", which --strict refuses`
    )
    expect(strict.stderr).toContain(`mixed.jsonl:2: field "problem_type": "Open-Ended" is a spelling of "open-ended"`)
    expect(JSON.parse(videokr(dir, "stats", "--json").stdout).totals.examples).toBe(0)
    const r = videokr(dir, "import", "mixed.jsonl")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      'mixed.jsonl: 4 examples record(s) imported; 3 normalised: problem_type "multiple-choice" -> "multiple choice" (1)'
    )
    expect(r.stdout).toContain('problem_type "Open-Ended" -> "open-ended" (1)')
    const byType = JSON.parse(videokr(dir, "stats", "--json").stdout).examplesBy.problem_type
    expect(Object.fromEntries(byType.map((t: { value: string; examples: number }) => [t.value, t.examples]))).toEqual({
      "multiple choice": 3,
      "open-ended": 1
    })
    // a value no script takes is still refused, with what is accepted
    writeFileSync(join(dir, "odd.jsonl"), example("o1", { problem_type: "yes/no" }) + "\n")
    expect(videokr(dir, "import", "odd.jsonl").stderr).toContain(
      'odd.jsonl:1: field "problem_type": expected "multiple choice" | "open-ended", got "yes/no"'
    )
  })

  it("an empty file is the same problem, with the same exit code, with or without --kind", () => {
    const dir = initWithSampleData(root, "empty")
    writeFileSync(join(dir, "empty.jsonl"), "")
    const inferred = videokr(dir, "import", "empty.jsonl")
    const given = videokr(dir, "import", "empty.jsonl", "--kind", "examples")
    expect([inferred.code, given.code]).toEqual([1, 1])
    for (const r of [inferred, given])
      expect(r.stderr).toContain(`${join(dir, "empty.jsonl")}:1: the file is empty: no records`)
  })

  it("an export that would write an empty verl train file fails with the fix, and writes no format", () => {
    const dir = initWithSampleData(root, "small")
    expect(videokr(dir, "import", "data/examples.jsonl").code).toBe(0)
    expect(videokr(dir, "split").code).toBe(0)
    const r = videokr(dir, "export", "--format", "all")
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^error: verl: the RL set has (\d+) usable example\(s\) and 500 are held out for validation, so train\.parquet would be empty; hold out fewer with --val-size \d+/
    )
    expect(existsSync(join(dir, "exports"))).toBe(false)
    const ok = videokr(dir, "export", "--format", "all", "--val-size", "3")
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/verl\s+exports\/verl\/train\.parquet\s+[1-9]/)
    // pipeline.release.verlValSize is the default of --val-size
    writeFileSync(join(dir, "videokr.config.ts"), "export default { pipeline: { release: { verlValSize: 2 } } }\n")
    expect(videokr(dir, "export", "--format", "verl").stdout).toMatch(/exports\/verl\/test\.parquet\s+2\s/)
  })

  it("the local source records every file it skips, with the reason why shows, and a later run finds new files", () => {
    const dir = initWithSampleData(root, "local")
    const clips = testVideos()
    mkdirSync(join(dir, "clips"))
    copyFileSync(clips.base!, join(dir, "clips", "lab.mp4"))
    writeFileSync(join(dir, "clips", "notes.txt"), "not a video\n")
    writeFileSync(join(dir, "clips", "broken.mp4"), "not a video either\n")
    writeFileSync(
      join(dir, "clips", "meta.jsonl"),
      JSON.stringify({
        file: "lab.mp4",
        title: "Laboratory demonstration of Newton's second law",
        license: "CC BY 4.0"
      }) + "\n"
    )
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { pipeline: {
      models: { scenarios: "scripted:demo" },
      sources: [{ type: "local", root: "clips", sidecar: "clips/meta.jsonl" }]
    } }\n`
    )
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    const first = videokr(dir, "run", "--until", "search", "--limit", "3", "--quiet")
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/sources\s+3\s+1\s+2\s+0/)
    const notes = videokr(dir, "why", "local:notes.txt")
    expect(notes.code).toBe(0)
    expect(notes.stdout.replace(/\s+/g, " ")).toContain(
      "sources drop skipped: not a video file name (the local source takes .mp4"
    )
    expect(videokr(dir, "why", "local:broken.mp4").stdout.replace(/\s+/g, " ")).toMatch(
      /sources drop not a readable video \((corrupt|not-a-video)\)/
    )
    const listed = videokr(dir, "funnel", "--stage", "sources", "--decision", "drop")
    expect(listed.stdout).toMatch(/local:broken\.mp4\s+drop/)
    expect(listed.stdout).toMatch(/local:notes\.txt\s+drop/)
    expect(listed.stdout).toContain("2 of 2 item(s) of sources (files), decision drop")
    // a clip added later is looked at, and the searches are done again so that it can be found
    copyFileSync(clips.mandelbrot!, join(dir, "clips", "lab-2.mp4"))
    appendFileSync(
      join(dir, "clips", "meta.jsonl"),
      JSON.stringify({
        file: "lab-2.mp4",
        title: "Laboratory demonstration: Newton's second law again",
        license: "CC BY 4.0"
      }) + "\n"
    )
    const again = videokr(dir, "run", "--until", "search", "--limit", "3", "--quiet")
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/sources\s+1\s+1\s+0\s+0/)
    expect(again.stdout).toMatch(/search\s+[1-9]/)
    expect(videokr(dir, "why", "local:lab-2.mp4").stdout).toMatch(/sources\s+keep\s+a video of/)
    expect(videokr(dir, "why", "kp-phys-001#s1").stdout).toContain("local:lab-2.mp4") // found by the search done again
  })

  it("models check works for the scripted models, and a mistyped provider is named with the one meant before anything runs", () => {
    const dir = initWithSampleData(root, "models")
    const check = videokr(dir, "models", "check", "scripted:demo", "scripted:echo")
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/scripted:demo\s+\d+ ms\s+yes\s+yes\s+yes/)
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default { pipeline: { models: { scenarios: "opnai:gpt-4o" } } }\n`
    )
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    const run = videokr(dir, "run")
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('stage scenarios: opnai:gpt-4o: no provider "opnai"; did you mean openai?')
    expect(run.stderr).not.toContain("opnai:gpt-4o: opnai:gpt-4o")
  })

  it("a usage error comes first, with one line of usage and where the help is; unknown names get a did-you-mean", () => {
    const dir = initWithSampleData(root, "usage")
    const flag = videokr(dir, "funnel", "--stag", "search")
    expect(flag.code).toBe(2)
    expect(flag.stdout).toBe("")
    expect(flag.stderr).toBe(
      "error: Unrecognized flag: --stag in command videokr funnel; did you mean --stage?\nusage: videokr funnel [flags]\n(videokr funnel --help for more)\n"
    )
    const sub = videokr(dir, "expor", "--format", "all")
    expect(sub.code).toBe(2)
    expect(sub.stderr.split("\n")[0]).toBe('error: Unknown subcommand "expor" for "videokr"; did you mean export?')
    expect(sub.stderr).not.toContain("--format") // the flags meant for the mistyped command are not errors of their own
    const stage = videokr(dir, "run", "--only", "metdata")
    expect(stage.code).toBe(2)
    expect(stage.stderr).toContain("unknown stage(s): metdata; did you mean metadata?")
    // --project before or after the subcommand; paths from the folder the user is in
    const outside = mkdtempSync(join(tmpdir(), "videokr-elsewhere-"))
    writeFileSync(join(outside, "seeds.jsonl"), "")
    const before = videokr(outside, "--project", dir, "import", "seeds.jsonl", "--kind", "seeds")
    expect(before.stderr).toContain(`${join(outside, "seeds.jsonl")}:1: the file is empty`)
    expect(videokr(outside, "stats", "--project", dir).code).toBe(0)
    // doctor looks at the project's disk, wherever it is run from
    expect(videokr(outside, "doctor", "--project", dir).stdout).toMatch(
      new RegExp(`disk space\\s+ok\\s+[\\d.]+ GiB free in ${dir}`)
    )
  })

  it("config errors name file:line:column, and an unknown key the one meant", () => {
    const dir = initWithSampleData(root, "config")
    const config = join(dir, "videokr.config.ts")
    writeFileSync(
      config,
      'export default {\n  corpus: "c.duckdb",\n  exportDirr: "out",\n  pipeline: { sources: [{ type: "local", rot: "clips" }] }\n}\n'
    )
    const keys = videokr(dir, "stats")
    expect(keys.code).toBe(1)
    expect(keys.stderr).toContain(
      `${config}:3:3: field "exportDirr": unknown field, with value "out"; did you mean exportDir?`
    )
    expect(keys.stderr).toContain(
      `${config}:4:42: field "pipeline.sources.0.rot": unknown field, with value "clips"; did you mean root?`
    )
    writeFileSync(config, 'export default {\n  corpus: "c.duckdb"\n  split: { seed: 4 }\n}\n')
    const syntax = videokr(dir, "stats")
    expect(syntax.code).toBe(1)
    expect(syntax.stderr).toContain(`${config}:3:3: syntax error: Expected ',', got 'ident'`)
    writeFileSync(config, 'export default { corpus: "c.duckdb" }\nconst broken = notDefined.x\n')
    expect(videokr(dir, "stats").stderr).toContain(`${config}:2:16: ReferenceError: notDefined is not defined`)
  })
})
