import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { Effect, Exit, Schema } from "effect"
import { SourceError, Video, type VideoCandidate, type VideoSourceShape } from "../index.ts"

/**
 * The conformance checks every video source passes, built-ins and plugins alike: search results with the
 * metadata the pipeline gates on (license, duration), downloads into the given folder that resume after
 * a break, and failures as SourceErrors that say whether they are of the moment (retried) or of the
 * video. The author points the source at a test server with recorded answers (or at fixture files) and,
 * for a source that downloads over the network, gives the faults that server can play. Run them from any
 * test framework:
 *
 *   for (const c of sourceConformance) it(c.name, () => c.run(subject))
 */
export interface SourceSubject {
  /** the source under test, made afresh for each check */
  readonly make: () => VideoSourceShape | Promise<VideoSourceShape>
  /** a query it finds at least two videos for */
  readonly query: string
  /** a query it finds nothing for */
  readonly nothing: string
  /** faults its test server plays on the next request, for a source that searches or downloads over the network */
  readonly faults?:
    | {
        /** the next download request breaks off midway (the connection closes after some bytes) */
        readonly breakNextDownload: () => void
        /** the next search request is refused as the site's rate limit does (429, or the site's own way) */
        readonly refuseNextSearch: () => void
        /** a candidate whose file is gone (404) */
        readonly gone: VideoCandidate
      }
    | undefined
}

export interface SourceConformance {
  readonly name: string
  readonly run: (subject: SourceSubject) => Promise<void>
}

const run = async <A>(effect: Effect.Effect<A, SourceError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return { ok: true as const, value: exit.value }
  const reason = exit.cause.reasons[0]
  assert.ok(reason?._tag === "Fail", `a source fails with a SourceError, never a defect: ${String(exit.cause)}`)
  assert.ok(reason.error instanceof SourceError, `a source fails with a SourceError, not ${String(reason.error)}`)
  return { ok: false as const, error: reason.error }
}

const succeeds = async <A>(effect: Effect.Effect<A, SourceError>, what: string) => {
  const r = await run(effect)
  assert.ok(r.ok, `${what} failed: ${r.ok ? "" : r.error.message}`)
  return r.value
}

const search = async (subject: SourceSubject, query: string, limit: number) => {
  const source = await subject.make()
  return { source, found: await succeeds(source.search(query, { limit }), `search "${query}"`) }
}

const folder = () => mkdtempSync(join(tmpdir(), "videokr-source-kit-"))

/** The files under `dir`, as paths relative to it. */
const filesIn = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))

