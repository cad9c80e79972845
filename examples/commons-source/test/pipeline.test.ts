import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { DuckDBInstance } from "@duckdb/node-api"
import { installedVideokr } from "@videokr/core/testing"
import { type CommonsServer, startCommonsServer } from "./CommonsServer.ts"

// The plugin in a user's project, run by the installed videokr command: the Commons source feeds the
// search stage (recorded API answers on loopback), its videos pass the license gate or not by what the
// file pages state, and the kept ones are downloaded through it.
const here = dirname(fileURLToPath(import.meta.url))
const videokr = installedVideokr(here)

let server: CommonsServer
beforeAll(async () => (server = await startCommonsServer()))
afterAll(() => server.close())

describe("the Commons source in a project", () => {
  it("feeds the search stage, records licenses and authors, and downloads what the gates and the metadata filter keep", async () => {
    const root = mkdtempSync(join(tmpdir(), "videokr-commons-project-"))
    const init = await videokr(root, "init", "titration-corpus")
    expect(init.stderr).toBe("")
    const dir = join(root, "titration-corpus")
    const configPath = join(dir, "videokr.config.ts")
    const config = readFileSync(configPath, "utf8")
      .replace(
        `sources: [{ type: "local", root: "videos", sidecar: "videos/videos.jsonl" }],`,
        `sources: [{ use: "commons", options: { api: ${JSON.stringify(server.api)}, contact: "https://example.org/videokr-tests", pages: 2 } }],`
      )
      .replace(
        `corpus: "corpus.duckdb",`,
        `corpus: "corpus.duckdb",\n  plugins: [${JSON.stringify(join(here, "../src/index.ts"))}],`
      )
    expect(config).toContain(`use: "commons"`)
    writeFileSync(configPath, config)
    expect((await videokr(dir, "import", "data/knowledge-bank.csv", "data/seeds.jsonl")).code).toBe(0)
    const run = await videokr(dir, "run", "--until", "download", "--quiet")
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^search\s+[1-9]/m)
    const db = await DuckDBInstance.create(join(dir, "corpus.duckdb"), { access_mode: "READ_ONLY" })
    const connection = await db.connect()
    const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson()
    // the license gate (Creative Commons by default) took three of the five; "Public domain" and a file
    // page without a license stayed out of the corpus
    expect(await rows("SELECT id, license, channel FROM videos ORDER BY id")).toEqual([
      { id: "commons:123456789", license: "CC BY-SA 4.0", channel: "LabTeacher" },
      { id: "commons:8880003", license: "CC BY-NC 2.0", channel: "Science Class 4B" },
      { id: "commons:9000029", license: "CC BY 3.0", channel: "Blender Foundation" }
    ])
    expect(await rows("SELECT DISTINCT reason FROM verdicts WHERE stage = 'search'")).toEqual([
      { reason: "3 candidate video(s)" }
    ])
    const downloads = await rows("SELECT item_id, decision FROM verdicts WHERE stage = 'download' ORDER BY item_id")
    expect(downloads.length).toBeGreaterThan(0)
    expect(downloads.every((d) => d.decision === "keep")).toBe(true)
    // what the license gate refused was never fetched: every file request was for a video that passed it
    const fetched = new Set(
      server.requests.filter((r) => r.path.startsWith("/wikipedia/")).map((r) => `commons:${r.path.split("/")[3]}`)
    )
    expect([...fetched].sort()).toEqual(downloads.map((d) => d.item_id).sort())
    expect(fetched.has("commons:7770002")).toBe(false)
    connection.closeSync()
    db.closeSync()
  })
})
