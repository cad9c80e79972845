import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { dirname, join } from "node:path"

/**
 * Sends `bytes` as a download host does: a `Range: bytes=N-` request gets 206 and the rest, any other the
 * whole file with 200. With `cut`, the answer announces its full length, sends a third and drops the
 * connection, as a transfer broken off midway (for a source's resumable downloads).
 */
export const sendBytes = (
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Buffer,
  options: { readonly cut?: boolean; readonly contentType?: string } = {}
) => {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "")
  const start = range ? Number(range[1]) : 0
  const body = bytes.subarray(start)
  res.writeHead(range ? 206 : 200, {
    "content-type": options.contentType ?? "video/mp4",
    "content-length": String(body.length),
    "accept-ranges": "bytes",
    ...(range ? { "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {})
  })
  if (options.cut !== true) return void res.end(body)
  res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.destroy())
}

export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The `videokr` command as npm installed it beside the package at `from` (node_modules/.bin/videokr,
 * looked for upwards as npm does), run as a user runs it: `run(cwd, ...args)` in a folder of theirs, with
 * extra environment variables (API keys of a test server), without waiting on this process.
 */
export const installedVideokr = (from: string, env: Readonly<Record<string, string>> = {}) => {
  let bin: string | undefined
  for (let dir = from; bin === undefined; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules/.bin/videokr"))) bin = join(dir, "node_modules/.bin/videokr")
    else if (dirname(dir) === dir)
      throw new Error(`the videokr command is not installed at or above ${from} (npm install --save-dev @videokr/cli)`)
  }
  const { FORCE_COLOR: _, ...base } = process.env
  return (cwd: string, ...args: Array<string>) =>
    new Promise<CommandResult>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...base, NO_COLOR: "1", ...env } })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d) => (stdout += d))
      child.stderr.on("data", (d) => (stderr += d))
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
}
