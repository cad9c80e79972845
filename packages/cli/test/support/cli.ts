import { spawnSync } from "node:child_process"
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import { sampleFiles } from "@videokr/core"
import { inject } from "vitest"
import { sampleDir } from "../../src/SampleProject.ts"

/** Node arguments that run the videokr command, as built for this test run (./global-setup.ts); its arguments follow. */
export const videokrNodeArgs: ReadonlyArray<string> = inject("videokrNodeArgs")

/**
 * `videokr init <name> --template minimal` in `root`, with the sample data copied into data/: a project
 * for tests that write their own config (the sample template's clips cost seconds of ffmpeg each time).
 */
export const initWithSampleData = (root: string, name = "p") => {
  const r = spawnSync(process.execPath, [...videokrNodeArgs, "init", name, "--template", "minimal"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" }
  })
  if (r.status !== 0) throw new Error(`videokr init failed: ${r.stderr}`)
  const dir = join(root, name)
  for (const f of sampleFiles) copyFileSync(join(sampleDir, f), join(dir, "data", f))
  return dir
}
