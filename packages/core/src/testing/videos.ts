import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Test videos made with ffmpeg's lavfi sources, once per machine (kept in the temp folder under a
 * versioned name): a base clip and its near-duplicate variants (re-encoded, rescaled, trimmed,
 * watermarked), truly different clips (fractal, life, colour bars with sound, a text slide like a
 * lecture's), and broken files (corrupt, truncated, empty, not a video).
 */
const version = "v3"
const ffmpegBin = process.env.VIDEOKR_FFMPEG ?? "ffmpeg"

const recipes: Record<string, Array<string>> = {
  "base.mp4": [
    "-f",
    "lavfi",
    "-i",
    "testsrc=duration=10:size=320x240:rate=30",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p",
    "-crf",
    "20"
  ],
  "reencoded.mp4": ["-i", "{base}", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "38"],
  "rescaled.mp4": ["-i", "{base}", "-vf", "scale=192:144", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
  "trimmed.mp4": ["-ss", "1", "-i", "{base}", "-t", "8", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
  "watermarked.mp4": [
    "-i",
    "{base}",
    "-vf",
    "drawbox=x=iw-60:y=ih-30:w=50:h=20:color=white@0.8:t=fill",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p"
  ],
  "mandelbrot.mp4": [
    "-f",
    "lavfi",
    "-i",
    "mandelbrot=size=320x240:rate=30",
    "-t",
    "10",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p"
  ],
  "life.mp4": [
    "-f",
    "lavfi",
    "-i",
    "life=size=320x240:rate=30:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00",
    "-t",
    "10",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p"
  ],
  "bars.mp4": [
    "-f",
    "lavfi",
    "-i",
    "smptebars=size=320x240:rate=30",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:duration=10",
    "-t",
    "10",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-shortest"
  ]
}

export const testVideos = (): Record<string, string> => {
  const dir = join(tmpdir(), `videokr-test-videos-${version}`)
  const done = join(dir, "complete")
  const names = [...Object.keys(recipes), "lecture.mp4", "corrupt.mp4", "truncated.mp4", "empty.mp4", "notes.mp4"]
  const paths = Object.fromEntries(names.map((n) => [n.replace(/\.mp4$/, ""), join(dir, n)]))
  if (existsSync(done)) return paths
  const tmp = `${dir}.${process.pid}.tmp`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  for (const [name, args] of Object.entries(recipes)) {
    execFileSync(ffmpegBin, [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      ...args.map((a) => a.replace("{base}", join(tmp, "base.mp4"))),
      join(tmp, name)
    ])
  }
  // a lecture-like text slide; drawtext needs a font, which a minimal ffmpeg may lack: then boxes stand in
  const slide = (filter: string) =>
    execFileSync(
      ffmpegBin,
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x202840:s=320x240:r=30:d=10",
        "-vf",
        filter,
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        join(tmp, "lecture.mp4")
      ],
      { stdio: "pipe" }
    )
  try {
    slide(
      "drawtext=text='Second law of motion':fontsize=22:fontcolor=white:x=16:y=30,drawtext=text='F = m a':fontsize=40:fontcolor=yellow:x=16:y=90,drawtext=text='Lecture 3':fontsize=16:fontcolor=white:x='16+t*20':y=200"
    )
  } catch {
    slide("drawbox=x=16:y=30:w=240:h=22:color=white:t=fill,drawbox=x=16:y=90:w=120:h=40:color=yellow:t=fill")
  }
  const base = readFileSync(join(tmp, "base.mp4"))
  writeFileSync(join(tmp, "truncated.mp4"), base.subarray(0, 2048))
  writeFileSync(join(tmp, "corrupt.mp4"), Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251)))
  writeFileSync(join(tmp, "empty.mp4"), "")
  writeFileSync(join(tmp, "notes.mp4"), "These are lecture notes, not a video.\n")
  writeFileSync(join(tmp, "complete"), "")
  try {
    renameSync(tmp, dir)
  } catch {
    rmSync(tmp, { recursive: true, force: true }) // another worker made them first
  }
  return paths
}
