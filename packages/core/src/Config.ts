import { Schema } from "effect"

/** The project configuration, `videokr.config.ts` (`export default defineConfig({...})`). */
export const VideokrConfig = Schema.Struct({
  /** the corpus file, relative to the project folder */
  corpus: Schema.optionalKey(Schema.String),
  /** where `videokr export` writes, relative to the project folder */
  exportDir: Schema.optionalKey(Schema.String),
  split: Schema.optionalKey(Schema.Struct({
    seed: Schema.optionalKey(Schema.Int),
    sftFraction: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
  })),
  store: Schema.optionalKey(Schema.Struct({
    memoryLimit: Schema.optionalKey(Schema.String),
    threads: Schema.optionalKey(Schema.Int)
  }))
}).annotate({ identifier: "VideokrConfig" })
export type VideokrConfig = typeof VideokrConfig.Type

/** Typed identity, so that editors check `videokr.config.ts`. */
export const defineConfig = (config: VideokrConfig): VideokrConfig => config

export const configDefaults = { corpus: "corpus.duckdb", exportDir: "exports" } as const
