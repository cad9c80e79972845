import { describe, expect, it } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLoopbackRegistry } from "./support/registry.ts"
import { reviewAppUrl } from "./support/review.ts"

/**
 * A new user's first hour, as real processes: a temporary HOME, npm's global folder in it, a shell PATH
 * without this checkout's Node 22 and tools (these machines' own Node is older), the README's step that
 * puts `videokr` on the PATH, then the commands `videokr init` prints, typed in the user's own folder.
 */
const repo = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "")
const home = mkdtempSync(join(tmpdir(), "videokr-new-user-"))
const prefix = join(home, ".npm-global")
const work = join(home, "work")
mkdirSync(work)

// the user's environment: none of the variables that `npm test` and the set-up put around this test
const userEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k, v]) => v !== undefined && !/^(npm_|INIT_CWD$|NODE_OPTIONS$|VIDEOKR_|VITEST|NX_|FORCE_COLOR$)/.test(k)
  )
) as Record<string, string>
const env = {
  ...userEnv,
  HOME: home,
  NO_COLOR: "1",
  npm_config_prefix: prefix,
  PATH: [
    join(prefix, "bin"),
    ...(process.env.PATH ?? "").split(":").filter((d) => d !== "" && !resolve(d).startsWith(repo))
  ].join(":")
}

/** A line typed into the user's shell in `cwd`. */
const sh = (cwd: string, line: string, shellEnv: Record<string, string> = env) => {
  const r = spawnSync("sh", ["-c", line], { cwd, env: shellEnv, encoding: "utf8" })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `$ ${line}\n${r.stdout}${r.stderr}` }
}

/** The same, without blocking this process (which serves the loopback registry that the line talks to). */
const shAsync = (cwd: string, line: string, shellEnv: Record<string, string> = env) =>
  new Promise<{ code: number | null; stdout: string; stderr: string; all: string }>((done) => {
    const child = spawn("sh", ["-c", line], { cwd, env: shellEnv })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("close", (code) => done({ code, stdout, stderr, all: `$ ${line}\n${stdout}${stderr}` }))
  })

/** The README's lines inside its ```sh blocks and its prose, as written. */
const readme = readFileSync(join(repo, "README.md"), "utf8")

