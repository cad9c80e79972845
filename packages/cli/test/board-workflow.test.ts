import { writeSubmission as writeSubmissionFolder } from "@videokr/eval/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { validateWorkflow } from "@action-validator/core"
import { parse, stringify } from "yaml"
import { videokrNodeArgs } from "./support/cli.ts"

/**
 * The board template (`videokr init --template board`) and its GitHub Actions workflows: every workflow
 * file checked against SchemaStore's github-workflow schema (action-validator's WASM build), then the
 * board.yml jobs run here, step by step, as a GitHub runner runs them: against a fixture pull request
 * (a branch that adds a submission folder), a broken one, and a push to main. Every `run:` step is run
 * verbatim with bash (`bash --noprofile --norc -eo pipefail`, as the runner does) in a clone whose
 * origin/main is the base branch, with the runner's environment (GITHUB_* variables and files) and the
 * `${{ ... }}` expressions the workflow uses taken from a small context. `uses:` steps are mapped to what
 * they would do here (see `actions` below). No network: npm runs offline.
 */

const { FORCE_COLOR: _, ...parentEnv } = process.env
const root = mkdtempSync(join(tmpdir(), "videokr-board-"))
afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 3 }))

const run = (cwd: string, command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = parentEnv) => {
  const r = spawnSync(command, [...args], { cwd, env, encoding: "utf8" })
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    all: `$ ${command} ${args.join(" ")}\n${r.stdout}${r.stderr}`
  }
}
const git = (cwd: string, ...args: Array<string>) => {
  const r = run(cwd, "git", ["-c", "user.name=Board Test", "-c", "user.email=board@example.org", ...args])
  if (r.code !== 0) throw new Error(r.all)
  return r.stdout
}

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const docs = readFileSync(join(repo, "fixtures/benchmarks/videokr_eval/VideoKR_eval.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; solution: string })

/** A submission of VideoKR-Eval's sample documents, every answer right (as sites/leaderboard's tests make one). */
const writeSubmission = (dir: string, model: string, predictions?: ReadonlyArray<string>) =>
  writeSubmissionFolder(
    dir,
    { model },
    predictions ??
      docs.map((d) => ({
        task: "videokr_eval",
        id: d.id,
        output: `<think>t</think><answer>${String(d.solution).replace(/<\/?answer>/g, "")}</answer>`
      }))
  )

let board: string
let workflows: Record<string, string>

beforeAll(() => {
  const init = run(root, process.execPath, [...videokrNodeArgs, "init", "board", "--template", "board"], {
    ...parentEnv,
    NO_COLOR: "1"
  })
  expect(init.code, init.all).toBe(0)
  board = join(root, "board")
  const dir = join(board, ".github", "workflows")
  workflows = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]))
})

describe("videokr init --template board", () => {
  it("makes a repository ready to push: config with a pinned judge, stand-in annotations, submissions/, verdicts/, a pinned CLI", () => {
    const config = readFileSync(join(board, "videokr.config.ts"), "utf8")
    expect(config).toMatch(/judge: "openai:gpt-4o-\d{4}-\d{2}-\d{2}"/)
    expect(config).toContain('data: { videokr_eval: "data/videokr_eval" }')
    expect(readFileSync(join(board, "data/videokr_eval/VideoKR_eval.jsonl"), "utf8")).toBe(
      readFileSync(join(repo, "fixtures/benchmarks/videokr_eval/VideoKR_eval.jsonl"), "utf8")
    )
    expect(readFileSync(join(board, "data/README.md"), "utf8")).toContain("stand-in")
    expect(readFileSync(join(board, "submissions/README.md"), "utf8")).toContain("pull request")
    expect(existsSync(join(board, "verdicts/README.md"))).toBe(true)
    expect(readFileSync(join(board, ".gitignore"), "utf8")).toContain("node_modules/")
    const pkg = JSON.parse(readFileSync(join(board, "package.json"), "utf8"))
    const cli = JSON.parse(readFileSync(join(repo, "packages/cli/package.json"), "utf8"))
    expect(pkg.devDependencies).toEqual({ "@videokr/cli": cli.version }) // an exact version, the one that made it
    expect(Object.keys(workflows).sort()).toEqual(["board.yml", "judge.yml"])
  })
})

