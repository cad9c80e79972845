import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { extname, join, normalize } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium, type Browser, type Page } from "playwright-core"
import { writeSubmission } from "@videokr/eval/testing"

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
  const submission = (folder: string, meta: Record<string, unknown>, right: number) =>
    writeSubmission(
      join(p, "submissions", folder),
      { generation: { temperature: 0.1, topP: 0.001, maxTokens: 8192 }, ...meta },
      docs.map((d, i) => ({
        task: "videokr_eval",
        id: d.id,
        output: `<think>t</think><answer>${i < right ? answer(d) : "Z"}</answer>`
      }))
    )

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

const open = async (
  path: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}
): Promise<Page> => {
  const page = await browser.newPage(options)
  page.setDefaultTimeout(5 * 60_000) // actions wait for their element; on a loaded machine that may take long
  page.on("console", (m) => (m.type() === "error" ? errors.push(`${path}: ${m.text()}`) : undefined))
  page.on("pageerror", (e) => errors.push(`${path}: ${e.message}`))
  await page.goto(url + path, { waitUntil: "load" })
  // the islands answer clicks and keys once React has hydrated them and applied the URL's state (and the
  // compare page has its data): they drop their data-hydrating attribute then (Astro drops the islands'
  // ssr attribute earlier, when hydration is only scheduled)
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

/** The board's rows in order: `kind` "submission" or "reported", or every row. */
const models = (page: Page, kind?: "submission" | "reported") =>
  page.$$eval(`#board tbody tr${kind === undefined ? "" : `[data-kind="${kind}"]`}`, (rows) =>
    rows.map((r) => (r as HTMLElement).dataset["model"])
  )

const heads = (page: Page) =>
  page.$$eval("#board thead th", (ths) => ths.map((t) => (t as HTMLElement).innerText.trim()))

const alpha = "Alpha-VL (v1)"
const beta = "Beta <b>bold</b><script>window.pwned=1</script> (v1)"
const gamma = "Gamma (v1)"

/** Where the tests leave screenshots of each page kind at each width, for a person to look at. */
const screenshots = join(repo, "test-results/screenshots")

describe("the leaderboard site in chromium", () => {
  it("ranks the board by VideoKR-Eval, withdrawn entries last and unranked, user text escaped", async () => {
    const page = await open("/")
    expect(await models(page, "submission")).toEqual([alpha, beta, gamma])
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined()
    const rows = page.locator("#board tbody tr")
    const last = rows.last()
    expect(await last.getAttribute("data-model")).toBe(gamma)
    expect(await last.locator("td").first().innerText()).toBe("")
    expect(await last.innerText()).toContain("withdrawn")
    expect(await rows.first().locator("td").first().innerText()).toBe("1")
    // the first 4 documents answered right: 3 of the 4 multiple-choice questions; the 2 open-ended ones have
    // no verdict of the board's judge, so they are skipped and said to be awaiting it, and 4 samples are
    // too few for an interval
    const first = await rows.first().innerText()
    expect(first).toMatch(/75\.0/)
    expect(first).toContain("n=4, too few for an interval")
    expect(first).toContain("2 awaiting judge")
    expect(first).not.toMatch(/CI|±/)
    // who scored what: the rules, and the judge (none yet here: every open-ended output awaits it)
    const main = await page.locator("main").innerText()
    expect(main).toMatch(/Judge\s+none yet: 6 open-ended output\(s\) awaiting judge/)
    expect(main).toContain("Multiple-choice answers are scored by each benchmark's rules")
    await page.close()
  })

  it("shows the paper's reported rows apart: badge, source link, no rank, '–' where the source is silent", async () => {
    const page = await open("/")
    // placed among the submissions by score (45.3 below Beta's 50.0), rows without the score after them, withdrawn last
    const all = await models(page)
    expect(all.slice(0, 3)).toEqual([alpha, beta, "VideoKR-Qwen3-VL-8B"])
    expect(all.at(-1)).toBe(gamma)
    expect(await models(page, "reported")).toHaveLength(7)
    const row = page.locator('#board tbody tr[data-model="VideoKR-Qwen3-VL-8B"]')
    expect(await row.getAttribute("class")).toContain("reported")
    expect(await row.locator("td").first().innerText()).toBe("")
    expect(await row.locator(".badge").innerText()).toBe("reported")
    expect(await row.locator("a", { hasText: "source" }).getAttribute("href")).toBe(
      "https://huggingface.co/minuzero/VideoKR-Qwen3-VL-8B"
    )
    expect(await row.innerText()).toMatch(/45\.3[\s\S]*67\.8/)
    // the paper gives only the averages of Qwen2.5-VL-7B: its other cells say the source does not give them
    const silent = page.locator(
      '#board tbody tr[data-model="Qwen2.5-VL-7B-Instruct"] td[title="not given by the source"]'
    )
    expect(await silent.count()).toBeGreaterThan(5)
    expect(await silent.first().innerText()).toContain("–")
    // the rank counts submissions only
    expect(await page.$$eval("#board tbody tr td:first-child", (tds) => tds.map((t) => t.textContent))).toEqual([
      "1",
      "2",
      ...Array(8).fill("")
    ])
    // and a toggle hides them, kept in the URL
    await page.locator("label", { hasText: "show reported" }).locator("input").uncheck()
    await eventually(() => models(page)).toEqual([alpha, beta, gamma])
    await eventually(() => page.url()).toContain("board.reported=hide")
    await page.close()
  })

  it("shows column groups from the data, and a plain table without JavaScript", async () => {
    const page = await open("/")
    // the default groups: the benchmarks and averages, VideoKR-Eval's disciplines (from the knowledge bank), model info
    expect(await heads(page)).toEqual(
      expect.arrayContaining([
        "VideoKR-Eval",
        "Video-MME",
        "Knowledge avg",
        "Natural Sciences",
        "Engineering",
        "Size",
        "Frames"
      ])
    )
    // question types are a group shown on request; the sample has no skill breakdown, so nothing promises one
    expect(await heads(page)).not.toContain("multiple-choice")
    expect(await page.locator("#board caption").innerText()).not.toMatch(/skill/i)
    expect(await page.locator('input[name="board-col-skill"]').count()).toBe(0)
    const context = await browser.newContext({ javaScriptEnabled: false })
    context.setDefaultTimeout(5 * 60_000)
    const plain = await context.newPage()
    await plain.goto(url + "/")
    expect(await models(plain, "submission")).toEqual([alpha, beta, gamma])
    expect(await models(plain, "reported")).toHaveLength(7)
    expect(await plain.locator("#board tbody tr").first().innerText()).toContain("2 awaiting judge")
    await context.close()
    await page.close()
  })

  it("sorts by a column on click and keeps the view in a sharable URL", async () => {
    const page = await open("/")
    await page.locator("#board thead button", { hasText: "Model" }).click()
    await eventually(() => page.url()).toContain("board.sort=model&board.dir=asc")
    await eventually(async () => (await models(page, "submission"))[0]).toBe(alpha)
    await page.locator("#board thead button", { hasText: "Model" }).click()
    await eventually(() => page.url()).toContain("board.dir=desc")
    // withdrawn entries stay last whatever the order
    await eventually(() => models(page, "submission")).toEqual([beta, alpha, gamma])
    const again = await open(page.url().slice(url.length))
    expect((await models(again, "submission"))[0]).toBe(beta)
    expect(await again.locator("#board thead th[aria-sort]").first().getAttribute("aria-sort")).toBe("descending")
    await page.close()
    await again.close()
  })

  it("filters by model or organisation, size, weights and frames, and hides withdrawn entries on request", async () => {
    const page = await open("/")
    await page.locator('input[name="board-filter"]').fill("other")
    await eventually(() => models(page)).toEqual([beta])
    await eventually(() => page.url()).toContain("board.q=other")
    await page.locator('input[name="board-filter"]').fill("")
    await eventually(() => models(page)).toHaveLength(10)
    // the submissions give no size; the reported rows do (7 B and 8 B)
    await page.locator('select[name="board-size"]').selectOption("unknown")
    await eventually(() => models(page)).toEqual([alpha, beta, gamma])
    await page.locator('select[name="board-size"]').selectOption("lt10")
    await eventually(() => models(page, "submission")).toEqual([])
    await eventually(() => models(page)).toHaveLength(7)
    await page.locator('select[name="board-weights"]').selectOption("open")
    await eventually(() => models(page)).toHaveLength(5)
    await eventually(() => page.url()).toContain("board.size=lt10&board.weights=open")
    await page.locator('select[name="board-size"]').selectOption("")
    await page.locator('select[name="board-weights"]').selectOption("")
    await page.locator('select[name="board-frames"]').selectOption("128")
    await eventually(() => models(page)).toHaveLength(10)
    await page.locator("label", { hasText: "show withdrawn" }).locator("input").uncheck()
    await eventually(() => models(page, "submission")).toEqual([alpha, beta])
    await page.close()
  })

  it("shows and hides column groups, and keeps them in the URL", async () => {
    const page = await open("/")
    await page.locator('input[name="board-col-type"]').check()
    await eventually(() => heads(page)).toContain("multiple-choice")
    await page.locator('input[name="board-col-info"]').uncheck()
    await eventually(() => heads(page)).not.toContain("Size")
    await eventually(() => page.url()).toContain("board.cols=benchmarks%2Cdiscipline%2Ctype")
    expect(await page.locator("#board caption").innerText()).toContain("VideoKR-Eval by question type")
    const again = await open(page.url().slice(url.length))
    expect(await heads(again)).toEqual(await heads(page))
    expect(await heads(again)).toContain("multiple-choice")
    expect(await heads(again)).not.toContain("Size")
    expect(await again.locator('input[name="board-col-info"]').isChecked()).toBe(false)
    expect(await again.locator("#board tbody tr").first().innerText()).toMatch(/multiple-choice|75\.0/)
    await page.close()
    await again.close()
  })

  for (const width of [1280, 390]) {
    it(`fits a ${width} px wide screen: no page overflow, the model column stays put, screenshots`, async () => {
      mkdirSync(screenshots, { recursive: true })
      const viewport = { width, height: 900 }
      for (const [name, path] of [
        ["leaderboard", "/"],
        ["model", "/models/lab-alpha/"],
        ["dataset", "/dataset/"],
        ["compare", "/compare/"]
      ] as const) {
        const page = await open(path, { viewport })
        const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth)
        expect({ path, overflow }).toEqual({ path, overflow: 0 })
        await page.screenshot({ path: join(screenshots, `${name}-${width}.png`), fullPage: true })
        await page.close()
      }
      const page = await open("/", { viewport })
      const box = page.locator("#board").locator("xpath=..")
      // in the window first: what covers a point is only known for points on screen
      await box.evaluate((el) => el.scrollIntoView())
      // the board is wider than the screen: it scrolls inside its box
      const scrolled = await box.evaluate((el) => {
        el.scrollLeft = el.scrollWidth
        return { left: el.scrollLeft, wider: el.scrollWidth > el.clientWidth }
      })
      expect(scrolled.wider).toBe(true)
      expect(scrolled.left).toBeGreaterThan(0)
      const stuck = () =>
        page.evaluate(() => {
          const wrap = document.querySelector("#board")!.parentElement!.getBoundingClientRect()
          const rank = document.querySelector("#board tbody td.rank")!.getBoundingClientRect()
          const cell = document.querySelector("#board tbody th.model")!
          const r = cell.getBoundingClientRect()
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 10))
          return {
            atLeftEdge: Math.abs(r.left - (wrap.left + rank.width + 1)) <= 2 && rank.left - wrap.left <= 2,
            inView: r.left >= wrap.left && r.right <= wrap.right && r.width > 0,
            onTop: hit !== null && cell.contains(hit)
          }
        })
      await eventually(stuck).toEqual({ atLeftEdge: true, inView: true, onTop: true })
      // the header stays in view when the board scrolls down inside its box (when it is tall enough to)
      const down = await box.evaluate((el) => {
        el.scrollTop = el.scrollHeight
        return el.scrollTop
      })
      if (down > 0)
        await eventually(() =>
          page.evaluate(() => {
            const wrap = document.querySelector("#board")!.parentElement!.getBoundingClientRect()
            const head = document.querySelector("#board thead th.model")!.getBoundingClientRect()
            return Math.abs(head.top - wrap.top) <= 2
          })
        ).toBe(true)
      await page.close()
    })
  }

  it("compares two models by category side by side, the pair kept in the URL", async () => {
    const page = await open("/compare/")
    await page.locator('select[name="compare-a"]').selectOption({ label: alpha })
    await page.locator('select[name="compare-b"]').selectOption({ label: beta })
    await eventually(() => page.url()).toMatch(/\?a=lab-alpha&b=lab-beta$/)
    const row = (key: string) =>
      page.$$eval(`#compare tr[data-category="${key}"] > *`, (cells) =>
        cells.map((c) => (c as HTMLElement).innerText.trim())
      )
    await eventually(() => row("videokr_eval")).toEqual(["VideoKR-Eval", "75.0", "50.0", "-25.0"])
    expect(await row("discipline:Engineering")).toEqual(["Engineering", "100.0", "0.0", "-100.0"])
    expect(await row("discipline:Natural Sciences")).toEqual(["Natural Sciences", "100.0", "100.0", "0.0"])
    expect(
      await page.$$eval("#compare thead th", (ths) => ths.map((t) => (t as HTMLElement).innerText.trim()))
    ).toEqual(["Category", alpha, beta, "Second − first"])
    // a reported row beside a submission: the numbers its source gives
    await page.locator('select[name="compare-b"]').selectOption({ label: "VideoKR-Qwen3-VL-8B (reported)" })
    await eventually(() => row("videokr_eval")).toEqual(["VideoKR-Eval", "75.0", "45.3", "-29.7"])
    expect(await row("mmvu_val")).toEqual(["MMVU", "–", "64.8", "–"])
    const again = await open(page.url().slice(url.length))
    expect(await again.locator('select[name="compare-b"]').inputValue()).toBe("reported-videokr-qwen3-vl-8b")
    expect(await again.locator("#compare caption").innerText()).toContain("VideoKR-Qwen3-VL-8B (reported)")
    await page.close()
    await again.close()
  })

  it("shows a model's page: scores with their sample counts, the judge, configuration, links and charts", async () => {
    const page = await open("/")
    await page.locator("#board a", { hasText: "Alpha-VL" }).click()
    await page.waitForURL(/models\//)
    const text = await page.locator("main").innerText()
    expect(text).toContain("Alpha-VL")
    expect(text).toMatch(/VideoKR-Eval\s+75\.0\s+n=4, too few for an interval\s+6\s+4\s+0\s+2\s+2/)
    expect(text).toContain("awaiting judge")
    expect(text).toContain("2 fps, at most 128")
    expect(text).toContain("temperature 0.1")
    expect(text).not.toMatch(/\b\d+\.0 \(n=/)
    expect(await page.locator('a[href="https://example.org/alpha"]').getAttribute("rel")).toContain("nofollow")
    expect(await page.locator("svg.chart").count()).toBeGreaterThan(1)
    expect(await page.locator("a", { hasText: "Compare with another model" }).getAttribute("href")).toContain(
      "compare/?a=lab-alpha"
    )
    await page.close()
  })

  it("offers the dataset card: a Hugging Face README with its YAML header and Croissant JSON-LD, counts as integers", async () => {
    const page = await open("/dataset/")
    const text = await page.locator("main").innerText()
    expect(text).toContain("Construction funnel")
    expect(text).toMatch(/examples\s+40\n/)
    expect(await page.locator("svg.chart").first().getAttribute("aria-label")).not.toMatch(/\d\.0\b/)
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

  it("has no serious accessibility violations (axe), light or dark, and no console errors on any page", async () => {
    const axe = readFileSync(join(repo, "node_modules/axe-core/axe.min.js"), "utf8")
    const pages = ["/", "/models/lab-alpha/", "/dataset/", "/compare/", "/reports/", "/contribute/", "/plugins/"]
    for (const colorScheme of ["light", "dark"] as const)
      for (const path of pages) {
        const page = await open(path, { colorScheme })
        await page.addScriptTag({ content: axe })
        const violations = await page.evaluate(async () =>
          (await (window as any).axe.run(document)).violations
            .filter((v: any) => v.impact === "serious" || v.impact === "critical")
            .map((v: any) => `${v.id}: ${v.nodes.length}`)
        )
        expect({ path, colorScheme, violations }).toEqual({ path, colorScheme, violations: [] })
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
