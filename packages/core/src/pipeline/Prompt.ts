import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * Versioned prompt templates: Markdown files whose name carries the version ("verify.v1"). A template's
 * text is part of the input hash of every item it is used for (a check lists its templates in `prompts`),
 * so editing a prompt redoes exactly the items that used it.
 */
export interface PromptTemplate {
  readonly name: string
  readonly text: string
}

const builtins = new URL("../../prompts/", import.meta.url)

/**
 * The template `<name>.md`: by default one of videokr's own (packages/core/prompts/); a plugin keeps its
 * own beside its code and names them relative to its module, `promptTemplate("prompts/leak.v1", { from:
 * import.meta.url })`. A missing file is an error naming the path, when the plugin is loaded.
 */
export const promptTemplate = (name: string, options: { readonly from?: string | URL } = {}): PromptTemplate => {
  const url = new URL(`${name}.md`, options.from ?? builtins)
  try {
    return { name, text: readFileSync(url, "utf8") }
  } catch (e) {
    throw new Error(
      `prompt template "${name}": cannot read ${url.protocol === "file:" ? fileURLToPath(url) : url.href} (${e instanceof Error ? e.message : String(e)})`
    )
  }
}

/** Fills {{name}} placeholders; unknown names become empty. */
export const render = (template: string, values: Record<string, string | undefined>): string =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? "")

/** The knowledge point's fields as template values. */
export const knowledgePointValues = (kp: {
  readonly discipline: string
  readonly subject: string
  readonly course: string
  readonly lecture: string
  readonly knowledge_point: string
  readonly description?: string | undefined
}) => ({
  discipline: kp.discipline,
  subject: kp.subject,
  course: kp.course,
  lecture: kp.lecture,
  knowledge_point: kp.knowledge_point,
  description: kp.description ?? "(none)"
})

/**
 * A prompt in its two forms: for sampled frames (`{{frame_count}}` images) and for a model that takes the
 * video itself (`<name>.video.<version>.md`). A check lists both in `prompts`.
 */
export interface VisualPrompt {
  readonly frames: PromptTemplate
  readonly video: PromptTemplate
}

export const visualPrompt = (
  name: string,
  version: string,
  options: { readonly from?: string | URL } = {}
): VisualPrompt => ({
  frames: promptTemplate(`${name}.${version}`, options),
  video: promptTemplate(`${name}.video.${version}`, options)
})

/** The form of `prompt` for what `input` shows (frames or the video), rendered with `values` and the frame count. */
export const renderVisual = (
  prompt: VisualPrompt,
  input: { readonly frames: number | undefined },
  values: Record<string, string | undefined>
): string =>
  input.frames === undefined
    ? render(prompt.video.text, values)
    : render(prompt.frames.text, { ...values, frame_count: String(input.frames) })
