/**
 * The base models the method post-trains (the paper's Qwen2.5-VL-7B-Instruct and Qwen3-VL-8B-Instruct),
 * with what each framework needs to know of them: the Hugging Face id, LLaMA-Factory's chat template, and
 * the release's names for its runs (llamafactory/local_script/train_videokr.sh).
 */
export interface Base {
  /** the command line's name: --base qwen2.5-vl-7b */
  readonly id: string
  readonly huggingFace: string
  /** LLaMA-Factory's template for the model family */
  readonly template: string
  /** the release's short name of the family, in its output folders and run names */
  readonly family: string
  readonly parametersBillions: number
}

export const bases: Readonly<Record<string, Base>> = {
  "qwen2.5-vl-7b": {
    id: "qwen2.5-vl-7b",
    huggingFace: "Qwen/Qwen2.5-VL-7B-Instruct",
    template: "qwen2_vl",
    family: "qwen2_5vl",
    parametersBillions: 7
  },
  "qwen3-vl-8b": {
    id: "qwen3-vl-8b",
    huggingFace: "Qwen/Qwen3-VL-8B-Instruct",
    template: "qwen3_vl",
    family: "qwen3vl",
    parametersBillions: 8
  }
}

export const frameworks = ["llamafactory", "verl", "trl"] as const
export type Framework = (typeof frameworks)[number]

/** Which trainer runs the SFT stage: LLaMA-Factory, as the release, or TRL. */
export type SftTrainer = "llamafactory" | "trl"

export const stages = ["sft", "grpo", "both"] as const
export type Stage = (typeof stages)[number]
