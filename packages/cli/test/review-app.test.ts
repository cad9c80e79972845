import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { request } from "node:http"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { type Browser, chromium, type Page } from "playwright-core"
import { query, videokr } from "./support/pipeline.ts"
import { videokrNodeArgs } from "./support/cli.ts"
import { reviewAppUrl } from "./support/review.ts"

/**
 * The review app in a real browser (Debian's chromium through playwright-core), served by `videokr review`
 * on the sample project after a scripted run: reviewing with the keyboard, the frame strip seeking the
 * video, undo, two reviewers marking at the same moment, and axe.
 */
const repo = fileURLToPath(new URL("../../../", import.meta.url))
const chromiumPath = process.env["VIDEOKR_CHROMIUM"] || "/usr/bin/chromium"

let dir: string
let server: ChildProcess | undefined
let url: string
let browser: Browser
const errors: Array<string> = []
/** the video the seed example written in the app is on */
let seedVideo = ""

/** `videokr review --port 0`, resolved with the URL it prints once it listens. */
const startReview = async (cwd: string, ...args: Array<string>) => {
  const child = spawn(process.execPath, [...videokrNodeArgs, "review", "--port", "0", ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" }
  })
  return { child, url: await reviewAppUrl(child) }
}

const stopReview = () =>
  new Promise<void>((resolve) => {
    if (server === undefined || server.exitCode !== null || server.signalCode !== null) return resolve()
    server.on("close", () => resolve())
    server.kill("SIGINT")
  })

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "videokr-review-app-"))
  for (const args of [["init", "p"]]) expect(videokr(root, ...args).code).toBe(0)
  dir = join(root, "p")
  for (const args of [
    ["import", "data/knowledge-bank.csv", "data/seeds.jsonl"],
    ["run", "--until", "generation", "--quiet"],
    ["review", "sample", "--step", "generation", "--n", "4"]
  ]) {
    const r = videokr(dir, ...args)
    expect(r.code, r.stderr).toBe(0)
  }
  ;({ child: server, url } = await startReview(dir))
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run"
    ]
  })
})

afterAll(async () => {
  await browser?.close()
  await stopReview()
})

