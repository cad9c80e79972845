import { shippedPython } from "./Python.ts"

/**
 * The reward as Python trainers load it: `videokr_reward.py` (verl's custom reward function
 * `compute_score`, TRL's GRPOTrainer reward function `videokr_reward`), written into a GRPO run folder.
 * It is our own port of @videokr/eval/reward (the same formula, regexes and ROUGE), and gives exactly its
 * rewards on the reference's vectors (test/RewardModule.test.ts runs it with Debian's python3).
 */
export const rewardModuleFile = "videokr_reward.py"

export const rewardModulePath = shippedPython(rewardModuleFile)
