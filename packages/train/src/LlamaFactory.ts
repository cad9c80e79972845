import type { Base } from "./Bases.ts"
import type { Sections, Setting } from "./Settings.ts"

/**
 * The SFT stage on LLaMA-Factory: the release's configuration for the base
 * (llamafactory/examples/train_full/videokr_<family>_sft.yaml), with the frames of FORMATS.md, the run
 * folder's own data, DeepSpeed file and output folder. One epoch over the SFT set, full fine-tuning with
 * the vision tower and projector frozen, DeepSpeed ZeRO-3. The release's `resume_from_checkpoint: false`
 * is left out: the argument is a path or None (transformers' `str | None`), and None, its default, is what
 * false meant.
 */
export const releaseSftYaml = (base: Base) => `release videokr_${base.family}_sft.yaml`
const release = releaseSftYaml

/** The run folder's own paths and names in an SFT config, whichever trainer reads it. */
export interface SftPaths {
  readonly deepspeed: string
  readonly outputDir: string
  readonly runName: string
}

export interface LlamaFactoryPaths extends SftPaths {
  /** the folder holding dataset_info.json and the data file, relative to where llamafactory-cli runs */
  readonly datasetDir: string
}

/**
 * The release's output settings, transformers' TrainingArguments both LLaMA-Factory and TRL take by the
 * same names.
 */
export const sftOutputSettings = (base: Base, paths: SftPaths): ReadonlyArray<Setting> => [
  {
    key: "output_dir",
    value: paths.outputDir,
    source: `this run folder (release: saves/videokr/${base.family}_sft); sft.sh's OUTPUT_DIR overrides it`
  },
  { key: "logging_steps", value: 10, source: release(base) },
  { key: "save_steps", value: 500, source: release(base) },
  { key: "save_total_limit", value: 2, source: release(base) },
  { key: "save_only_model", value: false, source: release(base) }
]

/** The release's training settings, TrainingArguments too: one epoch, its batch, optimiser and schedule. */
export const sftTrainSettings = (base: Base, paths: SftPaths): ReadonlyArray<Setting> => {
  const r = release(base)
  return [
    { key: "per_device_train_batch_size", value: 1, source: r },
    { key: "gradient_accumulation_steps", value: 4, source: r },
    { key: "learning_rate", value: 1e-5, source: r },
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

export const sftSections = (base: Base, paths: LlamaFactoryPaths): Sections => {
  const r = release(base)
  return [
    {
      title: "model",
      settings: [
        { key: "model_name_or_path", value: base.huggingFace, source: `${r}; sft.sh's MODEL overrides it` },
        { key: "image_max_pixels", value: 802816, source: `${r} (1024*28*28)` },
        {
          key: "video_max_pixels",
          value: 100352,
          source: "FORMATS.md: max_pixels 128*28*28 per frame, as the release's YAML and its RL data"
        },
        { key: "video_maxlen", value: 128, source: "FORMATS.md: at most 128 frames (release YAML)" },
        { key: "video_fps", value: 2, source: "FORMATS.md: 2 frames per second (release YAML)" },
        { key: "trust_remote_code", value: true, source: r }
      ]
    },
    {
      title: "method",
      settings: [
        { key: "stage", value: "sft", source: r },
        { key: "do_train", value: true, source: r },
        { key: "finetuning_type", value: "full", source: `${r}: full fine-tuning` },
        { key: "freeze_vision_tower", value: true, source: r },
        { key: "freeze_multi_modal_projector", value: true, source: r },
        { key: "deepspeed", value: paths.deepspeed, source: `${r}: ZeRO-3 (examples/deepspeed/ds_z3_config.json)` }
      ]
    },
    {
      title: "dataset",
      settings: [
        { key: "dataset", value: "videokr_train", source: `${r}; dataset_info.json names it` },
        { key: "template", value: base.template, source: r },
        { key: "dataset_dir", value: paths.datasetDir, source: "this run folder's export (release: data)" },
        { key: "use_fast_tokenizer", value: false, source: r },
        { key: "cutoff_len", value: 16384, source: r },
        { key: "overwrite_cache", value: true, source: r },
        { key: "preprocessing_num_workers", value: 16, source: r },
        { key: "preprocessing_batch_size", value: 32, source: r }
      ]
    },
    {
      title: "output",
      settings: [
        ...sftOutputSettings(base, paths),
        { key: "plot_loss", value: true, source: r },
        { key: "overwrite_output_dir", value: false, source: r }
      ]
    },
    { title: "train", settings: [...sftTrainSettings(base, paths), { key: "flash_attn", value: "fa2", source: r }] }
  ]
}

/** DeepSpeed ZeRO-3 as the release's examples/deepspeed/ds_z3_config.json sets it (LLaMA-Factory's own). */
export const deepspeedZero3 = {
  train_batch_size: "auto",
  train_micro_batch_size_per_gpu: "auto",
  gradient_accumulation_steps: "auto",
  gradient_clipping: "auto",
  zero_allow_untested_optimizer: true,
  fp16: {
    enabled: "auto",
    loss_scale: 0,
    loss_scale_window: 1000,
    initial_scale_power: 16,
    hysteresis: 2,
    min_loss_scale: 1
  },
  bf16: { enabled: "auto" },
  zero_optimization: {
    stage: 3,
    overlap_comm: false,
    contiguous_gradients: true,
    sub_group_size: 1e9,
    reduce_bucket_size: "auto",
    stage3_prefetch_bucket_size: "auto",
    stage3_param_persistence_threshold: "auto",
    stage3_max_live_parameters: 1e9,
    stage3_max_reuse_distance: 1e9,
    stage3_gather_16bit_weights_on_model_save: true
  }
} as const
