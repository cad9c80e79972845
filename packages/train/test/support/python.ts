import { spawnSync } from "node:child_process"

/** Debian's python3, as the set-up installs it (with python3-nltk). */
export const python = process.env["VIDEOKR_PYTHON"] || "/usr/bin/python3"

/** Runs a Python script with `path` importable, stdin the input as JSON; its stdout parsed as JSON. */
export const runPython =
  (path: string) =>
  (script: string, input: unknown = null) => {
    const r = spawnSync(python, ["-c", script], {
      input: JSON.stringify(input),
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: "1" },
      maxBuffer: 64 * 1024 * 1024
    })
    if (r.status !== 0) throw new Error(`${python} failed (${r.status}): ${r.stderr}`)
    return JSON.parse(r.stdout)
  }
