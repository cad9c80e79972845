import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { renderTaskDocs } from "../src/TaskDocs.ts"
import { tasks } from "../src/Tasks.ts"

describe("the tasks' documentation", () => {
  it("lists every task's layout, parameters and quirks as the code has them (regenerate: npm run docs:tasks)", () => {
    expect(readFileSync(new URL("../TASKS.md", import.meta.url), "utf8")).toBe(renderTaskDocs(Object.values(tasks)))
    for (const t of Object.values(tasks)) expect(t.quirks.length).toBeGreaterThan(0)
  })
})
