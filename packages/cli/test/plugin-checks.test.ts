import { afterAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makePipelineProject,
  query,
  type Servers,
  startModelServers,
  videokrAsync as videokr
} from "./support/pipeline.ts"

let servers: Servers | undefined
afterAll(() => servers?.close())

// A plugin with a filter and a validator of its own, placed by pipeline.checks: one after a built-in
// stage, one in place of one. Both written as a plugin author would, against videokr's Effect; the
// validator words its reasons from a prompt file the plugin keeps beside itself.
const plugin = `import { Effect } from "effect"
import { definePlugin, promptTemplate } from "@videokr/core"
const rule = promptTemplate("prompts/question.v1", { from: import.meta.url })
export default definePlugin({
  name: "house-rules",
  filters: {
    "short-titles": ({ options }) => ({
      id: "short-titles", stage: "short-titles", version: "1",
      decide: (c) => Effect.succeed(c.video.title.length <= Number(options.max)
        ? { decision: "keep", reason: "short title" }
        : { decision: "drop", reason: "title longer than " + options.max + " characters" })
    })
  },
  validators: {
    "question-mark": () => ({
      id: "question-mark", stage: "question-mark", version: "1", prompts: [rule],
      check: (e) => Effect.succeed(e.question.trim().endsWith("?") ? { decision: "keep", reason: rule.text.trim() } : { decision: "drop", reason: "not a question" })
    })
  }
})
`

describe("plugin filters and validators in the pipeline (pipeline.checks)", () => {
  it("run after the stage they follow, in place of the one they replace, and the chain closes over them", async () => {
    servers = await startModelServers()
    const dir = makePipelineProject(mkdtempSync(join(tmpdir(), "videokr-plugins-")), servers)
    writeFileSync(join(dir, "house-rules.ts"), plugin)
    mkdirSync(join(dir, "prompts"))
    writeFileSync(join(dir, "prompts/question.v1.md"), "a question\n")
    const config = readFileSync(join(dir, "videokr.config.ts"), "utf8")
      .replace(
        "export default {",
        `export default {
  "plugins": ["./house-rules.ts"],`
      )
      .replace(
        `"release": {`,
        `"checks": [{ "use": "short-titles", "after": "metadata", "options": { "max": 47 } }, { "use": "question-mark", "replaces": "dependency" }],
      "release": {`
      )
    writeFileSync(join(dir, "videokr.config.ts"), config)
    const run = await videokr(dir, "run", "--until", "verification", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^short-titles\s+\d+/m)
    expect(run.stdout).toMatch(/^question-mark\s+\d+/m)
    expect(run.stdout).not.toMatch(/^dependency\s/m)
    const db = join(dir, "corpus.duckdb")
    const dropped = await query(
      db,
      "SELECT DISTINCT reason FROM verdicts WHERE stage = 'short-titles' AND decision = 'drop'"
    )
    expect(dropped).toEqual([{ reason: "title longer than 47 characters" }])
    // nothing a plugin filter dropped went on to be downloaded, and verification saw only what question-mark kept
    const [leaks] = await query(
      db,
      `SELECT
      (SELECT count(*) FROM verdicts d JOIN verdicts s ON s.stage = 'short-titles' AND s.decision = 'drop' AND d.item_id = split_part(s.item_id, '@', 1)
        WHERE d.stage = 'download' AND NOT EXISTS (SELECT 1 FROM verdicts k WHERE k.stage = 'short-titles' AND k.decision = 'keep' AND split_part(k.item_id, '@', 1) = d.item_id))::INT AS downloaded,
      (SELECT count(*) FROM verdicts v WHERE v.stage = 'verification' AND v.item_id NOT IN (SELECT item_id FROM verdicts WHERE stage = 'question-mark' AND decision = 'keep'))::INT AS verified`
    )
    expect(leaks).toEqual({ downloaded: 0, verified: 0 })
    const [verified] = await query(db, "SELECT count(*)::INT AS n FROM verdicts WHERE stage = 'verification'")
    expect(verified!.n).toBeGreaterThan(0)
    // the plugin's prompt is part of what its items depend on: edited, exactly its stage is redone
    const before = await query(db, "SELECT stage, count(*)::INT AS n FROM stage_items GROUP BY stage ORDER BY stage")
    writeFileSync(join(dir, "prompts/question.v1.md"), "a question, by house rule\n")
    const again = await videokr(dir, "run", "--until", "verification", "--quiet")
    expect(again.code).toBe(0)
    expect(
      await query(db, "SELECT DISTINCT reason FROM verdicts WHERE stage = 'question-mark' AND decision = 'keep'")
    ).toEqual([{ reason: "a question, by house rule" }])
    expect(again.stdout).toMatch(/^question-mark\s+[1-9]\d*/m)
    expect(again.stdout).toMatch(/^verification\s+0\s/m)
    expect(await query(db, "SELECT stage, count(*)::INT AS n FROM stage_items GROUP BY stage ORDER BY stage")).toEqual(
      before
    )
    // a check no plugin provides is a usage error naming it
    writeFileSync(join(dir, "videokr.config.ts"), config.replace(`"use": "short-titles"`, `"use": "long-titles"`))
    const bad = await videokr(dir, "run")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /no plugin provides "long-titles" \(provided: openai-moderation, short-titles, question-mark/
    )
  })
})
