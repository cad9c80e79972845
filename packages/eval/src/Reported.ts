import type { Reported } from "./SiteData.ts"

/**
 * The numbers the paper reports, shown on the board as "reported" rows (never re-scored). Each row names
 * where its numbers were read; only numbers read from a source are here, none computed. The Qwen3-VL-8B
 * group of the main table is on the model card of VideoKR-Qwen3-VL-8B, verbatim (its column "LongVBench"
 * is longvideobench_val_v and "MMVU" is mmvu_val, the configurations the release's evaluation code ships;
 * sizes come from the model names, and the Qwen models' weights are published by Qwen). Of the Qwen2.5-VL-7B group only the two averages of the base model and
 * of VideoKR are known (the paper's summary); its per-benchmark numbers, and the single-frame table, were
 * not found in a public source readable here.
 */
const paper = {
  title: "VideoKR: Towards Knowledge- and Reasoning-Intensive Video Understanding (ICML 2026), main table",
  url: "https://arxiv.org/abs/2606.05259"
}
const qwen3Card = {
  title: "minuzero/VideoKR-Qwen3-VL-8B model card, Performance (results with 128 input frames)",
  url: "https://huggingface.co/minuzero/VideoKR-Qwen3-VL-8B"
}

export const reported: Reported = {
  main: [
    {
      model: "Qwen2.5-VL-7B-Instruct",
      base: null,
      parametersBillions: 7,
      openWeights: true,
      frames: 128,
      scores: {},
      generalAverage: 64.1,
      knowledgeAverage: 41.9,
      source: paper
    },
    {
      model: "VideoKR-Qwen2.5-VL-7B",
      base: "Qwen2.5-VL-7B-Instruct",
      parametersBillions: 7,
      openWeights: true,
      frames: 128,
      scores: {},
      generalAverage: 65.5,
      knowledgeAverage: 46.6,
      source: paper
    },
    {
      model: "Qwen3-VL-8B-Instruct",
      base: null,
      parametersBillions: 8,
      openWeights: true,
      frames: 128,
      scores: {
        videomme: 68.2,
        mvbench: 67.9,
        longvideobench_val_v: 61.6,
        video_mmmu: 61.8,
        mmvu_val: 59.6,
        scivideobench: 33.4,
        videokr_eval: 39.0
      },
      generalAverage: 65.9,
      knowledgeAverage: 48.5,
      source: qwen3Card
    },
    {
      model: "OneThinker",
      base: "Qwen3-VL-8B",
      parametersBillions: 8,
      openWeights: null,
      frames: 128,
      scores: {
        videomme: 65.8,
        mvbench: 69.3,
        longvideobench_val_v: 61.4,
        video_mmmu: 62.9,
        mmvu_val: 61.6,
        scivideobench: 33.8,
        videokr_eval: 38.3
      },
      generalAverage: 65.5,
      knowledgeAverage: 49.2,
      source: qwen3Card
    },
    {
      model: "VideoAuto-R1",
      base: "Qwen3-VL-8B",
      parametersBillions: 8,
      openWeights: null,
      frames: 128,
      scores: {
        videomme: 68.7,
        mvbench: 68.8,
        longvideobench_val_v: 58.8,
        video_mmmu: 63.1,
        mmvu_val: 59.6,
        scivideobench: 32.7,
        videokr_eval: 43.8
      },
      generalAverage: 65.4,
      knowledgeAverage: 49.8,
      source: qwen3Card
    },
    {
      model: "Qwen3-VL-8B-Thinking",
      base: null,
      parametersBillions: 8,
      openWeights: true,
      frames: 128,
      scores: {
        videomme: 67.6,
        mvbench: 68.0,
        longvideobench_val_v: 60.0,
        video_mmmu: 64.9,
        mmvu_val: 60.5,
        scivideobench: 33.0,
        videokr_eval: 41.5
      },
      generalAverage: 65.2,
      knowledgeAverage: 50.0,
      source: qwen3Card
    },
    {
      model: "VideoKR-Qwen3-VL-8B",
      base: "Qwen3-VL-8B-Instruct",
      parametersBillions: 8,
      openWeights: true,
      frames: 128,
      scores: {
        videomme: 67.8,
        mvbench: 67.0,
        longvideobench_val_v: 61.5,
        video_mmmu: 63.0,
        mmvu_val: 64.8,
        scivideobench: 32.8,
        videokr_eval: 45.3
      },
      generalAverage: 65.4,
      knowledgeAverage: 51.5,
      source: qwen3Card
    }
  ],
  singleFrame: []
}
