import { spawn } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect, Schema } from "effect"

/**
 * Where the review app's built files are. The published package ships them in review-app/ (built when it
 * is packed), so a user never builds anything; a checkout builds sites/review once, and again when its
 * sources are newer than the build (after a pull).
 */
export class ReviewAppError extends Schema.TaggedError<ReviewAppError>()("ReviewAppError", { reason: Schema.String }) {
  override get message() {
    return `the review app: ${this.reason}`
  }
}

const packaged = fileURLToPath(new URL("../review-app/", import.meta.url))
const checkoutSite = fileURLToPath(new URL("../../../sites/review/", import.meta.url))
const vite = fileURLToPath(new URL("../../../node_modules/vite/bin/vite.js", import.meta.url))

const newest = (path: string): number => {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), s.mtimeMs)
}

const isCurrent = (site: string) => {
  const built = join(site, "dist/index.html")
  if (!existsSync(built)) return false
  const inputs = ["src", "index.html", "vite.config.ts", "package.json"].map((f) => join(site, f)).filter(existsSync)
  return statSync(built).mtimeMs >= Math.max(...inputs.map(newest))
}

/** Builds the checkout's app with its Vite (output to the terminal's stderr only when it fails). */
const buildReviewApp = (site: string) =>
  Effect.callback<void, ReviewAppError>((resume) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: site,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    child.on("error", (e) =>
      resume(Effect.fail(new ReviewAppError({ reason: `could not start its build: ${e.message}` })))
    )
    child.on("close", (code) =>
      resume(
        code === 0
          ? Effect.void
          : Effect.fail(
              new ReviewAppError({
                reason: `its build failed (vite build in ${site}, exit ${code}):\n${output.trim()}`
              })
            )
      )
    )
  })

/** The folder of the app's index.html, built first when this is a checkout whose build is missing or stale. */
export const reviewAppDir: Effect.Effect<string, ReviewAppError> = Effect.gen(function* () {
  if (existsSync(join(packaged, "index.html"))) return packaged
  if (!existsSync(join(checkoutSite, "index.html")))
    return yield* new ReviewAppError({ reason: `not found in ${packaged} (a broken install: reinstall @videokr/cli)` })
  if (!isCurrent(checkoutSite)) {
    yield* Console.error("building the review app (once per change of its sources) ...")
    yield* buildReviewApp(checkoutSite)
  }
  return join(checkoutSite, "dist")
})
