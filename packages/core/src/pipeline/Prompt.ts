import { readFileSync } from "node:fs"

/**
 * Versioned prompt templates (packages/core/prompts/<name>.md). A template's name carries its version
 * and its text is part of the input hash of every item it is used for, so editing a prompt redoes
 * exactly the items that used it.
 */
export interface PromptTemplate {
  readonly name: string
  readonly text: string
}

export const promptTemplate = (name: string): PromptTemplate => ({ name, text: readFileSync(new URL(`../../prompts/${name}.md`, import.meta.url), "utf8") })

/** Fills {{name}} placeholders; unknown names become empty. */
export const render = (template: string, values: Record<string, string | undefined>): string =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? "")

/** The knowledge point's fields as template values. */
export const knowledgePointValues = (kp: { readonly discipline: string; readonly subject: string; readonly course: string; readonly lecture: string; readonly knowledge_point: string; readonly description?: string | undefined }) => ({
  discipline: kp.discipline, subject: kp.subject, course: kp.course, lecture: kp.lecture, knowledge_point: kp.knowledge_point, description: kp.description ?? "(none)"
})
