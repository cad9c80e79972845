import { Schema } from "effect"
import { Discipline, ProblemType, Skill } from "./Taxonomy.ts"

/** The project configuration, `videokr.config.ts` (`export default defineConfig({...})`). */
/** Price of a model in US dollars per million tokens. */
export const Price = Schema.Struct({ input: Schema.Finite, output: Schema.Finite })
export type Price = typeof Price.Type

/** Limits of one model; learned from the provider's rate-limit headers where absent. */
export const Limits = Schema.Struct({
  requestsPerMinute: Schema.optionalKey(Schema.Int),
  tokensPerMinute: Schema.optionalKey(Schema.Int),
  concurrency: Schema.optionalKey(Schema.Int)
})
export type Limits = typeof Limits.Type

/** Where a provider is and which environment variable holds its key (the key itself is never in config). */
export const ProviderSettings = Schema.Struct({
  apiKeyEnv: Schema.optionalKey(Schema.String),
  baseURL: Schema.optionalKey(Schema.String),
  timeoutMs: Schema.optionalKey(Schema.Int),
  /** OpenAI-compatible servers: what the server can take */
  maxImages: Schema.optionalKey(Schema.Int),
  jsonMode: Schema.optionalKey(Schema.Literals(["json_schema", "json_object", "none"])),
  videoUrl: Schema.optionalKey(Schema.Boolean)
})
export type ProviderSettings = typeof ProviderSettings.Type

/** A named pool: models with weights, drawn per item with a seed; `exclude` lists steps a model may not serve. */
export const PoolMember = Schema.Struct({
  model: Schema.String,
  weight: Schema.optionalKey(Schema.Finite),
  exclude: Schema.optionalKey(Schema.Array(Schema.String))
})
export type PoolMember = typeof PoolMember.Type

export const ModelsConfig = Schema.Struct({
  /** settings per provider: "openai", "anthropic", or an OpenAI-compatible base URL */
  providers: Schema.optionalKey(Schema.Record(Schema.String, ProviderSettings)),
  /** per model id, e.g. "openai:gpt-4o": { input: 2.5, output: 10 } */
  prices: Schema.optionalKey(Schema.Record(Schema.String, Price)),
  limits: Schema.optionalKey(Schema.Record(Schema.String, Limits)),
  pools: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(PoolMember))),
  /** the seed of pool draws ("pool:<name>" in pipeline.models): the same seed and item always draw the same model */
  poolSeed: Schema.optionalKey(Schema.Int),
  /** the response cache folder, relative to the project (default .videokr/cache) */
  cacheDir: Schema.optionalKey(Schema.String),
  /** retries of one call on 429, 5xx, timeouts and unusable answers (default 6 attempts, 0.5 s doubling to 60 s) */
  retry: Schema.optionalKey(
    Schema.Struct({
      maxAttempts: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
      baseDelayMs: Schema.optionalKey(Schema.Finite),
      maxDelayMs: Schema.optionalKey(Schema.Finite)
    })
  ),
  /**
   * a model's circuit: it opens after `failures` server errors in a row (default 5); its calls then wait,
   * with a probe after `firstProbeSeconds` (10) doubling to `maxProbeSeconds` (300); a call gives up (its
   * item stays pending) after waiting `maxWaitMinutes` (30)
   */
  circuit: Schema.optionalKey(
    Schema.Struct({
      failures: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
      firstProbeSeconds: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
      maxProbeSeconds: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
      maxWaitMinutes: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0)))
    })
  )
})
export type ModelsConfig = typeof ModelsConfig.Type

