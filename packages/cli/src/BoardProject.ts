import { constants, existsSync } from "node:fs"
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { FileError, initProject, reasonOf, version } from "@videokr/core"

/**
 * The board template of `videokr init`: a leaderboard's repository, ready to push to GitHub. Submissions
 * come by pull request under submissions/, the board judge's verdicts are kept in verdicts/, and two
 * GitHub Actions workflows run the board: board.yml checks and scores a pull request's changed
 * submissions, comments the scores and builds the site, and deploys the site from main; judge.yml runs
 * the board's judge and proposes its verdicts by pull request. The files are templates/board/ of this
 * package (names that npm would drop or hide are stored without their dot: gitignore, github/).
 */

/** The template's files: templates/board/ beside src/ (and dist/) in the checkout and in the published package. */
export const boardTemplateDir = fileURLToPath(new URL("../templates/board/", import.meta.url))

/** VideoKR-Eval's sample annotations, the board's stand-in benchmark: benchmarks/ in the published package (copied there when it is packed), else the checkout's fixtures. */
const benchmarkDirs = [
  new URL("../benchmarks/videokr_eval/", import.meta.url),
  new URL("../../../fixtures/benchmarks/videokr_eval/", import.meta.url)
].map((u) => fileURLToPath(u))
export const boardBenchmarkDir =
  benchmarkDirs.find((dir) => existsSync(join(dir, "VideoKR_eval.jsonl"))) ?? benchmarkDirs[1]!

/** Template names stored without their leading dot, and the names they get in the board. */
const dotted: Readonly<Record<string, string>> = { gitignore: ".gitignore", github: ".github" }

/** The model id the board's judge is pinned to (a dated snapshot, so that verdicts do not drift). */
export const boardJudge = "openai:gpt-4o-2024-08-06"

/** videokr.config.ts of a board. */
export const boardConfig = `import { defineConfig } from "@videokr/core"

// A leaderboard made by \`videokr init --template board\`: submissions come by pull request under
// submissions/<org>/<model>/ and are scored again from their outputs against the benchmarks' annotation
// files named here; .github/workflows/ checks pull requests and deploys the site (see README.md).
export default defineConfig({
  eval: {
    // task -> the folder of its released annotation files (no videos needed: submissions hold outputs).
    // data/videokr_eval holds a six-question SAMPLE of VideoKR-Eval, a stand-in so that the board works at
    // once: replace its file with the release's (see data/README.md), and add the other benchmarks the
    // board ranks, e.g. videomme: "data/videomme", mmvu_val: "data/mmvu".
    data: { videokr_eval: "data/videokr_eval" }
  },
  site: {
    // the board's judge of open-ended answers, pinned to a dated model id: every verdict in verdicts/ is
    // this model's, and a new snapshot would judge differently. \`videokr site judge\` (judge.yml) asks it
    // (OPENAI_API_KEY); \`videokr site build\` only reads its stored verdicts and needs no key.
    judge: "${boardJudge}",
    verdicts: "verdicts"
  }
})
`

/** package.json of a board: the videokr command its workflows run, pinned to this version (npx --no videokr). */
export const boardPackageJson = (name: string) =>
  JSON.stringify(
    {
      name:
        name
          .toLowerCase()
          .replace(/[^a-z0-9._-]+/g, "-")
          .replace(/^[-._]+|-+$/g, "") || "videokr-board",
      private: true,
      type: "module",
      description: "A videokr leaderboard: submissions by pull request, scored again from their outputs",
      engines: { node: ">=22.19.0" },
      // @videokr/cli is versioned with @videokr/core: one release of the workspace
      devDependencies: { "@videokr/cli": version }
    },
    null,
    2
  ) + "\n"

/** Copies a template folder into `to`, dotted names restored; never over an existing file (a folder's own README stays). */
const copyTemplate = async (from: string, to: string): Promise<void> => {
  await mkdir(to, { recursive: true })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const target = join(to, dotted[entry.name] ?? entry.name)
    if (entry.isDirectory()) await copyTemplate(join(from, entry.name), target)
    else await copyFile(join(from, entry.name), target, constants.COPYFILE_EXCL)
  }
}

/** `videokr init <dir> --template board`: the board's files, the stand-in benchmark, then the config (last: a failed init leaves no project). */
export const initBoardProject = (dir: string) =>
  initProject(dir, {
    config: boardConfig,
    prepare: (at) =>
      Effect.tryPromise({
        try: async () => {
          await copyTemplate(boardTemplateDir, at)
          await copyTemplate(boardBenchmarkDir, join(at, "data", "videokr_eval"))
          await writeFile(join(at, "package.json"), boardPackageJson(basename(at)), { flag: "wx" })
        },
        catch: (e) => new FileError({ path: at, operation: "write the board's files", reason: reasonOf(e) })
      })
  })