describe("the board's workflows", () => {
  it("are valid GitHub workflows (SchemaStore's github-workflow schema), and the check can fail", () => {
    for (const [file, text] of Object.entries(workflows))
      expect(validateWorkflow(text).errors, `${file} does not match the workflow schema`).toEqual([])
    // the check itself rejects what GitHub would: a misspelt key, a permission that does not exist
    const misspelt = parse(workflows["board.yml"]!)
    misspelt.jobs.check.step = misspelt.jobs.check.steps
    delete misspelt.jobs.check.steps
    expect(validateWorkflow(stringify(misspelt)).errors).not.toEqual([])
    const permission = parse(workflows["board.yml"]!)
    permission.jobs.deploy.permissions.pages = "sometimes"
    expect(validateWorkflow(stringify(permission)).errors).not.toEqual([])
    expect(validateWorkflow("on: push\njobs: [").errors).not.toEqual([])
  })

  it("pin every action to a major version at least, and ask for the permissions they need only", () => {
    for (const [file, text] of Object.entries(workflows)) {
      const wf = parse(text)
      expect(wf.permissions, file).toEqual({ contents: "read" })
      for (const job of Object.values<any>(wf.jobs))
        for (const step of job.steps)
          if (step.uses !== undefined) expect(step.uses, file).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/)
    }
    const wf = parse(workflows["board.yml"]!)
    expect(wf.on.pull_request.paths).toEqual(["submissions/**"])
    expect(wf.jobs.check.permissions).toEqual({ contents: "read", "pull-requests": "write" })
    expect(wf.jobs.deploy.permissions).toEqual({ contents: "read", pages: "write", "id-token": "write" })
    expect(wf.jobs.deploy.concurrency.group).toBe("pages")
    const judge = parse(workflows["judge.yml"]!)
    expect(Object.keys(judge.on).sort()).toEqual(["schedule", "workflow_dispatch"])
    expect(judge.jobs.judge.steps.map((s: any) => s.run ?? s.uses)).toContain("npx --no videokr site judge")
  })
})

/* ------------------------------------------------------------------------------------------------------
 * A GitHub runner, as far as board.yml needs one.
 */

type Context = Readonly<Record<string, string>>

/** A `${{ ... }}` operand: a 'string' literal or a context path (an unknown path fails the test: the workflow changed). */
const operand = (term: string, ctx: Context) => {
  const t = term.trim()
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replaceAll("''", "'")
  if (!(t in ctx)) throw new Error(`the test's context has no ${t}: add it to the context of the job`)
  return ctx[t]!
}
const substitute = (text: string, ctx: Context) => text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => operand(e, ctx))

/**
 * An `if:` as GitHub reads it: `a && b` of status functions and `x == y` comparisons (what the workflow
 * uses; anything else fails the test). Without a status function, success() is implied.
 */
const condition = (expr: string | undefined, ctx: Context, failed: boolean) => {
  if (expr === undefined) return !failed
  const body = expr.trim().replace(/^\$\{\{(.*)\}\}$/s, "$1")
  const terms = body.split("&&").map((t) => t.trim())
  const status = terms.some((t) => /^!?(success|failure|cancelled|always)\(\)$/.test(t))
  const value = terms.every((t) => {
    if (t === "!cancelled()" || t === "always()") return true
    if (t === "success()") return !failed
    if (t === "failure()") return failed
    const eq = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(t)
    if (eq === null) throw new Error(`the test's runner does not read the condition ${t}`)
    return (operand(eq[1]!, ctx) === operand(eq[3]!, ctx)) === (eq[2] === "==")
  })
  return status ? value : value && !failed
}

interface StepRun {
  readonly name: string
  readonly outcome: "success" | "failure" | "skipped"
  readonly output: string
}

interface JobRun {
  readonly ran: boolean
  readonly steps: ReadonlyArray<StepRun>
  readonly summary: string
  /** what the `uses:` steps were given: action name -> its `with:` */
  readonly actions: Record<string, Record<string, string>>
}

/**
 * The install step (`npm ci` of the pinned @videokr/cli) needs the registry, and that version is this
 * checkout's, not yet published: in its place, node_modules/.bin/videokr runs this checkout's CLI (the
 * build the CLI's tests run), which is what `npx --no videokr` then finds, as it would find the installed one.
 */
const installThisCheckout = (workspace: string) => {
  const bin = join(workspace, "node_modules", ".bin")
  mkdirSync(bin, { recursive: true })
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`
  writeFileSync(
    join(bin, "videokr"),
    `#!/bin/sh\nexec ${[process.execPath, ...videokrNodeArgs].map(quote).join(" ")} "$@"\n`
  )
  chmodSync(join(bin, "videokr"), 0o755)
}

