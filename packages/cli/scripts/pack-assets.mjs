// npm pack / publish of @videokr/cli: the sample project's data, VideoKR-Eval's sample annotations (the
// board template's stand-in benchmark) and the built review app go into the package (prepack), and out of
// the checkout again afterwards (postpack), so that an installed videokr needs no checkout and builds nothing.
import { spawnSync } from "node:child_process"
import { cpSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const cli = fileURLToPath(new URL("../", import.meta.url))
const repo = fileURLToPath(new URL("../../../", import.meta.url))
const assets = {
  sample: `${repo}fixtures/sample`,
  "benchmarks/videokr_eval": `${repo}fixtures/benchmarks/videokr_eval`,
  "review-app": `${repo}sites/review/dist`
}

if (process.argv[2] === "prepack") {
  const built = spawnSync(process.execPath, [`${repo}node_modules/vite/bin/vite.js`, "build", "--logLevel", "warn"], {
    cwd: `${repo}sites/review`,
    stdio: "inherit"
  })
  if (built.status !== 0) process.exit(built.status ?? 1)
  for (const [to, from] of Object.entries(assets)) cpSync(from, `${cli}${to}`, { recursive: true })
} else {
  for (const to of Object.keys(assets)) rmSync(`${cli}${to.split("/")[0]}`, { recursive: true, force: true })
}
