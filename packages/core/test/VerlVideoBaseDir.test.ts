import { describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { toVerl, verlDefaults } from "../src/exports/Verl.ts"
import { vectors } from "./support.ts"

/**
 * verl's video paths under a video base folder (the reference's --video_base_dir), against the release's
 * own resolve_video_path run on the same folder layout (vectors/exports/verl-video-base-dir.json; see the
 * README there): the first candidate that exists, <base>/Videos/ tried too, every leading "." and "/"
 * dropped, symbolic links followed and ".." taken after them as Python's Path.resolve does, URLs as given.
 */
interface Vectors {
  readonly layout: ReadonlyArray<string>
  readonly symlinks: Readonly<Record<string, string>>
  readonly base: string
  readonly cases: ReadonlyArray<{ readonly raw: string; readonly resolved: string }>
}

describe("verl's video paths under a video base folder", () => {
  it("resolve as the release's resolve_video_path does, file system and all", () => {
    const v = JSON.parse(readFileSync(vectors("verl-video-base-dir.json"), "utf8")) as Vectors
    const root = realpathSync(mkdtempSync(join(tmpdir(), "videokr-vbd-")))
    for (const f of v.layout) {
      mkdirSync(dirname(join(root, f)), { recursive: true })
      writeFileSync(join(root, f), "")
    }
    for (const [link, target] of Object.entries(v.symlinks)) symlinkSync(join(root, target), join(root, link))
    const at = (s: string) => s.replaceAll("{root}", root)
    expect(v.cases.length).toBeGreaterThan(20)
    for (const c of v.cases) {
      const record = { problem_id: 1, problem_type: "multiple choice", solution: "<answer>A</answer>", path: at(c.raw) }
      const got = toVerl(record, { ...verlDefaults, videoBaseDir: join(root, v.base) })
      // a record without a path is dropped before any path is resolved
      if (c.raw === "") expect(got, JSON.stringify(c.raw)).toBeUndefined()
      else
        expect(
          got?.videos.map((x) => x.video),
          JSON.stringify(c.raw)
        ).toEqual([at(c.resolved)])
    }
    // without a base folder, relative paths stay as given
    expect(toVerl({ problem_type: "multiple choice", solution: "A", path: "videos/a.mp4" })?.videos[0]?.video).toBe(
      "videos/a.mp4"
    )
  })
})
