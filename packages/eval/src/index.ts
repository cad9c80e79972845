/**
 * @videokr/eval — Benchmark task definitions, answer parsing, EM/ROUGE/judge scoring, the GRPO reward and the paper's reports. Lands with the evaluation issue.
 */
export {}
