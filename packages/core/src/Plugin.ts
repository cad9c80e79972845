import type { Redacted } from "effect"
import type { ProviderSettings } from "./Config.ts"
import type { ExampleValidator, VideoFilter } from "./Filter.ts"
import type { ChatRequest, ModelProviderShape } from "./ModelProvider.ts"
import type { VideoSourceShape } from "./VideoSource.ts"

/**
 * The plugin contract. A plugin is a module whose default export is `definePlugin({...})`; the
 * project lists it in `plugins` of videokr.config.ts (a path relative to the project, or a package).
 * Built-in providers use the same contract, and the built-in filters and validators are made the same
 * way as a plugin's (see `pipeline.checks` in the config).
 */

/** Makes a provider for model ids "<prefix>:<model>"; `key` is the provider part of the id. */
export type ProviderFactory = (args: {
  readonly key: string
  readonly settings: ProviderSettings
  readonly apiKey: Redacted.Redacted<string> | undefined
}) => ModelProviderShape

/** A rule of the scripted model: when the request matches, answer with `reply`. */
export interface ScriptedRule {
  readonly when: RegExp | ((request: ChatRequest) => boolean)
  readonly reply: string | ((request: ChatRequest) => string)
}

export interface VideokrPlugin {
  readonly name: string
  /** providers by id prefix, e.g. { "mistral": (args) => ... } serves "mistral:<model>" */
  readonly providers?: Readonly<Record<string, ProviderFactory>>
  /** the environment variable that holds each provider's key, when it has one */
  readonly apiKeyEnv?: Readonly<Record<string, string>>
  /** scripts for the scripted model, served as "scripted:<name>" */
  readonly scripts?: Readonly<Record<string, ReadonlyArray<ScriptedRule>>>
  /** filters of (video, knowledge point) candidates by id, for `pipeline.checks` */
  readonly filters?: Readonly<Record<string, (args: CheckArgs) => VideoFilter>>
  /** validators of generated examples by id, for `pipeline.checks` */
  readonly validators?: Readonly<Record<string, (args: CheckArgs) => ExampleValidator>>
  /** video sources by name, for `pipeline.sources` entries `{ use: "<name>", options: {...} }` */
  readonly sources?: Readonly<Record<string, (args: SourceArgs) => VideoSourceShape>>
}

/** What a source is made with: its options from the config, and the project folder. */
export interface SourceArgs {
  readonly options: Readonly<Record<string, unknown>>
  readonly projectDir: string
}

/** What a check is made with: its model (or pool) and options from the config, and the project folder. */
export interface CheckArgs {
  readonly model: string | undefined
  readonly options: Readonly<Record<string, unknown>>
  readonly projectDir: string
}

/** Typed identity, so that editors check a plugin module. */
export const definePlugin = (plugin: VideokrPlugin): VideokrPlugin => plugin
