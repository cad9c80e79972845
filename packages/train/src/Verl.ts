/**
 * The GRPO stage on verl: the Hydra overrides the release's verl/local_script/train_videokr_grpo.sh
 * passes to `verl.trainer.main_ppo` (the same for both bases; "for Qwen2.5-VL, only change MODEL_PATH"),
 * each under the same environment variable with the same default, the data and output folders of the run
 * folder, and the reward as a custom reward function (videokr_reward.py), so that an unpatched verl
 * computes the release's reward too. Batch size 32 prompts, 8 rollouts each, one epoch.
 */
export interface Override {
  readonly key: string
  /** the value, or the default of `env` when the override reads a variable */
  readonly value: string
  /** the environment variable a user sets to change it (the release's name) */
  readonly env?: string | undefined
  /** a key verl's configuration lacks, added with Hydra's `+` (as the release does) */
  readonly adds?: boolean | undefined
  readonly source: string
}

const script = "release train_videokr_grpo.sh"

export interface GrpoPaths {
  /** the SFT checkpoint GRPO starts from (the paper's recipe), or a base model */
  readonly modelPath: string
  readonly trainFile: string
  readonly valFile: string
  readonly rewardModule: string
  readonly experiment: string
}

/** The overrides, the same for both bases (the model comes from MODEL_PATH). */
export const grpoOverrides = (paths: GrpoPaths): ReadonlyArray<Override> => [
  { key: "algorithm.adv_estimator", value: "grpo", source: script },
  { key: "data.train_files", value: paths.trainFile, env: "TRAIN_FILE", source: "this run folder's verl export" },
  { key: "data.val_files", value: paths.valFile, env: "VAL_FILE", source: "this run folder's verl export" },
  { key: "data.train_batch_size", value: "32", env: "TRAIN_BATCH_SIZE", source: `${script}; the paper: batch size 32` },
  { key: "data.max_prompt_length", value: "16384", env: "MAX_PROMPT_LENGTH", source: script },
  { key: "data.max_response_length", value: "2048", env: "MAX_RESPONSE_LENGTH", source: script },
  { key: "data.filter_overlong_prompts", value: "True", source: script },
  { key: "data.truncation", value: "error", source: script },
  {
    key: "data.video_key",
    value: "videos",
    source: `${script}; frames per video (2 fps, 4 to 128, 128*28*28 pixels) are in the parquet (FORMATS.md)`
  },
  { key: "data.return_multi_modal_inputs", value: "True", source: script },
  {
    key: "actor_rollout_ref.model.path",
    value: paths.modelPath,
    env: "MODEL_PATH",
    source: "the SFT checkpoint (the paper's SFT -> GRPO; release README); a base model id works too"
  },
  { key: "actor_rollout_ref.actor.fsdp_config.model_dtype", value: "bf16", source: script },
  { key: "actor_rollout_ref.rollout.dtype", value: "bfloat16", source: script },
  { key: "actor_rollout_ref.actor.optim.lr", value: "5e-6", env: "LR", source: script },
  { key: "actor_rollout_ref.model.use_remove_padding", value: "True", env: "USE_REMOVE_PADDING", source: script },
  { key: "actor_rollout_ref.model.use_fused_kernels", value: "True", env: "USE_FUSED_KERNELS", source: script },
  { key: "actor_rollout_ref.actor.ppo_mini_batch_size", value: "8", env: "PPO_MINI_BATCH_SIZE", source: script },
  {
    key: "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu",
    value: "4",
    env: "PPO_MICRO_BATCH_SIZE_PER_GPU",
    source: script
  },
  { key: "actor_rollout_ref.actor.use_kl_loss", value: "True", source: script },
  { key: "actor_rollout_ref.actor.kl_loss_coef", value: "0.01", env: "KL_LOSS_COEF", source: script },
  { key: "actor_rollout_ref.actor.kl_loss_type", value: "low_var_kl", source: script },
  { key: "actor_rollout_ref.actor.entropy_coeff", value: "0", source: script },
  { key: "actor_rollout_ref.model.enable_gradient_checkpointing", value: "True", source: script },
  { key: "actor_rollout_ref.actor.fsdp_config.param_offload", value: "False", env: "PARAM_OFFLOAD", source: script },
  {
    key: "actor_rollout_ref.actor.fsdp_config.optimizer_offload",
    value: "False",
    env: "OPTIMIZER_OFFLOAD",
    source: script
  },
  { key: "actor_rollout_ref.rollout.name", value: "vllm", source: script },
  {
    key: "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu",
    value: "8",
    env: "LOGPROB_MICRO_BATCH_SIZE_PER_GPU",
    source: script
  },
  { key: "actor_rollout_ref.rollout.tensor_model_parallel_size", value: "1", env: "ROLLOUT_TP", source: script },
  {
    key: "actor_rollout_ref.rollout.engine_kwargs.vllm.disable_mm_preprocessor_cache",
    value: "True",
    adds: true,
    source: script
  },
  {
    key: "actor_rollout_ref.rollout.gpu_memory_utilization",
    value: "0.6",
    env: "ROLLOUT_GPU_MEM_UTIL",
    source: script
  },
  { key: "actor_rollout_ref.rollout.enable_chunked_prefill", value: "False", source: script },
  { key: "actor_rollout_ref.rollout.enforce_eager", value: "False", env: "ENFORCE_EAGER", source: script },
  { key: "actor_rollout_ref.rollout.free_cache_engine", value: "True", source: script },
  { key: "actor_rollout_ref.rollout.n", value: "8", env: "ROLLOUT_N", source: `${script}: 8 rollouts per prompt` },
  { key: "actor_rollout_ref.rollout.agent.num_workers", value: "8", env: "AGENT_NUM_WORKERS", source: script },
  {
    key: "actor_rollout_ref.rollout.checkpoint_engine.update_weights_bucket_megabytes",
    value: "4096",
    source: script
  },
  {
    key: "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu",
    value: "8",
    env: "LOGPROB_MICRO_BATCH_SIZE_PER_GPU",
    source: script
  },
  { key: "actor_rollout_ref.ref.fsdp_config.param_offload", value: "True", source: script },
  { key: "algorithm.use_kl_in_reward", value: "False", source: script },
  {
    key: "reward.custom_reward_function.path",
    value: paths.rewardModule,
    source: "videokr_reward.py: the release's reward (0.9 accuracy + 0.1 format), for any verl"
  },
  { key: "reward.custom_reward_function.name", value: "compute_score", source: "videokr_reward.py" },
  { key: "trainer.critic_warmup", value: "0", source: script },
  { key: "trainer.logger", value: '["console"]', env: "TRAINER_LOGGER", source: script },
  { key: "trainer.project_name", value: "videokr_grpo", env: "PROJECT_NAME", source: script },
  { key: "trainer.experiment_name", value: paths.experiment, env: "EXPERIMENT_NAME", source: script },
  { key: "trainer.n_gpus_per_node", value: "8", env: "N_GPUS", source: `${script}: 8 GPUs on one node` },
  { key: "trainer.nnodes", value: "1", env: "NNODES", source: script },
  { key: "trainer.save_freq", value: "20", env: "SAVE_FREQ", source: script },
  { key: "trainer.test_freq", value: "20", env: "TEST_FREQ", source: script },
  { key: "trainer.total_epochs", value: "1", env: "TOTAL_EPOCHS", source: `${script}; the paper: one epoch of GRPO` },
  { key: "trainer.default_local_dir", value: "${OUTPUT_DIR}/checkpoints", source: `${script}, under OUTPUT_DIR` },
  { key: "trainer.rollout_data_dir", value: "${OUTPUT_DIR}/rollout_data", source: `${script}, under OUTPUT_DIR` }
]
