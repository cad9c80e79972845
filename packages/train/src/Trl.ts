import type { Base } from "./Bases.ts"
import { releaseSftYaml, type SftPaths, sftOutputSettings, sftTrainSettings } from "./LlamaFactory.ts"
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

export interface TrlSftPaths extends SftPaths {
  readonly trainFile: string
}

export const trlSftSections = (base: Base, paths: TrlSftPaths): Sections => {
  const r = releaseSftYaml(base)
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
    { title: "output", settings: sftOutputSettings(base, paths) },
    { title: "train", settings: sftTrainSettings(base, paths) }
  ]
}
