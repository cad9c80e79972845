import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { extname, join, normalize } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium, type Browser, type Page } from "playwright-core"

/**
 * The site in a real browser (Debian's chromium through playwright-core): a project with the sample
 * corpus and three submissions (one withdrawn, one whose name holds markup), built by `videokr site
 * build`, served over loopback HTTP.
 */
const repo = fileURLToPath(new URL("../../../", import.meta.url))
const bin = join(repo, "packages/cli/src/bin.ts")
const videokr = (cwd: string, ...args: Array<string>) => {
  const { FORCE_COLOR: _, ...env } = process.env
  const r = spawnSync(
    process.execPath,
    ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", bin, ...args],
    {
      cwd,
      encoding: "utf8",
      env: { ...env, NO_COLOR: "1" }
    }
  )
  if (r.status !== 0) throw new Error(`videokr ${args.join(" ")}: ${r.stderr}${r.stdout}`)
  return r.stdout
}

const chromiumPath = process.env["VIDEOKR_CHROMIUM"] || "/usr/bin/chromium"
const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".md": "text/markdown",
  ".svg": "image/svg+xml"
}

let site: string
let built: string
let server: Server
let url: string
let browser: Browser
const errors: Array<string> = []

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-site-"))
  videokr(root, "init", "p")
  const p = join(root, "p")
  videokr(p, "import", "data/knowledge-bank.jsonl", "data/seeds.jsonl", "data/videos.jsonl", "data/examples.jsonl")
  videokr(p, "split")
  videokr(p, "export", "--format", "videokr")
  writeFileSync(
    join(p, "videokr.config.ts"),
    `export default ${JSON.stringify({ eval: { data: { videokr_eval: join(repo, "fixtures/benchmarks/videokr_eval") } } })}\n`
  )
  // VideoKR-Eval's documents and their answers
  const docs = readFileSync(join(repo, "fixtures/benchmarks/videokr_eval/VideoKR_eval.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
  const answer = (d: any) => String(d.solution).replace(/<\/?answer>/g, "")
  const submission = (folder: string, meta: Record<string, unknown>, right: number) => {
    const dir = join(p, "submissions", folder)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, "submission.json"),
      JSON.stringify({
        revision: "v1",
        organisation: "Lab",
        contact: "lab@example.org",
        date: "2026-11-20",
        frames: { fps: 2, maxFrames: 128 },
        generation: { temperature: 0.1, topP: 0.001, maxTokens: 8192 },
        prompt: "default",
        ...meta
      })
    )
    writeFileSync(
      join(dir, "predictions.jsonl"),
      docs
        .map((d, i) =>
          JSON.stringify({
            task: "videokr_eval",
            id: d.id,
            output: `<think>t</think><answer>${i < right ? answer(d) : "Z"}</answer>`
          })
        )
        .join("\n") + "\n"
    )
  }
  submission("lab/alpha", { model: "Alpha-VL", links: [{ label: "paper", url: "https://example.org/alpha" }] }, 4)
  submission("lab/beta", { model: "Beta <b>bold</b><script>window.pwned=1</script>", organisation: "Other & Co" }, 2)
  submission("lab/gamma", { model: "Gamma", withdrawn: { date: "2026-11-25", reason: "trained on the test set" } }, 6)
  built = videokr(p, "site", "build", "--out", "site")
  site = join(p, "site")
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(
      /^(\.\.[/\\])+/,
      ""
    )
    const file = join(site, path.endsWith("/") ? join(path, "index.html") : path)
    try {
      const body = readFileSync(file)
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" })
      res.end(body)
    } catch {
      res.writeHead(404).end("not found")
    }
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu"] })
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

const open = async (path: string): Promise<Page> => {
  const page = await browser.newPage()
  page.setDefaultTimeout(5 * 60_000) // actions wait for their element; on a loaded machine that may take long
  page.on("console", (m) => (m.type() === "error" ? errors.push(`${path}: ${m.text()}`) : undefined))
  page.on("pageerror", (e) => errors.push(`${path}: ${e.message}`))
  await page.goto(url + path, { waitUntil: "load" })
  // the tables answer clicks and keys once React has hydrated them and applied the URL's state: they drop
  // their data-hydrating attribute then (Astro drops the islands' ssr attribute earlier, when hydration
  // is only scheduled)
  await page.waitForFunction(
    () => document.querySelectorAll("astro-island[ssr], [data-hydrating]").length === 0,
    undefined,
    {
      timeout: 5 * 60_000
    }
  )
  return page
}

/** A page's state after a click or a keystroke, once React has rendered it (however busy the machine). */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 5 * 60_000, interval: 50 })

const models = (page: Page, table: string) =>
  page.$$eval(`#${table} tbody tr`, (rows) => rows.map((r) => (r as HTMLElement).dataset["model"]))

