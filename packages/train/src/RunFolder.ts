import { cp, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { Effect } from "effect"
import {
  exportCorpus,
  type ExportFormat,
  type ExportOptions,
  FileError,
  reasonOf,
  sha256File,
  UsageError
} from "@videokr/core"
import type { Base, Framework, SftTrainer, Stage } from "./Bases.ts"
import { deepspeedZero3, sftSections } from "./LlamaFactory.ts"
import { runReadme } from "./Readme.ts"
import { rewardModuleFile, rewardModulePath } from "./RewardModule.ts"
import { evalScript, grpoScript, sftScript, trlSftScript } from "./Scripts.ts"
import { yamlOf } from "./Settings.ts"
import { trlSftScriptFile, trlSftScriptPath, trlSftSections } from "./Trl.ts"
import { grpoOverrides } from "./Verl.ts"

/**
 * `videokr train-config`: a run folder that goes from the corpus to a trained model — the exported
 * splits with the frameworks' dataset registration, the configs with the release's settings, the reward
 * as the trainer loads it, launch scripts, a README, and the evaluation that closes the loop. The folder
 * is built beside its final place and moved there whole: nothing is half written.
 */
export interface RunFolderOptions {
  readonly framework: Framework
  readonly base: Base
  readonly stage: Stage
  /** the videokr project (eval.sh evaluates with its eval.data) */
  readonly project: string
  /**
   * the folder the corpus's relative video paths start from (the project, or another corpus's own
   * folder): sft.sh's VIDEO_DIR by default, and where verl's parquet finds each video
   */
  readonly videoDir: string
  readonly version: string
}

export interface PlannedFile {
  /** relative to the run folder */
  readonly path: string
  readonly about: string
  readonly text?: string | undefined
  /** a file copied as it is */
  readonly copyOf?: string | undefined
  readonly executable?: boolean | undefined
}

export interface RunPlan {
  readonly sft: SftTrainer | undefined
  readonly grpo: "verl" | undefined
  readonly files: ReadonlyArray<PlannedFile>
  /** the corpus exports, written under data/<format>/ */
  readonly exports: ReadonlyArray<ExportFormat>
}

/**
 * Which trainer runs which stage: the release's pairing, LLaMA-Factory for SFT and verl for GRPO, or TRL
 * for SFT. TRL has no GRPO stage here: its GRPOTrainer reads image columns only (1.9; video support is
 * huggingface/trl#4144, open), and frames given to it as images would train the model on another input
 * than the one it is evaluated on.
 */
const trainers = (framework: Framework, stage: Stage) =>
  Effect.gen(function* () {
    if (framework === "trl" && stage !== "sft")
      return yield* new UsageError({
        reason: `--framework trl --stage ${stage}: TRL's GRPOTrainer reads no video (huggingface/trl#4144), so TRL runs the SFT stage only; give --stage sft, then run GRPO from its checkpoint with --framework verl --stage grpo (the release's recipe)`
      })
    if (stage === "sft" && framework === "verl")
      return yield* new UsageError({
        reason:
          "--stage sft: the release trains SFT with LLaMA-Factory; use --framework llamafactory (or trl; verl's run folder is GRPO)"
      })
    if (stage === "grpo" && framework === "llamafactory")
      return yield* new UsageError({
        reason: "--stage grpo: LLaMA-Factory has no GRPO; use --framework verl, as the release does"
      })
    return {
      sft: stage === "grpo" ? undefined : framework === "trl" ? ("trl" as const) : ("llamafactory" as const),
      grpo: stage === "sft" ? undefined : ("verl" as const)
    }
  })

export const planRunFolder = (o: RunFolderOptions) =>
  Effect.gen(function* () {
    const { sft, grpo } = yield* trainers(o.framework, o.stage)
    const files: Array<PlannedFile> = []
    if (sft !== undefined) files.push(...(sft === "trl" ? trlSftFiles(o) : llamaFactorySftFiles(o)))
    if (grpo !== undefined) {
      const overrides = grpoOverrides({
        modelPath: sft === undefined ? o.base.huggingFace : "${RUN_DIR}/saves/sft",
        trainFile: "${RUN_DIR}/data/verl/train.parquet",
        valFile: "${RUN_DIR}/data/verl/test.parquet",
        rewardModule: `\${RUN_DIR}/${rewardModuleFile}`,
        experiment: `videokr_${o.base.family}`
      })
      files.push(
        {
          path: "grpo.sh",
          about: "runs the GRPO",
          text: grpoScript({
            base: o.base,
            overrides,
            about: {
              MODEL_PATH:
                sft === undefined
                  ? "the model GRPO starts from (the paper starts from the SFT checkpoint)"
                  : "the SFT checkpoint (sft.sh's OUTPUT_DIR) GRPO starts from, as the paper does",
              N_GPUS: "GPUs per node (the release: 8)",
              NNODES: "nodes"
            }
          }),
          executable: true
        },
        { path: rewardModuleFile, about: "the reward, as verl (and TRL) load it", copyOf: rewardModulePath }
      )
    }
    files.push(
      {
        path: "eval.sh",
        about: "serves the checkpoint, evaluates, submits",
        text: evalScript({ ...o, checkpoint: grpo === undefined ? "saves/sft" : "outputs/grpo/merged_hf" }),
        executable: true
      },
      { path: "README.md", about: "what to install and run", text: runReadme({ ...o, sft, grpo }) }
    )
    return {
      sft,
      grpo,
      files,
      exports: [...(sft === undefined ? [] : [sft]), ...(grpo === undefined ? [] : ["verl" as const])]
    } satisfies RunPlan
  })

const deepspeedFile: PlannedFile = {
  path: "ds_z3_config.json",
  about: "DeepSpeed ZeRO-3, as the release's",
  text: JSON.stringify(deepspeedZero3, null, 2) + "\n"
}

const llamaFactorySftFiles = (o: RunFolderOptions): ReadonlyArray<PlannedFile> => [
  {
    path: "sft.yaml",
    about: "LLaMA-Factory's training arguments",
    text: yamlOf(
      [
        `SFT of ${o.base.huggingFace} with LLaMA-Factory: llamafactory-cli train sft.yaml (bash sft.sh).`,
        `Written by videokr ${o.version} train-config; each value says where it comes from ("release" is`,
        "Fu-Fu-Fu-Fu/VideoKR's llamafactory/examples/train_full/; FORMATS.md is the method's formats)."
      ],
      sftSections(o.base, {
        datasetDir: "data/llamafactory",
        deepspeed: deepspeedFile.path,
        outputDir: "saves/sft",
        runName: `videokr_${o.base.family}_sft`
      })
    )
  },
  deepspeedFile,
  { path: "sft.sh", about: "runs the SFT", text: sftScript(o.base, o.videoDir), executable: true }
]

const trlSftFiles = (o: RunFolderOptions): ReadonlyArray<PlannedFile> => [
  {
    path: "sft.yaml",
    about: `TRL's SFTConfig and ${trlSftScriptFile}'s video arguments`,
    text: yamlOf(
      [
        `SFT of ${o.base.huggingFace} with TRL: torchrun ${trlSftScriptFile} --config sft.yaml (bash sft.sh).`,
        `Written by videokr ${o.version} train-config: the release's LLaMA-Factory SFT in TRL's names; each value`,
        `says where it comes from ("release" is Fu-Fu-Fu-Fu/VideoKR's llamafactory/examples/train_full/;`,
        "FORMATS.md is the method's formats)."
      ],
      trlSftSections(o.base, {
        trainFile: "data/trl/sft.jsonl",
        deepspeed: deepspeedFile.path,
        outputDir: "saves/sft",
        runName: `videokr_${o.base.family}_sft`
      })
    )
  },
  { path: trlSftScriptFile, about: "SFTTrainer with the video collation TRL lacks", copyOf: trlSftScriptPath },
  deepspeedFile,
  { path: "sft.sh", about: "runs the SFT", text: trlSftScript(o.base, trlSftScriptFile, o.videoDir), executable: true }
]

const fileError = (path: string, operation: string) => (e: unknown) =>
  new FileError({ path, operation, reason: reasonOf(e) })

/**
 * Writes the planned run folder at `out`: built in `<out>.partial-<pid>` beside it (the corpus exported
 * into its data/, with the project's export options), with a manifest of every file and its sha256, then renamed into place. A folder
 * already at `out` is refused rather than replaced.
 */
export const writeRunFolder = (
  out: string,
  plan: RunPlan,
  manifest: Readonly<Record<string, unknown>>,
  exportOptions: Omit<ExportOptions, "outDir"> = {}
) =>
  Effect.gen(function* () {
    const exists = yield* Effect.promise(() =>
      stat(out).then(
        () => true,
        () => false
      )
    )
    if (exists)
      return yield* new UsageError({
        reason: `${out} exists: train-config writes a new run folder; remove it, or give another --out`
      })
    const staging = `${out}.partial-${process.pid}`
    yield* Effect.gen(function* () {
      yield* Effect.tryPromise({
        try: async () => {
          await rm(staging, { recursive: true, force: true })
          await mkdir(staging, { recursive: true })
        },
        catch: fileError(staging, "create folder")
      })
      for (const f of plan.files) {
        const path = join(staging, f.path)
        yield* Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(path), { recursive: true })
            if (f.copyOf !== undefined) await cp(f.copyOf, path)
            else await writeFile(path, f.text ?? "", { mode: f.executable === true ? 0o755 : 0o644 })
          },
          catch: fileError(path, "write")
        })
      }
      for (const format of plan.exports)
        yield* exportCorpus(format, { ...exportOptions, outDir: join(staging, "data") })
      const listed = yield* Effect.forEach(
        [...plan.files.map((f) => f.path), ...(yield* Effect.promise(() => dataFiles(join(staging, "data"))))],
        (path) => Effect.map(sha256File(join(staging, path)), (sha256) => ({ path, sha256 }))
      )
      yield* Effect.tryPromise({
        try: () =>
          writeFile(join(staging, "manifest.json"), JSON.stringify({ ...manifest, files: listed }, null, 2) + "\n"),
        catch: fileError(join(staging, "manifest.json"), "write")
      })
      yield* Effect.tryPromise({ try: () => rename(staging, out), catch: fileError(out, "move into place") })
    }).pipe(Effect.onError(() => Effect.promise(() => rm(staging, { recursive: true, force: true }))))
    return out
  })

/** The files under data/, relative to the run folder, in a stable order. */
const dataFiles = async (dir: string): Promise<Array<string>> => {
  const found: Array<string> = []
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
      a.name.localeCompare(b.name)
    )) {
      if (e.isDirectory()) await walk(join(d, e.name))
      else found.push(relative(dirname(dir), join(d, e.name)))
    }
  }
  await walk(dir)
  return found
}
