/**
 * @videokr/train — from corpus to trained model: run folders for LLaMA-Factory, verl and TRL with the
 * release's settings, the reward as the trainers load it, launch scripts and the evaluation that closes
 * the loop.
 *
 * @module @videokr/train
 */
export * from "./Bases.ts"
export * from "./LlamaFactory.ts"
export * from "./OtherCorpus.ts"
export * from "./Readme.ts"
export * from "./RewardModule.ts"
export * from "./Python.ts"
export * from "./RunFolder.ts"
export * from "./Scripts.ts"
export * from "./Settings.ts"
export * from "./Shell.ts"
export * from "./Trl.ts"
export * from "./Verl.ts"
