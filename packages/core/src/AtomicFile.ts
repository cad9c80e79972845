import { randomBytes } from "node:crypto"
import { mkdir, open, rename, rm } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { Effect, Stream } from "effect"
import { FileError, reasonOf } from "./Errors.ts"

/**
 * Runs `f` with a temporary path beside `path` and renames it into place only if `f` succeeds, so that
 * readers never see a half-written file; on failure or interruption the temporary file is removed.
 */
export const withTempPath = <A, E, R>(path: string, f: (tmp: string) => Effect.Effect<A, E, R>) => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)
  return Effect.tryPromise({
    try: () => mkdir(dirname(path), { recursive: true }),
    catch: (e) => new FileError({ path, operation: "create folder", reason: reasonOf(e) })
  }).pipe(
    Effect.andThen(f(tmp)),
    Effect.tap(() =>
      Effect.tryPromise({
        try: () => rename(tmp, path),
        catch: (e) => new FileError({ path, operation: "rename", reason: reasonOf(e) })
      })
    ),
    Effect.onExit((exit) => (exit._tag === "Failure" ? Effect.promise(() => rm(tmp, { force: true })) : Effect.void))
  )
}

/** Writes text chunks to `path` atomically; chunks are buffered into large writes. Returns bytes written. */
export const writeTextAtomic = <E, R>(path: string, chunks: Stream.Stream<string, E, R>) =>
  withTempPath(path, (tmp) =>
    Effect.acquireUseRelease(
      Effect.tryPromise({
        try: () => open(tmp, "w"),
        catch: (e) => new FileError({ path, operation: "open", reason: reasonOf(e) })
      }),
      (handle) => {
        let pending: Array<string> = []
        let size = 0
        let total = 0
        const flush = Effect.suspend(() => {
          if (pending.length === 0) return Effect.void
          const data = pending.join("")
          pending = []
          size = 0
          return Effect.tryPromise({
            try: () => handle.writeFile(data, "utf8"),
            catch: (e) => new FileError({ path, operation: "write", reason: reasonOf(e) })
          })
        })
        return Stream.runForEach(chunks, (chunk) => {
          pending.push(chunk)
          size += chunk.length
          total += Buffer.byteLength(chunk)
          return size >= 1 << 20 ? flush : Effect.void
        }).pipe(
          Effect.andThen(flush),
          Effect.andThen(
            Effect.tryPromise({
              try: () => handle.sync(),
              catch: (e) => new FileError({ path, operation: "sync", reason: reasonOf(e) })
            })
          ),
          Effect.map(() => total)
        )
      },
      (handle) => Effect.promise(() => handle.close())
    )
  )
