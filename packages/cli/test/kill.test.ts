import { describe, expect, it } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import { createWriteStream, mkdtempSync } from "node:fs"
import { once } from "node:events"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { videokrNodeArgs } from "./support/cli.ts"

const { FORCE_COLOR: _, ...env } = process.env
const videokr = (cwd: string, ...args: Array<string>) =>
  spawnSync(process.execPath, [...videokrNodeArgs, ...args], { cwd, encoding: "utf8", env: { ...env, NO_COLOR: "1" } })

const examples = (dir: string) => JSON.parse(videokr(dir, "stats", "--json").stdout).totals.examples as number

describe("an import killed at any moment", () => {
  it("leaves the corpus as it was, and the same import then succeeds", async () => {
    const root = mkdtempSync(join(tmpdir(), "videokr-kill-"))
    expect(videokr(root, "init", "p", "--template", "minimal").status).toBe(0)
    const dir = join(root, "p")
    const file = join(dir, "big.jsonl")
    const out = createWriteStream(file)
    const think = "The operator reads the burette at eye level; the meniscus sits at the mark. ".repeat(12)
    for (let i = 0; i < 120_000; i++) {
      const line = JSON.stringify({
        problem_id: `big-${i}`,
        question: `Which reading is shown at ${i} s?`,
        options: ["A. 12.1 mL", "B. 12.4 mL"],
        problem_type: "multiple choice",
        solution: "<answer>B</answer>",
        think,
        video_path: `videos/${i}.mp4`
      })
      if (!out.write(line + "\n")) await once(out, "drain")
    }
    out.end()
    await once(out, "finish")

    // kill -9 at several moments of the import: while reading and appending, and later
    const seen: Array<number> = []
    for (const delay of [600, 1200, 1800]) {
      const child = spawn(process.execPath, [...videokrNodeArgs, "import", "big.jsonl"], {
        cwd: dir,
        env,
        stdio: "ignore"
      })
      await new Promise((r) => setTimeout(r, delay))
      child.kill("SIGKILL")
      await once(child, "exit")
      const n = examples(dir)
      seen.push(n)
      // all or nothing: either the transaction had committed or nothing of it is there
      expect([0, 120_000]).toContain(n)
      if (n === 120_000) break
    }
    // at least one kill must have hit a running import, or this test proved nothing
    expect(seen[0]).toBe(0)
    const done = videokr(dir, "import", "big.jsonl")
    expect(done.status).toBe(0)
    expect(examples(dir)).toBe(120_000)
  })
})
