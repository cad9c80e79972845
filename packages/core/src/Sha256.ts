import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { Effect } from "effect"
import { FileError, reasonOf } from "./Errors.ts"

/** The sha256 of a file, read in 1 MiB chunks. */
export const sha256File = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      const hash = createHash("sha256")
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
      return hash.digest("hex")
    },
    catch: (e) => new FileError({ path, operation: "read", reason: reasonOf(e) })
  })
