import type { Base } from "./Bases.ts"
import { shippedPython } from "./Python.ts"
import type { Sections } from "./Settings.ts"

/**
 * The SFT stage on TRL: the release's LLaMA-Factory SFT (llamafactory/examples/train_full/
 * videokr_<family>_sft.yaml) said in TRL's SFTConfig and the video arguments of videokr_trl_sft.py, the
 * script that brings the video collation TRL's SFTTrainer lacks. Each LLaMA-Factory setting maps to its
 * TRL or transformers name (cutoff_len is max_length, video_maxlen video_max_frames, flash_attn fa2 the
 * flash_attention_2 attention); the ones that only steer LLaMA-Factory's own preprocessing have no
 * counterpart. GRPO has no TRL stage: TRL's GRPOTrainer reads no video (see RunFolder.ts).
 */
export const trlSftScriptFile = "videokr_trl_sft.py"

export const trlSftScriptPath = shippedPython(trlSftScriptFile)

const release = (base: Base) => `release videokr_${base.family}_sft.yaml`

export interface TrlSftPaths {
  readonly trainFile: string
  readonly deepspeed: string
  readonly outputDir: string
  readonly runName: string
}

export const trlSftSections = (base: Base, paths: TrlSftPaths): Sections => {
  const r = release(base)
  return [
    {
      title: "model (videokr_trl_sft.py's VideoArguments, but trust_remote_code)",
      settings: [
        { key: "model_name_or_path", value: base.huggingFace, source: `${r}; sft.sh's MODEL overrides it` },
        { key: "trust_remote_code", value: true, source: r },
        { key: "attn_implementation", value: "flash_attention_2", source: `${r}: flash_attn fa2` },
        { key: "freeze_vision_tower", value: true, source: r },
        { key: "freeze_multi_modal_projector", value: true, source: r },
        { key: "video_fps", value: 2, source: "FORMATS.md: 2 frames per second (release YAML: video_fps)" },
        { key: "video_min_frames", value: 4, source: "FORMATS.md: at least 4 frames" },
        { key: "video_max_frames", value: 128, source: "FORMATS.md: at most 128 frames (release YAML: video_maxlen)" },
        {
          key: "video_max_pixels",
          value: 100352,
          source: "FORMATS.md: max_pixels 128*28*28 per frame, as the release's YAML and its RL data"
        },
        {
          key: "video_min_pixels",
          value: 256,
          source: "LLaMA-Factory's default video_min_pixels (16*16), as the release"
        }
      ]
    },
    {
      title: "dataset",
      settings: [
        { key: "train_file", value: paths.trainFile, source: "this run folder's export (videokr export --format trl)" },
        { key: "max_length", value: 16384, source: `${r}: cutoff_len` },
        {
          key: "dataloader_num_workers",
          value: 4,
          source:
            "this run folder: videos are decoded while batching (LLaMA-Factory decodes them beforehand, in preprocessing_num_workers 16)"
        }
      ]
    },
    {
      title: "method",
      settings: [
        { key: "deepspeed", value: paths.deepspeed, source: `${r}: ZeRO-3 (examples/deepspeed/ds_z3_config.json)` },
        {
          key: "gradient_checkpointing",
          value: true,
          source: "LLaMA-Factory's default (disable_gradient_checkpointing false), as the release"
        }
      ]
    },
    {
      title: "output",
      settings: [
        {
          key: "output_dir",
          value: paths.outputDir,
          source: `this run folder (release: saves/videokr/${base.family}_sft); sft.sh's OUTPUT_DIR overrides it`
        },
        { key: "logging_steps", value: 10, source: r },
        { key: "save_steps", value: 500, source: r },
        { key: "save_total_limit", value: 2, source: r },
        { key: "save_only_model", value: false, source: r }
      ]
    },
    {
      title: "train",
      settings: [
        { key: "per_device_train_batch_size", value: 1, source: r },
        { key: "gradient_accumulation_steps", value: 4, source: r },
        { key: "learning_rate", value: 1e-5, source: `${r} (TRL's default is 2e-5)` },
        { key: "weight_decay", value: 1e-6, source: r },
        { key: "num_train_epochs", value: 1, source: `${r}; the paper: one epoch of SFT` },
        { key: "lr_scheduler_type", value: "cosine", source: r },
        { key: "warmup_ratio", value: 0.02, source: r },
        { key: "bf16", value: true, source: r },
        { key: "ddp_timeout", value: 180000000, source: r },
        { key: "report_to", value: "none", source: `${r}; sft.sh's REPORT_TO overrides it` },
        { key: "run_name", value: paths.runName, source: `this run (release: videokr_${base.family}_sft)` }
      ]
    }
  ]
}
