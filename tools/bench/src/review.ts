/**
 * The review app benchmark (issue 15: "reviewing the next item takes under 100 ms after the video is
 * cached").
 *
 * The sample project after a scripted run, 40 generated examples in the review queue, `videokr review`
 * as a process and the app in Debian's chromium. The reviewer walks the queue: each step is a key press
 * ("j", next), made once the app has no request in flight (a reviewer looks at an item before moving on,
 * and the app fetches the next ones meanwhile: the "after the video is cached"), and ends when the
 * app marks the next item as shown (performance.mark "videokr:item-shown:<id>", set once its content is on
 * screen); both times are the page's own clock. The baseline, measured in the
 * same run on the same items, is what one move would cost without the app's prefetch: a request of the
 * item from the API. Printed: the median and the 95th percentile of both, and the ratio.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { reviewAppUrl } from "../../../packages/cli/test/support/review.ts"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const node = [
  "--conditions=@videokr/source",
  "--disable-warning=ExperimentalWarning",
  join(repo, "packages/cli/src/bin.ts")
]
const moves = Number(process.argv.find((a) => a.startsWith("--moves="))?.slice(8) ?? 39)

const videokr = (cwd: string, ...args: Array<string>) => {
  const r = spawnSync(process.execPath, [...node, ...args], { cwd, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`videokr ${args.join(" ")}: ${r.stderr}`)
}

const serve = async (cwd: string) => {
  const child = spawn(process.execPath, [...node, "review", "--port", "0"], { cwd })
  return { child, url: await reviewAppUrl(child) }
}

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

const root = mkdtempSync(join(tmpdir(), "videokr-bench-review-"))
videokr(root, "init", "p")
const p = join(root, "p")
videokr(p, "import", "data/knowledge-bank.csv", "data/seeds.jsonl")
videokr(p, "run", "--until", "generation", "--quiet")
videokr(p, "review", "sample", "--step", "generation", "--n", "20")
const { child, url } = await serve(p)
const browser = await chromium.launch({
  executablePath: process.env["VIDEOKR_CHROMIUM"] || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run"
  ]
})
try {
  const page = await browser.newPage()
  await page.goto(`${url}?reviewer=bench`)
  await page.getByRole("heading", { level: 2, name: /^Item 1 of / }).waitFor()
  // the time of each key press, on the page's clock; and the requests in flight (the app's prefetch)
  await page.evaluate(() => {
    const w = globalThis as unknown as {
      __keys: Array<number>
      __inflight: number
      fetch: typeof fetch
      addEventListener: (t: string, f: () => void, c: boolean) => void
    }
    w.__keys = []
    w.__inflight = 0
    const original = w.fetch.bind(w)
    w.fetch = (async (...args: Parameters<typeof fetch>) => {
      w.__inflight++
      try {
        return await original(...args)
      } finally {
        w.__inflight--
      }
    }) as typeof fetch
    w.addEventListener("keydown", () => w.__keys.push(performance.now()), true)
  })
  const items: Array<string> = []
  const next: Array<number> = []
  for (let i = 0; i < moves; i++) {
    // a reviewer looks at the item before moving on: by then the app has fetched what comes next
    await page.waitForFunction(() => (globalThis as unknown as { __inflight: number }).__inflight === 0)
    await page.keyboard.press("j")
    await page.getByRole("heading", { level: 2, name: `Item ${i + 2} of ${moves + 1}` }).waitFor()
    const shown = await page.evaluate(() => {
      const marks = performance.getEntriesByType("mark").filter((m) => m.name.startsWith("videokr:item-shown:"))
      const last = marks.at(-1)!
      return {
        id: last.name.slice("videokr:item-shown:".length),
        at: last.startTime,
        key: (globalThis as unknown as { __keys: Array<number> }).__keys.at(-1)!
      }
    })
    items.push(shown.id)
    next.push(shown.at - shown.key)
  }
  // the baseline: the same items asked of the API, one request each, from the page
  const fetched = await page.evaluate(async (ids) => {
    const out: Array<number> = []
    for (const id of ids) {
      const started = performance.now()
      await (await fetch(`/api/item?step=generation&item=${encodeURIComponent(id)}`)).json()
      out.push(performance.now() - started)
    }
    return out
  }, items)
  const [p50, p95, b50, b95] = [
    quantile(next, 0.5),
    quantile(next, 0.95),
    quantile(fetched, 0.5),
    quantile(fetched, 0.95)
  ]
  console.log("review: the next item in the review app (key press to the item on screen, page clock)")
  console.log(
    `  baseline: one request of the item from the API: median ${b50.toFixed(1)} ms, p95 ${b95.toFixed(1)} ms (${fetched.length} items)`
  )
  console.log(
    `  next item: median ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${next.length} moves = ${(p50 / b50).toFixed(2)}x the baseline's median (target < 100 ms: ${p95 < 100 ? "met" : "NOT met"})`
  )
} finally {
  await browser.close()
  child.kill("SIGINT")
}
