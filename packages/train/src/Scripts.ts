import type { Base } from "./Bases.ts"
import { shellWord, type Variable, variableLines } from "./Shell.ts"
import type { Override } from "./Verl.ts"

/**
 * The run folder's launch scripts: sft.sh (LLaMA-Factory), grpo.sh (verl) and eval.sh (the checkpoint
 * served by vLLM, evaluated on the seven benchmarks by videokr, and submitted to the board). Each starts
 * with the variables a user sets (GPUs, paths, model), read from the environment first; extra arguments
 * go to the trainer.
 */
const preamble = (what: ReadonlyArray<string>) => [
  "#!/usr/bin/env bash",
  ...what.map((l) => `# ${l}`),
  "set -euo pipefail",
  'cd "$(dirname "${BASH_SOURCE[0]}")"',
  'RUN_DIR="$(pwd)"',
  ""
]

const gpuLines = ['if [ -n "$GPUS" ]; then', '  export CUDA_VISIBLE_DEVICES="$GPUS"', "fi"]

/** The SFT scripts' variables: LLaMA-Factory's and TRL's take the same. */
const sftVariables = (base: Base, videoDir: string, mediaDir: string): ReadonlyArray<Variable> => [
  { name: "MODEL", default: base.huggingFace, about: "the base model: a Hugging Face id or a local folder" },
  { name: "GPUS", default: "", about: "which GPUs, e.g. 0,1,2,3 (default: every visible one)" },
  {
    name: "VIDEO_DIR",
    default: videoDir,
    about: `the folder the data's relative video paths start from (${mediaDir}; default: where the corpus is)`
  },
  {
    name: "OUTPUT_DIR",
    default: "${RUN_DIR}/saves/sft",
    expands: true,
    about: "the SFT checkpoint goes here; grpo.sh and eval.sh start from it"
  },
  { name: "REPORT_TO", default: "none", about: "none, wandb, tensorboard, ..." }
]

// as the release's llamafactory/local_script/train_videokr.sh: decord retries a video's last frames this often
const decordRetries = 'export DECORD_EOF_RETRY_MAX="${DECORD_EOF_RETRY_MAX:-2048001}"'

export const sftScript = (base: Base, videoDir: string) =>
  [
    ...preamble([
      `SFT of ${base.huggingFace} on the VideoKR SFT set with LLaMA-Factory (settings: sft.yaml).`,
      "Written by videokr train-config. Set the variables below (or in the environment), then:",
      "  bash sft.sh [key=value ...]   (more LLaMA-Factory arguments, e.g. num_train_epochs=2)"
    ]),
    ...variableLines(sftVariables(base, videoDir, "LLaMA-Factory's media_dir")),
    "",
    ...gpuLines,
    "# as the release's llamafactory/local_script/train_videokr.sh",
    'export FORCE_TORCHRUN="${FORCE_TORCHRUN:-1}"',
    'export DISABLE_VERSION_CHECK="${DISABLE_VERSION_CHECK:-1}"',
    decordRetries,
    "",
    "extra=()",
    'if [ -n "$VIDEO_DIR" ]; then',
    '  extra+=("media_dir=$VIDEO_DIR")',
    "fi",
    "",
    "llamafactory-cli train sft.yaml \\",
    '  model_name_or_path="$MODEL" \\',
    '  output_dir="$OUTPUT_DIR" \\',
    '  report_to="$REPORT_TO" \\',
    '  "${extra[@]}" "$@"',
    ""
  ].join("\n")

/** SFT with TRL: torchrun on every visible GPU runs the run folder's script with sft.yaml. */
export const trlSftScript = (base: Base, script: string, videoDir: string) =>
  [
    ...preamble([
      `SFT of ${base.huggingFace} on the VideoKR SFT set with TRL's SFTTrainer (settings: sft.yaml;`,
      `${script} brings the video collation TRL lacks). Written by videokr train-config.`,
      "Set the variables below (or in the environment), then:",
      "  bash sft.sh [--key value ...]   (more SFTConfig arguments, e.g. --num_train_epochs 2)",
      "A run stopped part-way goes on from its last checkpoint in OUTPUT_DIR when started again."
    ]),
    ...variableLines(sftVariables(base, videoDir, `${script}'s --media_dir`)),
    "",
    ...gpuLines,
    decordRetries,
    "",
    "extra=()",
    'if [ -n "$VIDEO_DIR" ]; then',
    '  extra+=(--media_dir "$VIDEO_DIR")',
    "fi",
    "",
    `torchrun --nproc_per_node gpu ${script} --config sft.yaml \\`,
    '  --model_name_or_path "$MODEL" \\',
    '  --output_dir "$OUTPUT_DIR" \\',
    '  --report_to "$REPORT_TO" \\',
    '  "${extra[@]}" "$@"',
    ""
  ].join("\n")

export interface GrpoScriptInput {
  readonly base: Base
  readonly overrides: ReadonlyArray<Override>
  /** the variables beside the overrides' own: GPUs, OUTPUT_DIR */
  readonly about: Readonly<Record<string, string>>
}

