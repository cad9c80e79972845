#!/usr/bin/env node
// Stands in for yt-dlp in tests: replays recorded --dump-json records for searches, and "downloads" by
// copying a local video. Environment: YTDLP_RECORDS (a JSONL file), YTDLP_VIDEO (the file to copy).
import { copyFileSync, readFileSync } from "node:fs"

const args = process.argv.slice(2)
if (args.includes("--version")) {
  console.log("2026.11.01")
  process.exit(0)
}
const target = args.at(-1) ?? ""
if (args.includes("--dump-json")) {
  const m = /^ytsearch(\d+):(.*)$/.exec(target)
  if (!m) {
    console.error(`ERROR: unsupported URL: ${target}`)
    process.exit(1)
  }
  // a search for nonsense finds nothing, as YouTube's does
  if (/xylophone/i.test(m[2])) process.exit(0)
  const lines = readFileSync(process.env.YTDLP_RECORDS, "utf8")
    .split("\n")
    .filter((l) => l.trim())
  for (const l of lines.slice(0, Number(m[1]))) console.log(l)
  process.exit(0)
}
const id = /[?&]v=([A-Za-z0-9_-]{11})/.exec(target)?.[1]
if (id === "Zz0Unavail0" || id === undefined) {
  console.error(`ERROR: [youtube] ${id}: Video unavailable. This video has been removed by the uploader`)
  process.exit(1)
}
const template = args[args.indexOf("-o") + 1]
const out = template.replace("%(id)s", id).replace("%(ext)s", "mp4")
copyFileSync(process.env.YTDLP_VIDEO, out)
console.log(out)