describe("a new user, following the README in their own folder (real processes)", () => {
  it("links the command, makes a project with init, and runs what init says: import, run, funnel, why, export, release", () => {
    const link = "npm link -w @videokr/cli"
    expect(readme).toContain(link)
    const linked = sh(repo, link)
    expect(linked.code, linked.all).toBe(0)
    expect(existsSync(join(prefix, "bin", "videokr"))).toBe(true)

    // the command found on the PATH, from any folder, under Node 22 even when the shell's Node is older
    const version = sh(work, "videokr --version")
    expect(version.code, version.all).toBe(0)
    expect(version.stdout).toContain("videokr v")
    const local = sh(work, `${join(repo, "node_modules/.bin/videokr")} --version`) // the checkout's own bin works the same
    expect(local.code, local.all).toBe(0)
    const npx = sh(repo, "npx videokr --version") // and npx in the checkout
    expect(npx.code, npx.all).toBe(0)
    // the command runs Node as bin/node-flags.json says (the heap's growth, malloc arenas)
    const doctor = sh(work, "videokr doctor")
    const runtime = JSON.parse(readFileSync(join(repo, "packages/cli/bin/node-flags.json"), "utf8"))
    const runsWith = [...runtime.flags, ...Object.entries(runtime.env).map(([k, v]) => `${k}=${v}`)].join(" ")
    expect(doctor.stdout, doctor.all).toMatch(/node\s+ok\s+v22\./)
    expect(doctor.stdout, doctor.all).toContain(`(${runsWith})`)

    const init = sh(work, "videokr init my-corpus")
    expect(init.code, init.all).toBe(0)
    const next = init.stdout
      .slice(init.stdout.indexOf("Next:"))
      .split("\n")
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean)
    expect(next).toEqual([
      "cd my-corpus",
      "videokr import data/knowledge-bank.csv data/seeds.jsonl data/videos.jsonl data/examples.jsonl",
      "videokr run",
      "videokr funnel"
    ])
    let cwd = work
    for (const line of next) {
      if (line.startsWith("cd ")) {
        cwd = join(cwd, line.slice(3))
        continue
      }
      const r = sh(cwd, line)
      expect(r.code, r.all).toBe(0)
      if (line === "videokr funnel") expect(r.stdout).toMatch(/metadata\s+video@knowledge point\s+\d+/)
    }

    // the funnel lists the items behind a number; why takes one of them
    const listed = sh(cwd, "videokr funnel --stage safety --decision drop --limit 3")
    expect(listed.code, listed.all).toBe(0)
    const id = listed.stdout.split("\n")[2]!.split(/\s+/)[0]!
    expect(id).toMatch(/^local:.+@kp-/)
    const why = sh(cwd, `videokr why ${id}`)
    expect(why.code, why.all).toBe(0)
    expect(why.stdout).toMatch(/safety\s+drop/)

    const exported = sh(cwd, "videokr export --format all")
    expect(exported.code, exported.all).toBe(0)
    expect(exported.stdout).toMatch(/verl\s+exports\/verl\/train\.parquet\s+[1-9]/)
    // `npm run videokr -- <command>` typed in a folder of the checkout works on that folder, with its paths
    mkdirSync(join(repo, "tmp"), { recursive: true }) // (ignored by git)
    const inside = mkdtempSync(join(repo, "tmp", "new-user-"))
    try {
      expect(sh(inside, "videokr init p --template minimal").code).toBe(0)
      const viaNpm = sh(join(inside, "p"), "npm run videokr -- import ../../../fixtures/sample/seeds.jsonl")
      expect(viaNpm.code, viaNpm.all).toBe(0)
      expect(viaNpm.stdout).toContain(`${join(repo, "fixtures/sample/seeds.jsonl")}: 36 seeds record(s) imported`)
    } finally {
      rmSync(inside, { recursive: true, force: true })
    }

    // then every other line of the README's tour, as written (but the templates: <placeholders>, a | b)
    const tour = readme.slice(readme.indexOf("videokr init my-corpus"))
    const lines = tour
      .slice(0, tour.indexOf("```"))
      .split("\n")
      .map((l) => l.replace(/\s{2,}#.*$/, "").trim())
      .filter(Boolean)
    expect(lines).toEqual(
      expect.arrayContaining([
        ...next,
        "videokr funnel --stage safety --decision drop",
        "videokr export --format all",
        "videokr release"
      ])
    )
    writeFileSync(
      join(cwd, "pairs.jsonl"),
      JSON.stringify({ prediction: "the pendulum swings", reference: "a pendulum swinging" }) + "\n"
    ) // the user's file
    for (const line of lines.filter(
      (l) => !l.includes("<") && !l.includes("|") && !["videokr init my-corpus", ...next].includes(l)
    )) {
      const r = sh(cwd, line)
      expect(r.code, r.all).toBe(0)
    }
    expect(existsSync(join(cwd, "site", "index.html"))).toBe(true)

    const release = sh(cwd, "videokr release")
    expect(release.code, release.all).toBe(0)
    expect(
      readFileSync(join(cwd, "release/data/sft.jsonl"), "utf8").split("\n").filter(Boolean).length
    ).toBeGreaterThan(0)
    expect(readFileSync(join(cwd, "release/data/rl.jsonl"), "utf8").split("\n").filter(Boolean).length).toBeGreaterThan(
      0
    )
  })

  it("npm pack of the packages installs with npm install -g into an empty prefix, and the installed command makes a project and runs it", async () => {
    // the packages as published: compiled (the README's build), packed by npm
    const build = sh(repo, "npm run build")
    expect(build.code, build.all).toBe(0)
    const packs = join(home, "packs")
    mkdirSync(packs)
    const workspaces = ["core", "providers", "filters", "eval", "queue", "train", "cli"]
    const packed = sh(
      repo,
      `npm pack ${workspaces.map((w) => `-w @videokr/${w}`).join(" ")} --pack-destination ${packs}`
    )
    expect(packed.code, packed.all).toBe(0)
    const tarballs = readdirSync(packs)
      .filter((f) => f.endsWith(".tgz"))
      .map((f) => join(packs, f))
    expect(tarballs).toHaveLength(workspaces.length)
    // their dependencies from a registry on loopback, which serves what `npm ci` put into npm's cache
    const registry = await startLoopbackRegistry({
      lockfile: join(repo, "package-lock.json"),
      tarballs: workspaces.map((w) => ({
        file: tarballs.find((t) => t.includes(`videokr-${w}-`))!,
        manifest: JSON.parse(readFileSync(join(repo, "packages", w, "package.json"), "utf8"))
      }))
    })
    try {
      const global = join(home, "global")
      const install = await shAsync(
        work,
        `npm install -g --prefix ${global} --registry ${registry.url} --cache ${join(home, "npm-cache")} --no-audit --no-fund ${tarballs.join(" ")}`
      )
      expect(install.code, `${install.all}\nnot in the registry: ${[...registry.missing].join(", ")}`).toBe(0)
      const installed = join(global, "lib", "node_modules", "@videokr", "cli")
      expect(lstatSync(installed).isSymbolicLink()).toBe(false) // a copy, not a link to this checkout
      // a published package runs under the user's Node, which must be 22.19 or newer: here, the set-up's
      const node22 = { ...env, PATH: [join(global, "bin"), dirname(process.execPath), env.PATH].join(":") }
      const version = sh(work, "videokr --version", node22)
      expect(version.code, version.all).toBe(0)
      const init = sh(work, "videokr init installed-corpus", node22)
      expect(init.code, init.all).toBe(0)
      const dir = join(work, "installed-corpus")
      for (const line of [
        "videokr import data/knowledge-bank.csv data/seeds.jsonl data/videos.jsonl data/examples.jsonl",
        "videokr run --until safety --limit 4 --quiet",
        "videokr funnel"
      ]) {
        const r = sh(dir, line, node22)
        expect(r.code, r.all).toBe(0)
      }
      const funnel = sh(dir, "videokr funnel", node22).stdout
      expect(funnel).toMatch(/sources\s+files\s+[1-9]/) // the clips init made, probed with ffprobe
      expect(funnel).toMatch(/metadata\s+video@knowledge point\s+[1-9]/) // and judged by the scripted model
      // the review app comes built in the package: `videokr review` serves it, building nothing
      expect(existsSync(join(installed, "review-app", "index.html"))).toBe(true)
      const review = spawn("sh", ["-c", "exec videokr review --port 0"], { cwd: dir, env: node22 })
      try {
        const url = await reviewAppUrl(review)
        const page = await fetch(url)
        expect(page.status).toBe(200)
        expect(await page.text()).toContain("<title>videokr review</title>")
      } finally {
        review.kill("SIGINT")
      }
    } finally {
      await registry.close()
    }
  })
})