/** What each action would do, done or checked here. */
const actions: Record<string, (w: Record<string, string>, workspace: string) => void> = {
  // the workspace is a clone whose HEAD is the commit to build (and, for a pull request, origin/<base> is there)
  "actions/checkout": () => undefined,
  // the Node in PATH is the set-up's Node 22
  "actions/setup-node": (w) => {
    expect(w["node-version"]).toBe("22")
    expect(process.versions.node.split(".")[0]).toBe("22")
  },
  "marocchino/sticky-pull-request-comment": (w, workspace) =>
    expect(existsSync(join(workspace, w.path!)), `the comment's file ${w.path}`).toBe(true),
  "actions/upload-artifact": (w, workspace) => expect(existsSync(join(workspace, w.path!))).toBe(true),
  "actions/configure-pages": () => undefined,
  "actions/upload-pages-artifact": (w, workspace) =>
    expect(existsSync(join(workspace, w.path!, "index.html")), "the Pages artifact has index.html").toBe(true),
  "actions/deploy-pages": () => undefined
}

/** Runs one job of a workflow in `workspace` as a runner would, for the event described by `ctx`. */
const runJob = (workflow: any, jobName: string, workspace: string, ctx: Context): JobRun => {
  const job = workflow.jobs[jobName]
  const temp = mkdtempSync(join(root, "runner-"))
  const files = Object.fromEntries(
    ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"].map((k) => {
      const file = join(temp, k.toLowerCase())
      writeFileSync(file, "")
      return [k, file]
    })
  )
  const actionsGiven: Record<string, Record<string, string>> = {}
  if (!condition(job.if, ctx, false)) return { ran: false, steps: [], summary: "", actions: actionsGiven }
  const steps: Array<StepRun> = []
  const outputs: Record<string, string> = {}
  let path = [dirname(process.execPath), parentEnv.PATH ?? ""].join(":")
  let failed = false
  for (const [i, step] of (job.steps as Array<any>).entries()) {
    const name: string = step.name ?? step.uses ?? `step ${i + 1}`
    const context = { ...ctx, ...outputs }
    if (!condition(step.if, context, failed)) {
      steps.push({ name, outcome: "skipped", output: "" })
      continue
    }
    const given = Object.fromEntries(
      Object.entries<unknown>(step.with ?? {}).map(([k, v]) => [k, substitute(String(v), context)])
    )
    if (step.uses !== undefined) {
      const action = String(step.uses).replace(/@.*$/, "")
      const act = actions[action]
      if (act === undefined) throw new Error(`the test's runner has no stand-in for ${step.uses}`)
      act(given, workspace)
      actionsGiven[action] = given
      steps.push({ name, outcome: "success", output: "" })
      continue
    }
    if (step.id === "install") {
      installThisCheckout(workspace)
      steps.push({ name, outcome: "success", output: "(replaced: this checkout's videokr in node_modules/.bin)" })
      continue
    }
    const script = join(temp, `step-${i}.sh`)
    writeFileSync(script, substitute(String(step.run), context))
    const env = {
      ...parentEnv,
      ...Object.fromEntries(
        Object.entries<unknown>({ ...workflow.env, ...job.env, ...step.env }).map(([k, v]) => [
          k,
          substitute(String(v), context)
        ])
      ),
      ...files,
      PATH: path,
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: ctx["github.event_name"]!,
      GITHUB_REF: ctx["github.ref"]!,
      GITHUB_REPOSITORY: ctx["github.repository"]!,
      GITHUB_BASE_REF: ctx["github.base_ref"] ?? "",
      GITHUB_HEAD_REF: ctx["github.head_ref"] ?? "",
      RUNNER_TEMP: temp,
      NO_COLOR: "1",
      // no network: npm answers from its cache or fails at once
      npm_config_offline: "true"
    }
    const r = run(
      step["working-directory"] ?? workspace,
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", script],
      env
    )
    const outcome = r.code === 0 ? "success" : "failure"
    if (outcome === "failure") failed = true
    steps.push({ name, outcome, output: r.all })
    // what the step handed on: outputs, PATH entries
    for (const line of readFileSync(files.GITHUB_OUTPUT!, "utf8").split("\n")) {
      const at = line.indexOf("=")
      if (step.id !== undefined && at > 0) outputs[`steps.${step.id}.outputs.${line.slice(0, at)}`] = line.slice(at + 1)
    }
    writeFileSync(files.GITHUB_OUTPUT!, "")
    const added = readFileSync(files.GITHUB_PATH!, "utf8").split("\n").filter(Boolean)
    if (added.length > 0) path = [...added.reverse(), path].join(":")
    writeFileSync(files.GITHUB_PATH!, "")
  }
  return { ran: true, steps, summary: readFileSync(files.GITHUB_STEP_SUMMARY!, "utf8"), actions: actionsGiven }
}

