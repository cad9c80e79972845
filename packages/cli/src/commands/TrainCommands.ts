/**
 * Training: train-config, the run folder from the corpus to a trained model.
 */
import { Command, Flag } from "effect/cli"
import { commaList, hereOption, lazily, withProject } from "./Context.ts"

const TrainCommand = lazily(() => import("../TrainCommand.ts"))

export const trainConfig = Command.make(
  "train-config",
  {
    framework: Flag.Literals("framework", ["llamafactory", "verl", "trl"] as const).pipe(
      Flag.withDescription(
        "llamafactory (SFT) or verl (GRPO): the release's trainers, with --stage both SFT on LLaMA-Factory then GRPO on verl; or trl (SFT only, with --stage sft: TRL's GRPOTrainer reads no video)"
      )
    ),
    base: Flag.Literals("base", ["qwen2.5-vl-7b", "qwen3-vl-8b"] as const).pipe(
      Flag.withDescription("the base model: Qwen2.5-VL-7B-Instruct or Qwen3-VL-8B-Instruct, as in the paper")
    ),
    stage: Flag.Literals("stage", ["sft", "grpo", "both"] as const).pipe(
      Flag.withDescription("which stages the folder runs (default both: SFT, then GRPO from its checkpoint)"),
      Flag.withDefault("both" as const)
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("the run folder to write (default: runs/<base>-<stage>/ in the project); it must not exist"),
      Flag.optional
    ),
    skills: Flag.String("skills").pipe(
      Flag.withDescription(
        "train on these skills only, e.g. VIDR,KNOWVID (the paper's skill ablations; default: all three)"
      ),
      Flag.optional
    ),
    direct: Flag.Boolean("direct").pipe(
      Flag.withDescription(
        "SFT targets with the answer alone, without the rationale (the paper's direct-answer ablation)"
      ),
      Flag.withDefault(false)
    ),
    corpus: Flag.String("corpus").pipe(
      Flag.withDescription(
        "train on another corpus in place of this one: a Video-R1-style JSON (or JSONL) file, as the difficulty report reads"
      ),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("print what would be written; write nothing"),
      Flag.withDefault(false)
    )
  },
  (args) =>
    withProject((p) =>
      TrainCommand.use((m) =>
        m.trainConfig(p, {
          framework: args.framework,
          base: args.base,
          stage: args.stage,
          out: hereOption(args.out),
          skills: commaList(args.skills),
          direct: args.direct,
          corpus: hereOption(args.corpus),
          dryRun: args.dryRun
        })
      )
    )
).pipe(
  Command.withDescription(
    "Write a run folder from the corpus to a trained model: the exported splits, the trainers' configs with the release's settings, the reward module, launch scripts (sft.sh, grpo.sh, eval.sh) and a README"
  )
)
