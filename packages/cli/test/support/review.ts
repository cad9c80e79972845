import type { ChildProcess } from "node:child_process"

/**
 * The URL a `videokr review` (or `videokr run --review`) child prints once the review app listens; the
 * promise fails with everything the child wrote if it ends first. (Also used by tools/bench/src/review.ts.)
 */
export const reviewAppUrl = (child: ChildProcess): Promise<string> =>
  new Promise((found, failed) => {
    let out = ""
    child.stdout!.on("data", (d) => {
      out += d
      const url = /review app: (http:\S+)/.exec(out)?.[1]
      if (url !== undefined) found(url)
    })
    child.stderr!.on("data", (d) => (out += d))
    child.on("close", (code) => {
      // 130: stopped with SIGINT, as tests stop it; anything else before or after the URL is worth seeing in the log
      if (code !== 0 && code !== 130 && child.signalCode === null) console.error(`videokr exited with ${code}: ${out}`)
      failed(new Error(`videokr exited with ${code} before the review app listened: ${out}`))
    })
  })