const outcomes = (job: JobRun) => Object.fromEntries(job.steps.map((s) => [s.name, s.outcome]))
const explain = (job: JobRun) => job.steps.map((s) => `[${s.name}: ${s.outcome}]\n${s.output}`).join("\n")

/** The context of a pull request from a branch of the board's own repository into main. */
const pullRequest = (head: string): Context => ({
  "github.event_name": "pull_request",
  "github.ref": "refs/pull/1/merge",
  "github.base_ref": "main",
  "github.head_ref": head,
  "github.repository": "lab/board",
  "github.event.pull_request.head.repo.full_name": "lab/board",
  "steps.deployment.outputs.page_url": ""
})

describe("board.yml, run locally against fixture pull requests", () => {
  let upstream: string
  let workflow: any
  beforeAll(() => {
    workflow = parse(workflows["board.yml"]!)
    // the board's repository: the template as made, with one submission already on main
    upstream = board
    writeSubmission(join(upstream, "submissions/lab/base-v1"), "Base-VL")
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "the board")
  })

  /** A runner's checkout of a pull request: a clone (origin/main is the base) on a branch that `change` made. */
  const checkout = (name: string, change: (workspace: string) => void) => {
    const workspace = join(root, name)
    git(root, "clone", "-q", upstream, workspace)
    git(workspace, "checkout", "-q", "-b", name)
    change(workspace)
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", name)
    return workspace
  }

  it("a pull request that adds a submission: checked, scored, commented, and the site built", () => {
    const ws = checkout("add-alpha", (w) => writeSubmission(join(w, "submissions/lab/alpha-vl-v1"), "Alpha-VL"))
    const job = runJob(workflow, "check", ws, pullRequest("add-alpha"))
    expect(job.ran).toBe(true)
    expect(
      job.steps.filter((s) => s.outcome === "failure").map((s) => s.name),
      explain(job)
    ).toEqual([])
    expect(outcomes(job)).toEqual({
      "actions/checkout@v4": "success",
      "actions/setup-node@v4": "success",
      "Install the pinned videokr": "success",
      "Check and score the changed submissions": "success",
      "Scores in the job summary": "success",
      "Comment the scores on the pull request": "success",
      "Build the site": "success",
      "actions/upload-artifact@v4": "success"
    })
    // the comment: the new submission's scores, and only the changed submission (not the one already on main)
    const comment = readFileSync(join(ws, job.actions["marocchino/sticky-pull-request-comment"]!.path!), "utf8")
    expect(comment).toContain("Submissions changed since `origin/main`: 1; 1 valid, 0 refused.")
    expect(comment).toContain("#### ✅ `submissions/lab/alpha-vl-v1`: Alpha-VL (v1) by Lab")
    // VideoKR-Eval's sample: 4 multiple-choice answers scored by the rules (all right), 2 open-ended ones awaiting the judge
    expect(comment).toContain("| VideoKR-Eval | `videokr_eval` | 100.00 | 100.00-100.00 | 6 | 4 | 0 | 2 |")
    expect(comment).not.toContain("base-v1")
    expect(job.summary).toBe(comment)
    // the site, as the artifact: both submissions on the board
    expect(job.actions["actions/upload-artifact"]!.path).toBe("site")
    const index = readFileSync(join(ws, "site", "index.html"), "utf8")
    expect(index).toContain("Alpha-VL")
    expect(index).toContain("Base-VL")
  })

  it("a pull request with a broken submission: the check fails, naming file, line and field in the comment; no site", () => {
    const ws = checkout("add-broken", (w) => {
      const lines = docs.map((d) => JSON.stringify({ task: "videokr_eval", id: d.id, output: "<answer>A</answer>" }))
      lines[1] = JSON.stringify({ task: "videokr_eval", id: docs[1]!.id }) // line 2: no output
      writeSubmission(join(w, "submissions/lab/broken-v1"), "Broken-VL", lines)
      rmSync(join(w, "submissions/lab/base-v1"), { recursive: true }) // a deleted submission is not checked
    })
    const job = runJob(workflow, "check", ws, pullRequest("add-broken"))
    expect(outcomes(job), explain(job)).toMatchObject({
      "Install the pinned videokr": "success",
      "Check and score the changed submissions": "failure",
      "Scores in the job summary": "success",
      "Comment the scores on the pull request": "success",
      "Build the site": "skipped",
      "actions/upload-artifact@v4": "skipped"
    })
    const check = job.steps.find((s) => s.name === "Check and score the changed submissions")!
    expect(check.output).toContain(`${join(ws, "submissions/lab/broken-v1/predictions.jsonl")}:2: field "output"`)
    const comment = readFileSync(join(ws, "scores.md"), "utf8")
    expect(comment).toContain("Submissions changed since `origin/main`: 1; 0 valid, 1 refused.")
    expect(comment).toContain("#### ❌ `submissions/lab/broken-v1`: refused")
    expect(comment).toMatch(/\| `submissions\/lab\/broken-v1\/predictions\.jsonl` \| 2 \| `output` \| .+ \|/)
    expect(comment).not.toContain("base-v1")
    expect(job.summary).toBe(comment)
    expect(existsSync(join(ws, "site"))).toBe(false)
  })

  it("a fork's pull request: no comment (its token cannot write), the scores in the job summary", () => {
    const ws = checkout("fork", (w) => writeSubmission(join(w, "submissions/other/gamma-v1"), "Gamma"))
    const job = runJob(workflow, "check", ws, {
      ...pullRequest("fork"),
      "github.event.pull_request.head.repo.full_name": "someone/board"
    })
    expect(outcomes(job)["Comment the scores on the pull request"]).toBe("skipped")
    expect(outcomes(job)["Build the site"], explain(job)).toBe("success")
    expect(job.summary).toContain("#### ✅ `submissions/other/gamma-v1`: Gamma (v1) by Lab")
  })

  it("submit check --changed-since: files outside any submission change nothing; an unknown ref is an error that says what to do", () => {
    const ws = checkout("docs-only", (w) => appendFileSync(join(w, "submissions/README.md"), "\nA new line.\n"))
    const videokr = (...args: Array<string>) =>
      run(ws, process.execPath, [...videokrNodeArgs, ...args], { ...parentEnv, NO_COLOR: "1" })
    const none = videokr("submit", "check", "--changed-since", "origin/main", "--report", "scores.md")
    expect(none.code, none.all).toBe(0)
    expect(none.stdout).toContain("no submission changed since origin/main")
    expect(readFileSync(join(ws, "scores.md"), "utf8")).toContain("Submissions changed since `origin/main`: none.")
    const bad = videokr("submit", "check", "--changed-since", "origin/no-such-branch")
    expect(bad.code, bad.all).toBe(1)
    expect(bad.stderr).toContain("cannot list the submissions changed since origin/no-such-branch")
    expect(bad.stderr).toContain("fetch-depth: 0")
    // nothing to check at all is a usage error
    expect(videokr("submit", "check").code).toBe(2)
  })

  it("a push to main: no check job; the site is built and handed to Pages", () => {
    const ws = join(root, "main")
    git(root, "clone", "-q", upstream, ws)
    const push: Context = {
      "github.event_name": "push",
      "github.ref": "refs/heads/main",
      "github.repository": "lab/board",
      "steps.deployment.outputs.page_url": "https://lab.github.io/board/",
      // what actions/configure-pages says of a project site
      "steps.pages.outputs.base_path": "/board"
    }
    expect(runJob(workflow, "check", ws, push).ran).toBe(false)
    const job = runJob(workflow, "deploy", ws, push)
    expect(job.ran).toBe(true)
    expect(
      job.steps.filter((s) => s.outcome !== "success").map((s) => s.name),
      explain(job)
    ).toEqual([])
    expect(job.actions["actions/upload-pages-artifact"]!.path).toBe("site")
    const index = readFileSync(join(ws, "site", "index.html"), "utf8")
    expect(index).toContain("Base-VL")
    // served under /board/: the pages link there, and their assets load from there
    expect(index).toMatch(/href="\/board\/models\/[^"]+\/"/)
    expect(index).not.toMatch(/(?:href|src)="\/(?!board\/)[^"]*"/)
    // and on a pull request, no deployment
    expect(runJob(workflow, "deploy", ws, pullRequest("x")).ran).toBe(false)
  })
})
