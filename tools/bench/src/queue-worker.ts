/**
 * A worker process of the queue benchmark: `queue-worker.ts <redis url> <model> <rpm> <concurrency> <frames dir> <cache dir>`.
 * Its models have the benchmark's limit, held with the other workers through Redis; it runs until SIGTERM.
 */
import { Effect, Layer } from "effect"
import { NodeRuntime } from "@effect/platform-node"
import { Media, ModelRegistry } from "@videokr/core"
import { testVideos } from "@videokr/core/testing"
import { makeModels, registryOf } from "@videokr/providers"
import { defaultPrefix, parseQueueUrl, runWorker, withGlobalLimits } from "@videokr/queue"
import { benchStage } from "./queue-stage.ts"

const [url, model, rpm, concurrency, framesDir, cacheDir, items] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string
]
const address = parseQueueUrl(url)
const clips = Object.values(testVideos()).filter((p) => /(base|lecture|life|bars|mandelbrot)\.mp4$/.test(p))

const config = { limits: { [model]: { requestsPerMinute: Number(rpm) } } }

const program = Effect.gen(function* () {
  const models = yield* makeModels({ config, env: {}, cache: { dir: cacheDir, mode: "off" } })
  const services = Layer.mergeAll(
    Layer.succeed(ModelRegistry, registryOf(models, config)),
    Media.layer({ cacheDir: framesDir })
  )
  yield* runWorker({
    address,
    prefix: defaultPrefix,
    stages: [benchStage(model, clips, Number(items))],
    concurrency: Number(concurrency),
    config: "bench"
  }).pipe(Effect.provide(services))
}).pipe(withGlobalLimits(address, defaultPrefix, config))
NodeRuntime.runMain(program)
