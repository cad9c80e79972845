import { copyFile, cp, link, mkdir, stat } from "node:fs/promises"
import { dirname, extname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { fileReader, tasks } from "@videokr/eval"

/** Sample files of the seven benchmarks in their published layouts (fixtures/benchmarks of the repository). */
export const benchmarkSampleDir = fileURLToPath(new URL("../../../fixtures/benchmarks/", import.meta.url))

/** The task names of the main table, and the sample folder of each (fixtures/benchmarks/<folder>). */
export const benchmarkSamples: Readonly<Record<string, string>> = {
  videomme: "videomme",
  mvbench: "mvbench",
  longvideobench_val_v: "longvideobench",
  video_mmmu: "videommmu",
  mmvu_val: "mmvu",
  scivideobench: "scivideobench",
  videokr_eval: "videokr_eval"
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false
  )

/**
 * Copies the benchmark samples under `target/<folder>` and puts a video at every path their documents
 * name (hard links to the given clips, taken in turn), except the paths `leaveOut` says: a runnable
 * stand-in for the released benchmarks, whose videos are not redistributable. Returns task -> folder.
 */
export const stageBenchmarkSamples = (
  target: string,
  clips: ReadonlyArray<string>,
  leaveOut: (task: string, path: string) => boolean = () => false
) =>
  Effect.gen(function* () {
    const roots: Record<string, string> = {}
    let n = 0
    for (const [name, folder] of Object.entries(benchmarkSamples)) {
      const root = join(target, folder)
      yield* Effect.promise(() => cp(join(benchmarkSampleDir, folder), root, { recursive: true }))
      const task = tasks[name]!
      const docs = yield* Effect.orDie(task.documents(fileReader(name, root)))
      for (const doc of docs) {
        const media = task.media(doc)
        const first = media.paths[0]!
        const path = join(root, extname(first) === "" ? `${first}.mp4` : first)
        if (leaveOut(name, first) || (yield* Effect.promise(() => exists(path)))) continue
        yield* Effect.promise(async () => {
          await mkdir(dirname(path), { recursive: true })
          const clip = clips[n++ % clips.length]!
          // a hard link costs no space; across file systems, a copy
          await link(clip, path).catch(() => copyFile(clip, path))
        })
      }
      roots[name] = root
    }
    return roots
  })
