import { Console, Effect, Schema } from "effect"
import {
  CorpusStore,
  isProviderError,
  structured,
  loadPlugins,
  type ModelsConfig,
  parseModelId,
  type ProviderError,
  providerKey,
  type Project,
  recordModelCall,
  storageOf
} from "@videokr/core"
import {
  makeModels,
  middlewareLayer,
  modelCheckPrompts,
  renderFailureSummary,
  summarizeFailures
} from "@videokr/providers"
import { table } from "./Output.ts"

/** Every model id the configuration mentions: pool members, prices and limits. */
export const configuredModels = (config: ModelsConfig): Array<string> =>
  [
    ...new Set([
      ...Object.values(config.pools ?? {}).flatMap((members) => members.map((m) => m.model)),
      ...Object.keys(config.prices ?? {}),
      ...Object.keys(config.limits ?? {})
    ])
  ].sort()

const keyVariable = (config: ModelsConfig, id: string): string | undefined => {
  const parsed = parseModelId(id)
  if (!("model" in parsed)) return undefined
  const settings = config.providers?.[providerKey(parsed)]
  return (
    settings?.apiKeyEnv ??
    ({ openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" } as Record<string, string>)[parsed.provider]
  )
}

export const listModels = (project: Project) =>
  Effect.gen(function* () {
    const config = project.config.models ?? {}
    const ids = configuredModels(config)
    if (ids.length === 0)
      return yield* Console.log(
        `No models configured; add them under models: { pools, prices, limits } in ${project.configPath}`
      )
    yield* Console.log(
      table(
        ["model", "key variable", "price in / out ($/1M)", "limits"],
        ids.map((id) => {
          const v = keyVariable(config, id)
          const price = config.prices?.[id]
          const limits = config.limits?.[id]
          return [
            id,
            v === undefined ? "-" : `${v} (${process.env[v] ? "set" : "not set"})`,
            price === undefined ? "-" : `${price.input} / ${price.output}`,
            limits === undefined
              ? "learned"
              : Object.entries(limits)
                  .map(([k, n]) => `${k} ${n}`)
                  .join(", ")
          ]
        })
      )
    )
    for (const [pool, members] of Object.entries(config.pools ?? {})) {
      yield* Console.log(
        `\npool ${pool}\n` +
          table(
            ["model", "weight", "excluded from"],
            members.map((m) => [m.model, m.weight ?? 1, (m.exclude ?? []).join(", ") || "-"])
          )
      )
    }
  })

/** A 1x1 PNG: enough to learn whether a model takes images. */
const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
const Probe = Schema.Struct({ ok: Schema.Boolean })

/** One tiny request per model, bypassing the cache: latency, and whether text, images and JSON work. */
export const checkModels = (project: Project, ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore.CorpusStore
    const config = project.config.models ?? {}
    const plugins = yield* loadPlugins(project)
    const models = yield* makeModels({
      config,
      plugins,
      env: process.env,
      cache: { dir: storageOf(project).cache, mode: "off" },
      retry: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000 },
      record: (call) => Effect.ignore(recordModelCall(call).pipe(Effect.provideService(CorpusStore.CorpusStore, store)))
    })
    const targets = ids.length > 0 ? ids : configuredModels(config)
    if (targets.length === 0) return yield* Console.log("No models to check: name them, or configure some")
    const rows: Array<Array<string>> = []
    const failures: Array<ProviderError> = []
    let failed = 0
    for (const id of targets) {
      const outcome = yield* Effect.result(models.resolve(id, { stage: "models check" }))
      if (outcome._tag === "Failure") {
        failed++
        rows.push([id, "-", "no", "-", "-", outcome.failure.message])
        continue
      }
      const model = outcome.success
      const started = performance.now()
      const text = yield* Effect.result(
        model.chat({
          messages: [{ role: "user", content: modelCheckPrompts.text }],
          params: { maxTokens: 16, temperature: 0 }
        })
      )
      const latency = performance.now() - started
      const image = yield* Effect.result(
        model.chat({
          messages: [
            {
              role: "user",
              content: [
                { type: "image", mediaType: "image/png", data: pixel },
                { type: "text", text: modelCheckPrompts.image }
              ]
            }
          ],
          params: { maxTokens: 16, temperature: 0 }
        })
      )
      const json = yield* Effect.result(
        structured(
          { id: model.id, chat: (r) => model.chat(r) },
          {
            model: id,
            messages: [{ role: "user", content: modelCheckPrompts.json }],
            params: { maxTokens: 32, temperature: 0 }
          },
          Probe,
          "probe"
        )
      )
      if (text._tag === "Failure") failed++
      for (const r of [text, image, json])
        if (r._tag === "Failure" && isProviderError(r.failure)) failures.push(r.failure)
      const yesNo = (r: { _tag: string }) => (r._tag === "Success" ? "yes" : "no")
      const problem = [text, image, json].find((r) => r._tag === "Failure") as
        | { failure?: { message: string } }
        | undefined
      rows.push([
        id,
        `${latency.toFixed(0)} ms`,
        yesNo(text),
        yesNo(image),
        yesNo(json),
        problem?.failure?.message ?? ""
      ])
    }
    yield* Console.log(table(["model", "latency", "text", "images", "json", "problem"], rows))
    if (failures.length > 0) yield* Console.log("\n" + renderFailureSummary(summarizeFailures(failures)))
    if (failed > 0) return yield* Effect.fail(new ModelsCheckFailed({ failed, total: targets.length }))
  }).pipe(Effect.provide(middlewareLayer))

export class ModelsCheckFailed extends Schema.TaggedError<ModelsCheckFailed>()("ModelsCheckFailed", {
  failed: Schema.Number,
  total: Schema.Number
}) {
  override get message() {
    return `${this.failed} of ${this.total} model(s) did not answer`
  }
}
