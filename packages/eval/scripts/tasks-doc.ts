// Writes packages/eval/TASKS.md from the task definitions (npm run docs:tasks).
import { writeFileSync } from "node:fs"
import { renderTaskDocs } from "../src/TaskDocs.ts"
import { tasks } from "../src/Tasks.ts"

writeFileSync(new URL("../TASKS.md", import.meta.url), renderTaskDocs(Object.values(tasks)))