export const grpoScript = ({ base, overrides, about }: GrpoScriptInput) => {
  const seen = new Set<string>()
  const variables: Array<Variable> = [
    { name: "GPUS", default: "", about: "which GPUs, e.g. 0,1,2,3,4,5,6,7 (default: every visible one)" },
    {
      name: "OUTPUT_DIR",
      default: "${RUN_DIR}/outputs/grpo",
      expands: true,
      about: "checkpoints and rollouts go here"
    }
  ]
  for (const o of overrides) {
    if (o.env === undefined || seen.has(o.env)) continue
    seen.add(o.env)
    variables.push({
      name: o.env,
      default: o.value,
      expands: o.value.includes("${RUN_DIR}"),
      about: about[o.env] ?? `${o.key} (${o.source})`
    })
  }
  const qwen3 = base.family.startsWith("qwen3")
  return [
    ...preamble([
      `GRPO of the SFT checkpoint of ${base.huggingFace} on the VideoKR RL set with verl (the release's`,
      "verl/local_script/train_videokr_grpo.sh, each override with its source below).",
      "Written by videokr train-config. Set the variables below (or in the environment), then:",
      "  bash grpo.sh [key=value ...]   (more Hydra overrides)"
    ]),
    ...variableLines(variables),
    "",
    ...gpuLines,
    'mkdir -p "$OUTPUT_DIR/rollout_data"',
    ...(qwen3
      ? [
          "# the release's verl reads Qwen3-VL's video prompts through its patch (train_videokr_grpo.sh sets it for Qwen3-VL)",
          'export VERL_PATCH_QWEN3_VIDEO="${VERL_PATCH_QWEN3_VIDEO:-1}"'
        ]
      : []),
    "",
    "python3 -m verl.trainer.main_ppo \\",
    ...overrides.map(
      (o) => `  ${o.adds === true ? "+" : ""}${o.key}=${o.env === undefined ? shellWord(o.value) : `"$${o.env}"`} \\`
    ),
    '  "$@"',
    ""
  ].join("\n")
}

/** The seven benchmarks of the main table, as `videokr eval` names them. */
export const boardTasks = [
  "videomme",
  "mvbench",
  "longvideobench_val_v",
  "video_mmmu",
  "mmvu_val",
  "scivideobench",
  "videokr_eval"
] as const

export const evalScript = (input: {
  readonly base: Base
  readonly project: string
  /** the trained checkpoint, relative to the run folder: GRPO's merged one, or SFT's when there is no GRPO */
  readonly checkpoint: string
}) =>
  [
    ...preamble([
      "The trained checkpoint served by vLLM (an OpenAI-compatible server), evaluated by videokr on the seven",
      "benchmarks as LMMs-Eval runs them, and made into a leaderboard submission. Written by videokr train-config.",
      "  bash eval.sh"
    ]),
    ...variableLines([
      {
        name: "CHECKPOINT",
        default: `\${RUN_DIR}/${input.checkpoint}`,
        expands: true,
        about: "the checkpoint in Hugging Face format (verl's: python3 -m verl.model_merger merge --backend fsdp ...)"
      },
      { name: "GPUS", default: "0", about: "the GPUs vLLM serves on" },
      { name: "PORT", default: "8000", about: "vLLM's port on 127.0.0.1" },
      {
        name: "SERVED_NAME",
        default: `videokr-${input.base.id}`,
        about: "the model's name on the server and on the board"
      },
      {
        name: "PROJECT",
        default: input.project,
        about: "the videokr project whose eval.data names the benchmarks' files"
      },
      { name: "REVISION", default: "v1", about: "the submission's revision" },
      { name: "ORG", default: "", about: "who submits (the board shows it); required for the submission" },
      { name: "CONTACT", default: "", about: "an e-mail address for questions about the submission" }
    ]),
    "",
    'export CUDA_VISIBLE_DEVICES="$GPUS"',
    "# as the release's lmms_eval/examples/models/videokr_vllm.sh: 32,768 tokens of context, 85% of GPU memory",
    'vllm serve "$CHECKPOINT" --host 127.0.0.1 --port "$PORT" --served-model-name "$SERVED_NAME" \\',
    "  --max-model-len 32768 --gpu-memory-utilization 0.85 &",
    "server=$!",
    "trap 'kill \"$server\" 2>/dev/null || true' EXIT",
    "",
    "# the server is ready when it lists its models; it stops the script if it dies first",
    'until curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; do',
    '  if ! kill -0 "$server" 2>/dev/null; then',
    '    echo "vLLM stopped before it was ready" >&2',
    "    exit 1",
    "  fi",
    "  sleep 5",
    "done",
    "",
    'model="openai-compatible:http://127.0.0.1:$PORT/v1#$SERVED_NAME"',
    `videokr --project "$PROJECT" eval --model "$model" --tasks ${boardTasks.join(",")}`,
    'if [ -n "$ORG" ] && [ -n "$CONTACT" ]; then',
    '  videokr --project "$PROJECT" submit --from "$PROJECT/eval-results/$SERVED_NAME" --model "$SERVED_NAME" \\',
    '    --revision "$REVISION" --org "$ORG" --contact "$CONTACT"',
    "else",
    '  echo "set ORG and CONTACT to make the leaderboard submission (videokr submit)" >&2',
    "fi",
    ""
  ].join("\n")