export const VideokrConfig = Schema.Struct({
  /** the corpus file, relative to the project folder */
  corpus: Schema.optionalKey(Schema.String),
  /** where `videokr export` writes, relative to the project folder */
  exportDir: Schema.optionalKey(Schema.String),
  split: Schema.optionalKey(
    Schema.Struct({
      seed: Schema.optionalKey(Schema.Int),
      sftFraction: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
    })
  ),
  models: Schema.optionalKey(ModelsConfig),
  /** the construction pipeline: which model each stage uses, where videos come from, what they must be */
  pipeline: Schema.optionalKey(
    Schema.Struct({
      models: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
      sources: Schema.optionalKey(
        Schema.Array(
          Schema.Union([
            Schema.Struct({
              type: Schema.Literal("local"),
              root: Schema.String,
              sidecar: Schema.optionalKey(Schema.String),
              glob: Schema.optionalKey(Schema.String),
              license: Schema.optionalKey(Schema.String)
            }),
            Schema.Struct({
              type: Schema.Literal("youtube"),
              ytdlp: Schema.optionalKey(Schema.String),
              maxHeight: Schema.optionalKey(Schema.Int)
            }),
            Schema.Struct({ type: Schema.Literal("urls"), list: Schema.String }),
            /** a source a plugin provides, by the name it gives it, with its options */
            Schema.Struct({
              use: Schema.String,
              options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
            })
          ])
        )
      ),
      gates: Schema.optionalKey(
        Schema.Struct({
          /** regular expressions a license must match (default: Creative Commons) */
          licenses: Schema.optionalKey(Schema.Array(Schema.String)),
          minDuration: Schema.optionalKey(Schema.Finite),
          maxDuration: Schema.optionalKey(Schema.Finite),
          /** candidates per scenario and source */
          perScenario: Schema.optionalKey(Schema.Int)
        })
      ),
      /** stage 0: subjects whose knowledge points a model proposes (added unreviewed; `videokr kb accept`) */
      expand: Schema.optionalKey(
        Schema.Struct({
          subjects: Schema.Array(
            Schema.Struct({
              discipline: Discipline,
              subject: Schema.String,
              courses: Schema.optionalKey(Schema.Array(Schema.String))
            })
          ),
          /** knowledge points asked for per subject (default 20) */
          count: Schema.optionalKey(Schema.Int)
        })
      ),
      /**
       * stages whose requests go to the providers' batch APIs (OpenAI Batch, Anthropic Message Batches:
       * half the price, answers within a day): each round of a stage's items is submitted as one batch and
       * polled every `batchPollSeconds` (default 30); repairs and later calls of an item are asked live
       */
      batch: Schema.optionalKey(Schema.Array(Schema.String)),
      batchPollSeconds: Schema.optionalKey(Schema.Finite),
      /**
       * an item whose model failed transiently (outage, 429 storm, unusable answers) is asked again in the
       * same run: up to `attempts` times (default 5), `delaySeconds` apart (5) doubling to `maxDelaySeconds`
       * (120); then it stays pending for the next run
       */
      retry: Schema.optionalKey(
        Schema.Struct({
          attempts: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
          delaySeconds: Schema.optionalKey(Schema.Finite),
          maxDelaySeconds: Schema.optionalKey(Schema.Finite)
        })
      ),
      /** items in flight per stage (default: --concurrency) */
      concurrency: Schema.optionalKey(Schema.Record(Schema.String, Schema.Int.check(Schema.isGreaterThan(0)))),
      /** frames the multimodal stages see: evenly sampled, each within a pixel budget */
      frames: Schema.optionalKey(
        Schema.Struct({ count: Schema.optionalKey(Schema.Int), maxPixels: Schema.optionalKey(Schema.Int) })
      ),
      generation: Schema.optionalKey(
        Schema.Struct({
          perSkill: Schema.optionalKey(Schema.Int),
          skills: Schema.optionalKey(Schema.Array(Skill)),
          problemTypes: Schema.optionalKey(Schema.Array(ProblemType)),
          /** seed examples per prompt */
          shots: Schema.optionalKey(Schema.Int)
        })
      ),
      consistency: Schema.optionalKey(
        Schema.Struct({ k: Schema.optionalKey(Schema.Int), threshold: Schema.optionalKey(Schema.Finite) })
      ),
      dependency: Schema.optionalKey(Schema.Struct({ threshold: Schema.optionalKey(Schema.Finite) })),
      /** evaluation benchmarks the corpus must not overlap: metadata files and video folders as released */
      benchmarks: Schema.optionalKey(
        Schema.Array(Schema.Struct({ name: Schema.String, paths: Schema.Array(Schema.String) }))
      ),
      nearDuplicates: Schema.optionalKey(
        Schema.Struct({ maxDistance: Schema.optionalKey(Schema.Int), minMatches: Schema.optionalKey(Schema.Int) })
      ),
      /** what the release stage exports (default: every format) */
      release: Schema.optionalKey(
        Schema.Struct({
          formats: Schema.optionalKey(Schema.Array(Schema.Literals(["videokr", "llamafactory", "verl", "trl"]))),
          verlValSize: Schema.optionalKey(Schema.Int)
        })
      ),
      /**
       * filters and validators from plugins: `use` names one a plugin provides; it runs after the stage
       * `after`, or in place of the built-in stage `replaces`
       */
      checks: Schema.optionalKey(
        Schema.Array(
          Schema.Struct({
            use: Schema.String,
            after: Schema.optionalKey(Schema.String),
            replaces: Schema.optionalKey(Schema.String),
            model: Schema.optionalKey(Schema.String),
            options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
          })
        )
      )
    })
  ),
  /** `videokr eval`: where each benchmark's released files are, frames, the judge and where results go */
  eval: Schema.optionalKey(
    Schema.Struct({
      /** task name -> folder holding the task's files as released (relative to the project folder) */
      data: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
      /** results in the LMMs-Eval layout go under this folder (default "eval-results") */
      outputDir: Schema.optionalKey(Schema.String),
      /** frames per video as the reference runs (fps 2, at most 128, at least 4, 200,704 pixels each) */
      frames: Schema.optionalKey(
        Schema.Struct({
          fps: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
          maxFrames: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
          minFrames: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
          maxPixels: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
        })
      ),
      /** the judge of open-ended answers (a model id); without one they are reported as skipped */
      judge: Schema.optionalKey(Schema.String),
      concurrency: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
    })
  ),
  /** the leaderboard site (`videokr site`) */
  site: Schema.optionalKey(
    Schema.Struct({
      /**
       * the board's judge of open-ended answers (a model id, pinned: e.g. a dated snapshot): `videokr site
       * judge` asks it and `videokr site build` uses its stored verdicts only
       */
      judge: Schema.optionalKey(Schema.String),
      /** where the judge's verdicts are stored, beside the submissions (default "verdicts") */
      verdicts: Schema.optionalKey(Schema.String)
    })
  ),
  /** human quality control: a model serves a step only when reviewers find fewer errors than this in a sample */
  review: Schema.optionalKey(
    Schema.Struct({
      /** the highest error rate a model may have on a step (default 0.03) */
      maxErrorRate: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
      /** reviewed outputs needed before a verdict (default 100) */
      sampleSize: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
      /** whether a model not yet reviewed enough for a step may serve it: "allow" (default) or "exclude" */
      unreviewed: Schema.optionalKey(Schema.Literals(["allow", "exclude"]))
    })
  ),
  /** plugin modules: paths relative to the project folder, or package names */
  plugins: Schema.optionalKey(Schema.Array(Schema.String)),
  store: Schema.optionalKey(
    Schema.Struct({
      memoryLimit: Schema.optionalKey(Schema.String),
      threads: Schema.optionalKey(Schema.Int)
    })
  ),
  /**
   * where downloads, the response cache, sampled frames and the model-call journals live (default: the
   * project folder): for a run spread over workers, a folder every machine sees (an NFS mount), so that
   * a video is downloaded once and a paid answer is reused by any worker
   */
  storage: Schema.optionalKey(Schema.Struct({ root: Schema.optionalKey(Schema.String) })),
  /** a run spread over workers (`videokr run --queue`, `videokr worker`) */
  queue: Schema.optionalKey(
    Schema.Struct({
      /** the prefix of every Redis key of this project's queues (default "videokr"): one per project sharing a Redis */
      prefix: Schema.optionalKey(Schema.String),
      /** how long a job may go without its worker's heartbeat before another worker takes it (default 30) */
      stalledSeconds: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
    })
  )
}).annotate({ identifier: "VideokrConfig" })
export type VideokrConfig = typeof VideokrConfig.Type

/** Typed identity, so that editors check `videokr.config.ts`. */
export const defineConfig = (config: VideokrConfig): VideokrConfig => config

export const configDefaults = { corpus: "corpus.duckdb", exportDir: "exports" } as const
