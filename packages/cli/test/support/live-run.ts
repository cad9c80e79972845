import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { RunStatus } from "../../src/RunStatus.ts"

/** The status the stand-in run reports: a stage waiting on an open circuit, one done, and two models. */
export const holderStatus = (pid: number): RunStatus => ({
  pid,
  startedAt: "2025-03-01T08:00:00.000Z",
  elapsedSeconds: 2 * 86_400 + 3 * 3_600 + 125,
  stages: [
    {
      stage: "scenarios",
      pending: 0,
      processed: 60,
      kept: 52,
      dropped: 6,
      errors: 2,
      retrying: 0,
      leftPending: 0,
      done: true,
      ratePerSecond: 1.5,
      spendUsd: 0.0123
    },
    {
      stage: "metadata",
      pending: 1204,
      processed: 311,
      kept: 250,
      dropped: 58,
      errors: 3,
      retrying: 7,
      leftPending: 2,
      done: false,
      ratePerSecond: 0.25,
      spendUsd: 1.5,
      waiting: "waiting for openai-compatible:http://gpu-3:8000/v1#qwen (circuit open 2m10s, next probe in 20s)"
    }
  ],
  models: [
    {
      model: "scripted:demo",
      calls: 62,
      retried: 0,
      rateLimited: 0,
      serverErrors: 0,
      timeouts: 0,
      connectionErrors: 0,
      unusable: 0,
      circuitOpenings: 0,
      waitingSeconds: 0,
      itemsPending: 0,
      gaveUp: false,
      circuit: "closed"
    },
    {
      model: "openai-compatible:http://gpu-3:8000/v1#qwen",
      calls: 340,
      retried: 41,
      rateLimited: 12,
      serverErrors: 25,
      timeouts: 4,
      connectionErrors: 7,
      unusable: 3,
      circuitOpenings: 2,
      itemsPending: 5,
      gaveUp: false,
      waitingSeconds: 400,
      circuit: "open",
      openForSeconds: 130,
      nextProbeSeconds: 20
    }
  ]
})

const holderScript = fileURLToPath(new URL("./live-run-holder.ts", import.meta.url))

/** Starts the stand-in run on a project and resolves once it holds the store (and serves it, unless --no-serve). */
export const startHolder = (dir: string, ...flags: Array<string>) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@videokr/source", "--disable-warning=ExperimentalWarning", holderScript, dir, ...flags],
      {
        stdio: ["pipe", "pipe", "pipe"]
      }
    )
    let out = ""
    let err = ""
    child.stdout!.on("data", (d) => {
      out += d
      if (out.includes("ready\n")) resolve(child)
    })
    child.stderr!.on("data", (d) => (err += d))
    child.once("exit", (code, signal) =>
      reject(new Error(`the holder ended (${code ?? signal}) before it was ready: ${out}${err}`))
    )
  })

/** The exit code (or signal) of a child, once it has ended. */
export const ended = (child: ChildProcess) =>
  new Promise<number | string | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode)
    else child.once("exit", (code, signal) => resolve(code ?? signal))
  })
