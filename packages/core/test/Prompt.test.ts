import { describe, expect, it } from "vitest"
import { fileURLToPath } from "node:url"
import { promptTemplate, render } from "../src/index.ts"

describe("prompt templates", () => {
  it("are videokr's own by default, and a plugin's own relative to its module", () => {
    expect(promptTemplate("verify.v1").text).toMatch(/\S/)
    const own = promptTemplate("fixtures/prompts/leak.v1", { from: import.meta.url })
    expect(own).toEqual({ name: "fixtures/prompts/leak.v1", text: "Is {{thing}} stated in the question?\n" })
    expect(render(own.text, { thing: "the answer" })).toBe("Is the answer stated in the question?\n")
  })

  it("name the file they looked for when it is missing", () => {
    const path = fileURLToPath(new URL("fixtures/prompts/leak.v2.md", import.meta.url))
    expect(() => promptTemplate("fixtures/prompts/leak.v2", { from: import.meta.url })).toThrow(
      `prompt template "fixtures/prompts/leak.v2": cannot read ${path}`
    )
  })
})