const open = async (reviewer?: string, before?: (page: Page) => Promise<unknown>): Promise<Page> => {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()}`))
  page.on("pageerror", (e) => errors.push(e.message))
  await before?.(page)
  await page.goto(url)
  if (reviewer !== undefined) {
    await page.getByLabel("Your name").fill(reviewer)
    await page.getByRole("button", { name: "Start reviewing" }).click()
  }
  return page
}

const status = (page: Page) => page.getByRole("status").filter({ hasText: "reviewed by you" })

describe("videokr review: the review app", () => {
  it("reviews with the keyboard, seeks the video from the frame strip, undoes, and stores every mark", async () => {
    const page = await open("ana")
    await expect.poll(() => status(page).textContent()).toBe("0 of 8 reviewed by you")
    await expect.poll(() => page.getByRole("heading", { level: 2 }).textContent()).toBe("Item 1 of 8")

    // the strip shows the frames the model saw; a frame seeks the player to its time
    const frames = page.getByRole("list", { name: "Frames the model saw" }).getByRole("button")
    await expect.poll(() => frames.count()).toBe(4)
    const video = page.locator("video")
    await video.evaluate(
      (v: any) =>
        new Promise((r) =>
          v.readyState >= 1 ? r(null) : v.addEventListener("loadedmetadata", () => r(null), { once: true })
        )
    )
    await frames.nth(2).click()
    await expect.poll(() => frames.nth(2).getAttribute("aria-pressed")).toBe("true")
    await expect.poll(() => video.evaluate((v: any) => v.currentTime)).toBe(2.5) // frame 3 of 4 of a 4-second clip: the middle of its quarter
    expect(await page.getByRole("button", { name: "Frame 3 at 0:02" }).count()).toBe(1)

    // c marks correct and moves on; x then a digit marks incorrect with the step's category; u takes the last back
    await page.keyboard.press("c")
    await expect.poll(() => status(page).textContent()).toBe("1 of 8 reviewed by you")
    await expect.poll(() => page.getByRole("heading", { level: 2 }).textContent()).toBe("Item 2 of 8")
    await page.keyboard.press("x")
    await expect.poll(() => page.getByRole("group", { name: "Reason" }).isVisible()).toBe(true)
    await page.keyboard.press("1")
    await expect.poll(() => status(page).textContent()).toBe("2 of 8 reviewed by you")
    await page.keyboard.press("u")
    await expect.poll(() => status(page).textContent()).toBe("1 of 8 reviewed by you")
    await expect.poll(() => page.getByRole("heading", { level: 2 }).textContent()).toBe("Item 2 of 8")
    // a note, then incorrect for the second reason: "ambiguous question"
    await page.keyboard.press("n")
    await page.keyboard.type("two options fit the clip")
    await page.keyboard.press("Escape")
    await page.keyboard.press("x")
    await page.keyboard.press("2")
    await expect.poll(() => status(page).textContent()).toBe("2 of 8 reviewed by you")
    // the guidelines are one key away
    await page.keyboard.press("g")
    await expect
      .poll(() => page.getByRole("region", { name: "Guidelines" }).textContent())
      .toContain("The question needs the video")
    await page.keyboard.press("Escape")
    // a reload resumes at the first item this reviewer has not marked
    await page.reload()
    await expect.poll(() => status(page).textContent()).toBe("2 of 8 reviewed by you")
    await expect.poll(() => page.getByRole("heading", { level: 2 }).textContent()).toBe("Item 3 of 8")
    await page.context().close()
  })

  it("two reviewers marking at the same moment lose nothing", async () => {
    const [a, b] = await Promise.all([open("cy"), open("dee")])
    for (const page of [a, b]) await expect.poll(() => status(page).textContent()).toBe("0 of 8 reviewed by you")
    for (let i = 1; i <= 8; i++) {
      // both press at once, each waiting for the page to move on before the next item
      await Promise.all(
        [a, b].map(async (page, k) => {
          await page.keyboard.press(k === 0 || i % 2 === 0 ? "c" : "x")
          if (k === 1 && i % 2 === 1) await page.keyboard.press("1")
          await expect.poll(() => status(page).textContent()).toBe(`${i} of 8 reviewed by you`)
        })
      )
    }
    for (const page of [a, b]) await page.context().close()
  })

  it("while it serves, other commands that open the corpus say that videokr review holds it", () => {
    const r = videokr(dir, "stats")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /videokr review \(pid \d+, serving http:\/\/127\.0\.0\.1:\d+\/ since .*\) holds the corpus; .*stop it \(Ctrl-C; every mark is saved already\)/
    )
  })

  it("keeps serving when clients drop their requests half-way (a video seek, a skipped item)", async () => {
    const { port } = new URL(url)
    const paths = [
      "/media/local%3Apendulum-swing.mp4",
      "/api/agreement",
      "/api/queue?step=generation&reviewer=zed",
      "/api/seeds/coverage"
    ]
    for (let i = 0; i < 200; i++) {
      await new Promise<void>((done) => {
        const req = request(
          { host: "127.0.0.1", port, path: paths[i % paths.length], headers: { range: "bytes=10-" } },
          (res) => res.once("data", () => (req.destroy(), done())).on("end", done)
        )
        req.on("error", () => done())
        req.end(() => i % 2 === 0 && (req.destroy(), done()))
      })
    }
    expect((await fetch(`${url}api/session`)).status).toBe(200)
  })

  it("shows the reviewers' agreement and lets an adjudicator settle an even split", async () => {
    // ana, cy and dee marked items 1-2 (a majority each); cy and dee alone split items 3, 5 and 7.
    // The reviewer's queue is held back until the Agreement link is followed: the view chosen first wins
    // over the Review view's place, which is written when the queue arrives (as on a slow machine)
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    const page = await open("gil", (p) =>
      p.route("**/api/queue**", async (route) => (await held, await route.continue()))
    )
    const nav = page.getByRole("navigation", { name: "Views" })
    await nav.getByRole("link", { name: "Agreement" }).click()
    release()
    const row = page
      .getByRole("table", { name: "Agreement between reviewers" })
      .getByRole("row")
      .filter({ hasText: "generation" })
    // (should it not come, say what the page shows instead)
    await expect
      .poll(() =>
        row
          .textContent({ timeout: 5_000 })
          .catch(async () => `not yet: ${page.url()} shows ${await page.locator("main").textContent()}`)
      )
      .toMatch(/^generation8/)
    const adjudicate = page.getByRole("link", { name: /^Adjudicate / })
    await expect.poll(() => adjudicate.count()).toBe(3)
    const item = (await adjudicate.first().locator("code").textContent())!
    await adjudicate.first().click()
    await expect.poll(() => page.locator("main h2 + code, main code").first().textContent()).toBe(item)
    await page.keyboard.press("x")
    await page.keyboard.press("1")
    await expect.poll(() => status(page).textContent()).toBe("1 of 8 reviewed by you")
    await nav.getByRole("link", { name: "Agreement" }).click()
    await expect.poll(() => adjudicate.count()).toBe(2)
    await page.context().close()
  })

  it("has no serious or critical accessibility violations (axe) and no console errors", async () => {
    const page = await open("eve")
    await expect.poll(() => page.getByRole("heading", { level: 2 }).textContent()).toBe("Item 1 of 8")
    await page.addScriptTag({ content: readFileSync(join(repo, "node_modules/axe-core/axe.min.js"), "utf8") })
    const violations = await page.evaluate(async () =>
      (await (globalThis as any).axe.run((globalThis as any).document)).violations
        .filter((v: any) => v.impact === "serious" || v.impact === "critical")
        .map((v: any) => `${v.id}: ${v.nodes.length}`)
    )
    expect(violations).toEqual([])
    await page.context().close()
    expect(errors.join("\n")).toBe("")
  })

  it("writes a seed example on a chosen video, and the coverage counts it", async () => {
    const page = await open("fay")
    await expect.poll(() => status(page).textContent()).toBe("0 of 8 reviewed by you")
    const nav = page.getByRole("navigation", { name: "Views" })
    await nav.getByRole("link", { name: "Seeds" }).click()
    await expect.poll(() => nav.getByRole("link", { name: "Seeds" }).getAttribute("aria-current")).toBe("page")
    const cell = page
      .getByRole("table", { name: "Seed examples per discipline and skill (target 150 each)" })
      .getByRole("button", { name: /^Natural Sciences, VIDR: / })
    const count = async () => Number(/(\d+) \/ 150$/.exec((await cell.textContent()) ?? "")?.[1] ?? NaN)
    await expect.poll(count).toBeGreaterThanOrEqual(0)
    const before = await count()

    await page.getByRole("button", { name: "New seed example" }).click()
    const form = page.getByRole("form", { name: "Seed example" })
    await form.getByLabel("Discipline").selectOption("Natural Sciences")
    await form.getByLabel("Skill").selectOption("VIDR")
    await form.getByLabel("Problem type").selectOption("multiple choice")
    // the first video on this machine, previewed in the form
    const video = form.getByLabel("Video", { exact: true })
    await expect.poll(() => video.locator("option").count()).toBeGreaterThan(1)
    seedVideo = (await video.locator("option").nth(1).getAttribute("value"))!
    await video.selectOption(seedVideo)
    await expect
      .poll(() => page.getByLabel("Seed video").getAttribute("src"))
      .toBe(`/media/${encodeURIComponent(seedVideo)}`)
    await form
      .getByLabel("Question")
      .fill("What happens to the period of the pendulum when it swings with a smaller amplitude?")
    await form
      .getByLabel("Options (one per line: A. text)")
      .fill("A. It speeds up\nB. It keeps the same period\nC. It stops")
    await form.getByLabel("Answer").fill("B")

    // no rationale: the server's problem with the field, beside the field; what was typed stays
    await form.getByRole("button", { name: "Save seed example" }).click()
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("rationale")
    const rationale = form.getByLabel("Rationale")
    await expect.poll(() => rationale.getAttribute("aria-invalid")).toBe("true")
    expect(
      await rationale.evaluate(
        (el: any) => (globalThis as any).document.getElementById(el.getAttribute("aria-describedby")).textContent
      )
    ).toMatch(/missing/)
    expect(await form.getByLabel("Answer").inputValue()).toBe("B")
    expect(await count()).toBe(before)

    await rationale.fill(
      "For small swings the period depends only on the length of the string and on gravity, not on the amplitude."
    )
    await form.getByRole("button", { name: "Save seed example" }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).textContent()).toMatch(/^Saved \S+$/)
    await expect.poll(() => form.count()).toBe(0)
    await expect.poll(count).toBe(before + 1)
    await expect
      .poll(() =>
        page.getByRole("table", { name: "Natural Sciences, VIDR" }).getByRole("row").filter({ hasText: "fay" }).count()
      )
      .toBe(1)
    await page.context().close()
    // the browser's own report of the refused save (400) is the only console error
    expect(errors.filter((e) => !/status of 400/.test(e)).join("\n")).toBe("")
  })

  it("has kept every mark in the store once the server stops", async () => {
    await stopReview()
    expect(existsSync(join(dir, ".videokr", "review.json"))).toBe(false)
    const marks = await query(
      join(dir, "corpus.duckdb"),
      "SELECT reviewer, correct, category, note FROM review_marks ORDER BY reviewer, marked_at"
    )
    const of = (r: string) => marks.filter((m) => m.reviewer === r)
    expect(of("ana").map((m) => [m.correct, m.category, m.note])).toEqual([
      [true, null, null],
      [false, "ambiguous question", "two options fit the clip"]
    ])
    expect(of("cy")).toHaveLength(8)
    expect(of("dee").map((m) => m.correct)).toEqual([false, true, false, true, false, true, false, true])
    expect(
      of("dee")
        .filter((m) => !m.correct)
        .every((m) => m.category === "wrong answer")
    ).toBe(true)
    const seeds = await query(
      join(dir, "corpus.duckdb"),
      "SELECT skill, discipline, question, options::VARCHAR AS options, answer, extra::VARCHAR AS extra, source_file FROM seed_examples WHERE source_file = 'review app'"
    )
    expect(seeds).toHaveLength(1)
    expect(seeds[0]).toMatchObject({
      skill: "VIDR",
      discipline: "Natural Sciences",
      answer: "B",
      source_file: "review app",
      question: "What happens to the period of the pendulum when it swings with a smaller amplitude?"
    })
    expect(JSON.parse(seeds[0]!.options)).toEqual(["A. It speeds up", "B. It keeps the same period", "C. It stops"])
    expect(JSON.parse(seeds[0]!.extra)).toEqual({ author: "fay", video_id: seedVideo })
  })
})

describe("videokr review beyond loopback, and the app's weight", () => {
  it("needs the printed access token from anyone else: the URL sets a cookie, a bearer header works too", async () => {
    await stopReview()
    ;({ child: server, url } = await startReview(dir, "--host", "0.0.0.0"))
    const printed = new URL(url)
    const token = printed.searchParams.get("token")!
    expect(token.length).toBeGreaterThanOrEqual(20)
    const base = `http://127.0.0.1:${printed.port}`
    const without = await fetch(`${base}/api/session`)
    expect(without.status).toBe(401)
    expect(((await without.json()) as { error: string }).error).toContain("needs its access token")
    expect((await fetch(`${base}/media/local%3Apendulum-swing.mp4`)).status).toBe(401)
    expect((await fetch(`${base}/api/session?token=not-${token}`)).status).toBe(401)
    const opened = await fetch(`${base}/?token=${token}`, { redirect: "manual" })
    expect(opened.status).toBe(303)
    expect(opened.headers.get("location")).toBe("/")
    const cookie = opened.headers.get("set-cookie")!
    expect(cookie).toMatch(/HttpOnly/)
    expect((await fetch(`${base}/api/session`, { headers: { cookie: cookie.split(";")[0]! } })).status).toBe(200)
    expect((await fetch(`${base}/api/session`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    await stopReview()
  })

  it("ships less than 150 KB of compressed JavaScript", () => {
    const assets = join(repo, "sites/review/dist/assets")
    const scripts = readdirSync(assets).filter((f) => f.endsWith(".js"))
    expect(scripts.length).toBeGreaterThan(0)
    const bytes = scripts.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).length, 0)
    expect(bytes).toBeGreaterThan(30_000) // React is in it: this is the real bundle
    expect(bytes).toBeLessThan(150 * 1024)
  })
})
