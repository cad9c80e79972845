import type { Task } from "./Task.ts"
import { task as longVideoBench } from "./tasks/LongVideoBench.ts"
import { task as mmvu, taskCot as mmvuCot } from "./tasks/Mmvu.ts"
import { task as mvBench } from "./tasks/MvBench.ts"
import { task as sciVideoBench } from "./tasks/SciVideoBench.ts"
import { task as videoKrEval } from "./tasks/VideoKrEval.ts"
import { task as videoMme } from "./tasks/VideoMme.ts"
import { task as videoMmmu } from "./tasks/VideoMmmu.ts"

/** Every task `videokr eval` knows, by its LMMs-Eval name, in the main table's order (then variants). */
export const tasks: Readonly<Record<string, Task>> = Object.fromEntries(
  [videoMme, mvBench, longVideoBench, videoMmmu, mmvu, sciVideoBench, videoKrEval, mmvuCot].map((t) => [t.name, t])
)
