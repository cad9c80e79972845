/**
 * @videokr/train — from corpus to trained model: run folders for LLaMA-Factory, verl and TRL with the
 * release's settings, the reward as the trainers load it, launch scripts and the evaluation that closes
 * the loop.
 *
 * @module @videokr/train
 */
export * from "./RewardModule.ts"
