/**
 * `@videokr/eval/reward`: the GRPO reward (0.9 accuracy + 0.1 format) alone, for trainers that import the
 * reward function without the evaluation tasks. It lives in core, which the validators share.
 */
export { accuracyReward, extractAnswer, formatReward, type RewardScore, reward } from "@videokr/core"
