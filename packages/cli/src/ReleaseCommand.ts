import { cp, mkdir, rename, rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { Console, Effect, Stream } from "effect"
import {
  type CorpusStore,
  exportCorpus,
  type FileError,
  type Project,
  type StoreError,
  type UsageError,
  writeTextAtomic
} from "@videokr/core"
import { datasetCard } from "@videokr/eval"
import { formatBytes, table } from "./Output.ts"

/**
 * `videokr release`: a folder ready to upload to a dataset hub: the split files (data/sft.jsonl,
 * data/rl.jsonl in the VideoKR format), the Hugging Face card (README.md with its YAML header), the
 * Croissant metadata (croissant.json) and SHA256SUMS. Made in a scratch folder and moved into place whole.
 */
export const release = (
  project: Project,
  options: { readonly out: string; readonly name: string }
): Effect.Effect<void, FileError | StoreError | UsageError, CorpusStore.CorpusStore> =>
  Effect.gen(function* () {
    const out = resolve(project.dir, options.out)
    const staging = `${out}.${process.pid}.tmp`
    yield* Effect.promise(() => rm(staging, { recursive: true, force: true }))
    const made = yield* Effect.gen(function* () {
      const exported = join(staging, ".export")
      yield* exportCorpus("videokr", { outDir: exported })
      yield* Effect.promise(async () => {
        await mkdir(join(staging, "data"), { recursive: true })
        for (const split of ["sft", "rl"])
          await cp(join(exported, "videokr", `${split}.jsonl`), join(staging, "data", `${split}.jsonl`)).catch(
            () => undefined
          )
        await rm(exported, { recursive: true, force: true })
      })
      const card = yield* datasetCard(options.name, join(staging, "data"), project.config.review)
      yield* writeTextAtomic(join(staging, "README.md"), Stream.make(card.readme))
      yield* writeTextAtomic(
        join(staging, "croissant.json"),
        Stream.make(JSON.stringify(card.croissant, null, 2) + "\n")
      )
      // sha256sum's format, so that `sha256sum -c SHA256SUMS` checks the upload
      yield* writeTextAtomic(
        join(staging, "SHA256SUMS"),
        Stream.make(card.files.map((f) => `${f.sha256}  ${f.path}\n`).join(""))
      )
      yield* Effect.promise(async () => {
        await rm(out, { recursive: true, force: true })
        await rename(staging, out)
      })
      return card
    }).pipe(Effect.onError(() => Effect.promise(() => rm(staging, { recursive: true, force: true }))))
    yield* Console.log(
      table(
        ["file", "split", "records", "size", "sha256"],
        made.files.map((f) => [f.path, f.split, f.records, formatBytes(f.bytes), f.sha256.slice(0, 16) + "…"])
      )
    )
    yield* Console.log(
      `release folder: ${out} (README.md, croissant.json, SHA256SUMS, data/); upload it as a dataset, e.g. huggingface-cli upload <org>/<name> ${options.out} --repo-type dataset`
    )
  })