export const sourceConformance: ReadonlyArray<SourceConformance> = [
  {
    name: "finds videos with their id, license, duration and title, each once",
    run: async (subject) => {
      const { source, found } = await search(subject, subject.query, 10)
      assert.ok(
        found.length >= 2,
        `search "${subject.query}" found ${found.length} videos; the subject promises at least two`
      )
      assert.ok(
        typeof source.id === "string" && /^[a-z][a-z0-9-]*$/.test(source.id),
        `the source id is a short lowercase name, not ${JSON.stringify(source.id)}`
      )
      for (const { video } of found) {
        const decoded = Schema.decodeUnknownExit(Video)(video)
        assert.ok(
          Exit.isSuccess(decoded),
          `a video is a Video: ${Exit.isFailure(decoded) ? String(decoded.cause) : ""}`
        )
        assert.equal(video.source, source.id, "a video names its source")
        assert.equal(video.id, `${video.source}:${video.source_id}`, "a video's id is <source>:<source_id>")
        assert.ok(video.license.trim() !== "", `video ${video.id} records its license (the license gate reads it)`)
        assert.ok(video.title.trim() !== "", `video ${video.id} has a title (the metadata filter reads it)`)
        assert.ok(
          Number.isFinite(video.duration) && video.duration >= 0,
          `video ${video.id} records its duration in seconds (0 when unknown)`
        )
      }
      assert.equal(new Set(found.map((c) => c.video.id)).size, found.length, "each video is found once per search")
    }
  },
  {
    name: "keeps to the limit, finds the same again, and finds nothing without failing",
    run: async (subject) => {
      const { found: one } = await search(subject, subject.query, 1)
      assert.equal(one.length, 1, "limit 1 gives one video")
      const { found: first } = await search(subject, subject.query, 10)
      const { found: again } = await search(subject, subject.query, 10)
      assert.deepEqual(
        again.map((c) => c.video.id),
        first.map((c) => c.video.id),
        "the same query finds the same videos, in the same order"
      )
      const { found: none } = await search(subject, subject.nothing, 10)
      assert.deepEqual(none, [], `search "${subject.nothing}" finds nothing`)
    }
  },
  {
    name: "downloads into the folder it is given (a local file stays where it is), and a second time gives the same file",
    run: async (subject) => {
      const { source, found } = await search(subject, subject.query, 10)
      const dir = folder()
      const path = await succeeds(source.download(found[0]!, dir), `download of ${found[0]!.video.id}`)
      const local = found[0]!.localPath
      assert.ok(
        resolve(path).startsWith(resolve(dir)) || path === local,
        `the file goes under the folder given (${dir}), or is where it already is (${local ?? "no localPath"}), not ${path}`
      )
      assert.ok(existsSync(path) && statSync(path).size > 0, `the downloaded file ${path} exists and is not empty`)
      const bytes = readFileSync(path)
      const again = await succeeds(source.download(found[0]!, dir), `second download of ${found[0]!.video.id}`)
      assert.equal(again, path, "downloaded again, the file is at the same path")
      assert.ok(readFileSync(again).equals(bytes), "downloaded again, the file is the same")
      assert.deepEqual(
        filesIn(dirname(path)).filter((f) => f !== path && f.startsWith(path)),
        [],
        "no partial file is left beside it"
      )
    }
  },
  {
    name: "a download broken off midway ends complete, equal to an unbroken one",
    run: async (subject) => {
      if (subject.faults === undefined) return // the source reads local files
      const { source, found } = await search(subject, subject.query, 10)
      const whole = await succeeds(source.download(found[1]!, folder()), `download of ${found[1]!.video.id}`)
      subject.faults.breakNextDownload()
      const resumed = await succeeds(
        source.download(found[1]!, folder()),
        `download of ${found[1]!.video.id} after a break`
      )
      assert.ok(
        readFileSync(resumed).equals(readFileSync(whole)),
        "the file downloaded across a break equals the one downloaded at once"
      )
    }
  },
  {
    name: "a refused search is a SourceError of the moment (or succeeds on its own retry)",
    run: async (subject) => {
      if (subject.faults === undefined) return
      const source = await subject.make()
      subject.faults.refuseNextSearch()
      const r = await run(source.search(subject.query, { limit: 10 }))
      if (!r.ok)
        assert.equal(
          r.error.transient,
          true,
          `a refusal by the site's rate limit says nothing about the query: transient (${r.error.message})`
        )
    }
  },
  {
    name: "a video that is gone is a SourceError naming it, not of the moment, with nothing left in the folder",
    run: async (subject) => {
      const gone: VideoCandidate = subject.faults?.gone ?? {
        video: {
          id: "kit:gone",
          source: "kit",
          source_id: "gone",
          url: "file:///nonexistent/videokr-kit.mp4",
          license: "CC BY 4.0",
          duration: 10,
          title: "gone"
        },
        localPath: "/nonexistent/videokr-kit.mp4"
      }
      const source = await subject.make()
      const dir = folder()
      const r = await run(source.download(gone, dir))
      assert.ok(!r.ok, "downloading a video that is gone fails")
      assert.ok(r.error.transient !== true, `a video that is gone stays gone: not transient (${r.error.message})`)
      assert.ok(
        r.error.message.includes(gone.video.source_id) ||
          r.error.message.includes(gone.video.id) ||
          r.error.message.includes(gone.video.url),
        `the error names the video (${r.error.message})`
      )
      assert.deepEqual(filesIn(dir), [], "nothing is left in the folder")
    }
  }
]