describe("the leaderboard site in chromium", () => {
  it("ranks the VideoKR-Eval board by score, withdrawn entries last and unranked, user text escaped", async () => {
    const page = await open("/")
    expect(await models(page, "vk")).toEqual([
      "Alpha-VL (v1)",
      "Beta <b>bold</b><script>window.pwned=1</script> (v1)",
      "Gamma (v1)"
    ])
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined()
    expect(await page.locator("#vk tbody tr").nth(2).locator("td").first().innerText()).toBe("")
    expect(await page.locator("#vk tbody tr").nth(2).innerText()).toContain("withdrawn")
    // the first 4 documents answered right: 3 of the 4 multiple-choice questions (open-ended ones are skipped without a judge)
    expect(await page.locator("#vk tbody tr").first().innerText()).toMatch(/75\.0\s*95% CI/)
    await page.close()
  })

  it("shows the boards by discipline from the knowledge bank, and a plain table without JavaScript", async () => {
    const page = await open("/")
    const heads = await page.$$eval("#vk thead th", (ths) => ths.map((t) => (t as HTMLElement).innerText.trim()))
    // open-ended answers are skipped without a judge, so only the multiple-choice type has a column
    expect(heads).toEqual(
      expect.arrayContaining(["VideoKR-Eval", "Natural Sciences", "Engineering", "multiple-choice"])
    )
    const context = await browser.newContext({ javaScriptEnabled: false })
    context.setDefaultTimeout(5 * 60_000)
    const plain = await context.newPage()
    await plain.goto(url + "/")
    expect(await models(plain, "vk")).toEqual([
      "Alpha-VL (v1)",
      "Beta <b>bold</b><script>window.pwned=1</script> (v1)",
      "Gamma (v1)"
    ])
    expect(await models(plain, "all")).toHaveLength(3)
    await context.close()
    await page.close()
  })

  it("sorts by a column on click and keeps the view in a sharable URL", async () => {
    const page = await open("/")
    await page.locator("#vk thead button", { hasText: "Model" }).click()
    await eventually(() => page.url()).toContain("vk.sort=model&vk.dir=asc")
    await eventually(async () => (await models(page, "vk"))[0]).toBe("Alpha-VL (v1)")
    await page.locator("#vk thead button", { hasText: "Model" }).click()
    await eventually(() => page.url()).toContain("vk.dir=desc")
    // withdrawn entries stay last whatever the order
    await eventually(() => models(page, "vk")).toEqual([
      "Beta <b>bold</b><script>window.pwned=1</script> (v1)",
      "Alpha-VL (v1)",
      "Gamma (v1)"
    ])
    const again = await open(page.url().slice(url.length))
    expect((await models(again, "vk"))[0]).toBe("Beta <b>bold</b><script>window.pwned=1</script> (v1)")
    expect(await again.locator("#vk thead th[aria-sort]").first().getAttribute("aria-sort")).toBe("descending")
    await page.close()
    await again.close()
  })

  it("filters by model or organisation, and hides withdrawn entries on request", async () => {
    const page = await open("/")
    await page.locator('input[name="vk-filter"]').fill("other")
    await eventually(() => models(page, "vk")).toEqual(["Beta <b>bold</b><script>window.pwned=1</script> (v1)"])
    await eventually(() => page.url()).toContain("vk.q=other")
    await page.locator('input[name="vk-filter"]').fill("")
    await eventually(() => models(page, "vk")).toHaveLength(3)
    await page.locator("label", { hasText: "show withdrawn" }).first().locator("input").uncheck()
    await eventually(() => models(page, "vk")).toEqual([
      "Alpha-VL (v1)",
      "Beta <b>bold</b><script>window.pwned=1</script> (v1)"
    ])
    await page.close()
  })

  it("shows a model's page: scores with intervals, configuration, links and charts", async () => {
    const page = await open("/")
    await page.locator("#vk a", { hasText: "Alpha-VL" }).click()
    await page.waitForURL(/models\//)
    const text = await page.locator("main").innerText()
    expect(text).toContain("Alpha-VL")
    expect(text).toMatch(/VideoKR-Eval\s+75\.0/)
    expect(text).toContain("2 fps, at most 128")
    expect(text).toContain("temperature 0.1")
    expect(await page.locator('a[href="https://example.org/alpha"]').getAttribute("rel")).toContain("nofollow")
    expect(await page.locator("svg.chart").count()).toBeGreaterThan(1)
    await page.close()
  })

  it("offers the dataset card: a Hugging Face README with its YAML header and Croissant JSON-LD", async () => {
    const page = await open("/dataset/")
    expect(await page.locator("main").innerText()).toContain("Construction funnel")
    const readme = await (
      await page.request.get(url + (await page.locator("a", { hasText: "README.md" }).getAttribute("href"))!)
    ).text()
    expect(readme.startsWith("---\npretty_name: VideoKR\n")).toBe(true)
    expect(readme).toMatch(
      /configs:\n- config_name: default\n {2}data_files:\n {2}- split: sft\n {4}path: data\/sft.jsonl/
    )
    const croissant = await (
      await page.request.get(url + (await page.locator("a", { hasText: "croissant.json" }).getAttribute("href"))!)
    ).json()
    expect(croissant.conformsTo).toBe("http://mlcommons.org/croissant/1.0")
    expect(croissant.distribution.map((d: any) => d.sha256)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}$/)])
    )
    await page.close()
  })

  it("has no serious accessibility violations (axe) and no console errors on any page", async () => {
    const axe = readFileSync(join(repo, "node_modules/axe-core/axe.min.js"), "utf8")
    for (const path of ["/", "/models/lab-alpha/", "/dataset/", "/reports/", "/contribute/", "/plugins/"]) {
      const page = await open(path)
      await page.addScriptTag({ content: axe })
      const violations = await page.evaluate(async () =>
        (await (window as any).axe.run(document)).violations
          .filter((v: any) => v.impact === "serious" || v.impact === "critical")
          .map((v: any) => `${v.id}: ${v.nodes.length}`)
      )
      expect({ path, violations }).toEqual({ path, violations: [] })
      await page.close()
    }
    expect(errors.join("\n")).toBe("")
  })

  it("ships less than 100 KB of compressed JavaScript on the leaderboard page", () => {
    const kb = Number(/leaderboard page: ([\d.]+) KB of JavaScript compressed in (\d+) file/.exec(built)?.[1])
    expect(kb).toBeGreaterThan(10)
    expect(kb).toBeLessThan(100)
  })
})
