#!/usr/bin/env node
// The `videokr` command, wherever it is installed from (npm link, npm install -g, node_modules/.bin).
// It runs the compiled CLI (dist/) when it is built and up to date, else the TypeScript sources (src/,
// through Node's type stripping), and always under Node >= 22.19: when the Node running this file is
// older (these machines ship Node 20), it runs the CLI under $VIDEOKR_NODE, else the Node 22 that
// tools/setup put into the checkout's .tools/. Plain JavaScript that any Node can read, on purpose.
// The CLI always runs in a child Node with the flags and environment of node-flags.json (why: see there),
// which the pipeline benchmarks use too: a run of days is measured as it is run.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const pkg = dirname(dirname(fileURLToPath(import.meta.url)))
const checkout = existsSync(join(pkg, "../../tools/setup/setup.sh")) ? join(pkg, "../..") : undefined
const compiled = join(pkg, "dist/bin.js")
const sources = join(pkg, "src/bin.ts")

const nodeOk = (version) => {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number)
  return major > 22 || (major === 22 && minor >= 19)
}

const newest = (dir) => {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** In a checkout, dist/ counts only when every package's build is newer than its sources (no stale build after a pull). */
const compiledIsCurrent = () => {
  if (!existsSync(compiled)) return false
  if (checkout === undefined) return true
  const packages = join(checkout, "packages")
  return readdirSync(packages).every((name) => {
    const built = join(packages, name, "dist/index.js")
    const src = join(packages, name, "src")
    return !existsSync(src) || (existsSync(built) && statSync(built).mtimeMs >= newest(src))
  })
}

const node22 = () => {
  if (nodeOk(process.version)) return process.execPath
  const candidates = []
  if (process.env.VIDEOKR_NODE) candidates.push(process.env.VIDEOKR_NODE)
  const tools = checkout === undefined ? undefined : join(checkout, ".tools")
  if (tools !== undefined && existsSync(tools)) {
    for (const dir of readdirSync(tools)
      .filter((d) => d.startsWith("node-v"))
      .sort()
      .reverse()) {
      const platforms = join(tools, dir, "node_modules")
      if (!existsSync(platforms)) continue
      for (const p of readdirSync(platforms).filter((d) => d.startsWith("node-")))
        candidates.push(join(platforms, p, "bin/node"))
    }
  }
  return candidates.find((c) => existsSync(c))
}

// `npm run videokr -- <args>` starts in the checkout; the user's paths are relative to where they typed it
if (process.env.npm_lifecycle_event === "videokr" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)

const useCompiled = compiledIsCurrent()
const node = node22()
if (node === undefined) {
  process.stderr.write(
    `error: videokr needs Node >= 22.19; this is Node ${process.version}.\n` +
      (checkout === undefined
        ? "Install Node 22 (https://nodejs.org), or point VIDEOKR_NODE at a Node 22 executable.\n"
        : `Run \`npm run setup\` in ${checkout} (it puts Node 22 into .tools/), or point VIDEOKR_NODE at a Node 22 executable.\n`)
  )
  process.exit(1)
}

const runtime = JSON.parse(readFileSync(join(pkg, "bin/node-flags.json"), "utf8"))
const flags = [
  ...runtime.flags,
  ...(useCompiled ? [] : ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning"])
]
const child = spawn(node, [...flags, useCompiled ? compiled : sources, ...process.argv.slice(2)], {
  stdio: "inherit",
  // the user's own settings win
  env: { ...runtime.env, ...process.env }
})
// the child shares the terminal, so Ctrl-C reaches it directly (forwarding it too would interrupt the
// child's clean-up); signals sent to this process alone are passed on
process.on("SIGINT", () => {})
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code, signal) => {
  if (signal !== null) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  } else process.exit(code ?? 1)
})
