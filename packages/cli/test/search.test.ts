import { describe, expect, it } from "vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { initWithSampleData, videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _, ...env } = process.env
const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("videokr run: search over a local source, then metadata relevance", () => {
  it("finds candidates for scenarios, applies the license gate, and records why", () => {
    const root = mkdtempSync(join(tmpdir(), "videokr-search-"))
    const dir = initWithSampleData(root)
    mkdirSync(join(dir, "clips"))
    for (const [name, src] of [
      ["lab.mp4", "testsrc"],
      ["other.mp4", "mandelbrot"]
    ] as const) {
      execFileSync(process.env.VIDEOKR_FFMPEG ?? "ffmpeg", [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        `${src}=size=160x120:rate=10`,
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        join(dir, "clips", name)
      ])
    }
    writeFileSync(
      join(dir, "clips", "videos.jsonl"),
      [
        { file: "lab.mp4", title: "Laboratory demonstration for first-year students", license: "CC BY 4.0" },
        { file: "other.mp4", title: "A hands-on experiment at home", license: "Standard YouTube License" }
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n"
    )
    writeFileSync(
      join(dir, "videokr.config.ts"),
      `export default {
  pipeline: {
    models: { scenarios: "scripted:demo", metadata: "scripted:demo" },
    sources: [{ type: "local", root: "clips", sidecar: "clips/videos.jsonl" }],
    gates: { perScenario: 3 }
  }
}
`
    )
    expect(videokr(dir, "import", "data/knowledge-bank.jsonl").code).toBe(0)
    const r = videokr(dir, "run", "--limit", "6")
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/search\s+6\s+\d+\s+\d+\s+0/)
    // "laboratory demonstration of ..." finds the CC clip
    expect(videokr(dir, "why", "kp-phys-001#s1").stdout).toMatch(/search\s+keep\s+1 candidate video\(s\)/)
    // "... explained with a hands-on experiment" finds only the standard-license clip: dropped, with the reason
    const second = videokr(dir, "why", "kp-phys-001#s2").stdout
    expect(second).toMatch(/search\s+drop\s+no candidate passed the gates/)
    expect(second).toContain('license \\"Standard YouTube License\\" is not allowed')
    // metadata relevance judged the kept candidate against each knowledge point it was found for
    expect(r.stdout).toMatch(/metadata\s+\d+\s+\d+\s+\d+\s+0/)
    expect(videokr(dir, "why", "local:lab.mp4").stdout).toMatch(
      /metadata\s+(keep|drop)\s+.+scripted:demo\s+\{"knowledge_point":/
    )
    // the funnel shows every stage
    const funnel = videokr(dir, "funnel").stdout
    expect(funnel).toMatch(/search\s+scenarios\s+6\s+/)
    expect(funnel).toMatch(/metadata\s+video@knowledge point\s+\d+/)
  })
})
