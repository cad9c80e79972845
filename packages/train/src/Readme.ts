import type { Base, SftTrainer } from "./Bases.ts"
import { boardTasks } from "./Scripts.ts"
import { trlSftScriptFile } from "./Trl.ts"

/**
 * The run folder's README: what is in it, what to install (the release's environments), the steps in
 * order, and what the release says of the hardware and time its setup took.
 */
export const runReadme = (o: {
  readonly base: Base
  readonly version: string
  readonly videoDir: string
  readonly sft: SftTrainer | undefined
  readonly grpo: "verl" | undefined
}) => {
  const steps: Array<string> = []
  if (o.sft !== undefined)
    steps.push(
      `**SFT** (${o.sft === "trl" ? "TRL" : "LLaMA-Factory"}, one epoch over the SFT set): \`bash sft.sh\`. Set \`GPUS\`, \`MODEL\` (default ` +
        `\`${o.base.huggingFace}\`), \`VIDEO_DIR\` (the folder the data's relative video paths start from; default \`${o.videoDir}\`, where the corpus is), and \`OUTPUT_DIR\`` +
        " (default `saves/sft`). The settings are in `sft.yaml`, each with its source." +
        (o.sft === "trl" ? " A run stopped part-way goes on from its last checkpoint when started again." : "")
    )
  if (o.grpo !== undefined)
    steps.push(
      "**GRPO** (verl, one epoch over the RL set, 32 prompts a step, 8 rollouts each): `bash grpo.sh`. " +
        "`MODEL_PATH` is the model it starts from (" +
        (o.sft === undefined
          ? `default \`${o.base.huggingFace}\`; the paper starts from its SFT checkpoint`
          : "default: the SFT checkpoint") +
        "); set `N_GPUS`, `NNODES` and `GPUS` for your machine. The reward is `videokr_reward.py` " +
        "(0.9 × accuracy + 0.1 × format; exact match for multiple choice, mean ROUGE-1/2/L F for open-ended), " +
        "loaded as verl's custom reward function. Then merge the last checkpoint into Hugging Face format: " +
        "`python3 -m verl.model_merger merge --backend fsdp --local_dir outputs/grpo/checkpoints/global_step_<N>/actor --target_dir outputs/grpo/merged_hf`."
    )
  steps.push(
    `**Evaluate and submit**: \`bash eval.sh\` serves the checkpoint (\`CHECKPOINT\`) with vLLM, runs \`videokr eval\` on ${boardTasks.join(", ")} in the videokr project (\`PROJECT\`), and, with \`ORG\` and \`CONTACT\` set, makes a leaderboard submission (\`videokr submit\`) to open a pull request with.`
  )
  return [
    `# VideoKR post-training run: ${o.base.huggingFace}`,
    "",
    `Written by \`videokr train-config\` (videokr ${o.version}). The method's recipe: SFT for one epoch on the`,
    "SFT set, then GRPO for one epoch on the RL set, frames at 2 fps between 4 and 128. `manifest.json` lists",
    "every file with its sha256 and the options this folder was made with.",
    "",
    "## What is here",
    "",
    ...(o.sft === undefined
      ? []
      : o.sft === "trl"
        ? [
            "- `data/trl/`: the SFT split as TRL conversations with a video slot (`sft.jsonl`; `rl.jsonl` is the RL split).",
            `- \`sft.yaml\`, \`${trlSftScriptFile}\`, \`ds_z3_config.json\`, \`sft.sh\`: the SFT stage. TRL's SFTTrainer collates`,
            "  images but not videos, so the script brings the video collation (qwen-vl-utils, the frames of FORMATS.md)",
            "  and the loss on the assistant's turn, as LLaMA-Factory's; the release's settings are in TRL's names.",
            "- GRPO is not a TRL stage: TRL's GRPOTrainer reads no video (huggingface/trl#4144). Run it with verl:",
            "  `videokr train-config --framework verl --stage grpo`, with `MODEL_PATH` set to this folder's `saves/sft`."
          ]
        : [
            "- `data/llamafactory/`: the SFT split as LLaMA-Factory reads it (`videokr_train.json`) and its `dataset_info.json`.",
            "- `sft.yaml`, `ds_z3_config.json`, `sft.sh`: the SFT stage."
          ]),
    ...(o.grpo === undefined
      ? []
      : [
          `- \`data/verl/\`: the RL split as verl reads it (\`train.parquet\`, \`test.parquet\`: 500 held out, seed 42), each video by its absolute path under \`${o.videoDir}\` (the release's \`--video_base_dir\`): on another machine, give the videos the same paths or run \`videokr train-config\` there.`,
          "- `grpo.sh`, `videokr_reward.py`: the GRPO stage and its reward (Python 3 with NLTK: `pip install nltk`)."
        ]),
    "- `eval.sh`: serve, evaluate, submit.",
    "",
    "## Install",
    "",
    "As the release (Fu-Fu-Fu-Fu/VideoKR) does, one environment per stage, Python 3.11:",
    "",
    ...(o.sft === undefined
      ? []
      : o.sft === "trl"
        ? [
            '- SFT: TRL 1.9 with the transformers of the release\'s verl environment: `pip install "trl==1.9.0"',
            '  "transformers==4.57.6" torch deepspeed accelerate datasets flash-attn "qwen-vl-utils[decord]>=0.0.14"`',
            "  (qwen-vl-utils 0.0.14 reads Qwen3-VL's 16-pixel patches and frame timestamps)."
          ]
        : [
            "- SFT: the release's LLaMA-Factory (`cd VideoKR/llamafactory && pip install -e . -r requirements/deepspeed.txt`),",
            "  or LLaMA-Factory 0.9.5 or later with DeepSpeed."
          ]),
    ...(o.grpo === undefined
      ? []
      : [
          "- GRPO: the release's verl (`cd VideoKR/verl`, then `pip install torch==2.8.0 torchvision==0.23.0 torchaudio==2.8.0",
          '  xformers==0.0.32.post1`, `pip install "vllm==0.11.0" "transformers==4.57.6" "ray[default]==2.55.1" "numpy==1.26.4"`,',
          '  `pip install -e ".[vllm,gpu]" --no-build-isolation`, `pip install qwen-vl-utils nltk`). Upstream verl 0.8 runs the',
          "  same overrides; the release's copy adds a Qwen3-VL video patch (`VERL_PATCH_QWEN3_VIDEO`)."
        ]),
    "- Evaluation: vLLM (`pip install vllm`) and the `videokr` command.",
    "",
    "## Run",
    "",
    ...steps.map((s, i) => `${i + 1}. ${s}`),
    "",
    "## Hardware and time",
    "",
    "The release does not say which GPUs the paper used or how long its runs took. Its GRPO script defaults",
    "to 8 GPUs on one node (`N_GPUS`, `NNODES`); its SFT uses every visible GPU with DeepSpeed ZeRO-3 at a",
    "per-GPU batch of 1 and 4 accumulation steps, so the global batch is 4 × the number of GPUs.",
    ""
  ].join("\n")
}
