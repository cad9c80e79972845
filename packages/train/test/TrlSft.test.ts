import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import { parse } from "yaml"
import { bases } from "../src/Bases.ts"
import { planRunFolder } from "../src/RunFolder.ts"
import { trlSftScriptFile, trlSftScriptPath } from "../src/Trl.ts"
import { ofType } from "./support/python-types.ts"
import { python, runPython } from "./support/python.ts"
import { fileText, vectors } from "./support/vectors.ts"

/**
 * The TRL SFT run folder: sft.yaml sets only arguments that TRL's parser accepts (SFTConfig's fields, the
 * transformers TrainingArguments it inherits, the script's own VideoArguments) with values of their
 * types and the release's values in TRL's names; the script's pure parts (labels, freezing, the video
 * conversation) run with Debian's python3; sft.sh passes bash -n and shellcheck and hands torchrun what
 * its variables say.
 */

type Field = { type: string; default?: unknown; allowed?: Array<string> }

const py = runPython(dirname(trlSftScriptPath))

const trl = vectors("trl-grpo.json")
const sftConfig: Record<string, Field> = trl.SFTConfig.ownFields
const baseConfig: Record<string, Field> = trl.baseConfigOverrides.fields
const trainingArguments: Record<string, Field & { origin: string }> = Object.fromEntries(
  Object.entries(vectors("llamafactory-args.json").arguments as Record<string, Field & { origin: string }>).filter(
    ([, a]) => a.origin === "transformers.TrainingArguments"
  )
)
const releaseSft = vectors("release-sft.json")

/** The script's VideoArguments, read from the script itself by Python's ast: name, annotation, default. */
const videoArguments: Record<string, Field & { required: boolean }> = py(`import ast, json
tree = ast.parse(open(${JSON.stringify(trlSftScriptPath)}).read())
cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "VideoArguments")
fields = {}
for n in cls.body:
    if not isinstance(n, ast.AnnAssign):
        continue
    value = n.value
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "field":
        value = next((k.value for k in value.keywords if k.arg == "default"), None)
    fields[n.target.id] = {"type": ast.unparse(n.annotation), "required": value is None, "default": None if value is None else ast.literal_eval(value)}
print(json.dumps(fields))`)

/** What TRL's parser (TrlParser over SFTConfig and VideoArguments) knows a key as: the first that has it. */
const argument = (key: string): Field | undefined =>
  sftConfig[key] ?? baseConfig[key] ?? trainingArguments[key] ?? videoArguments[key]

const plan = (base: string) =>
  Effect.runSync(
    planRunFolder({
      framework: "trl",
      base: bases[base]!,
      stage: "sft",
      project: "/p",
      videoDir: "/data/project",
      version: "0.0.0-test"
    })
  )

// the release's LLaMA-Factory names that TRL and the script call otherwise, and values said otherwise
const renamed: Record<string, string> = {
  cutoff_len: "max_length",
  video_maxlen: "video_max_frames",
  flash_attn: "attn_implementation"
}
const translated: Record<string, Record<string, unknown>> = { flash_attn: { fa2: "flash_attention_2" } }
// what only steers LLaMA-Factory itself (its stage, template, dataset registry, preprocessing cache and
// workers, loss plot, tokenizer choice), resume_from_checkpoint false (None, the default), images (a video
// corpus has none), and overwrite_output_dir false (transformers' default, gone from its v5)
const llamaFactoryOnly = [
  "stage",
  "do_train",
  "finetuning_type",
  "dataset",
  "template",
  "dataset_dir",
  "use_fast_tokenizer",
  "overwrite_cache",
  "preprocessing_num_workers",
  "preprocessing_batch_size",
  "plot_loss",
  "overwrite_output_dir",
  "image_max_pixels",
  "resume_from_checkpoint"
]
// the run folder's own paths and names
const own = ["output_dir", "run_name", "deepspeed", "train_file"]
// what the release leaves to LLaMA-Factory's defaults or FORMATS.md gives, said here because TRL's differ
const added = ["video_min_frames", "video_min_pixels", "dataloader_num_workers", "gradient_checkpointing"]

describe.each(Object.keys(bases))("the TRL SFT run folder of %s", (base) => {
  const files = plan(base).files
  const config = parse(fileText(files, "sft.yaml")) as Record<string, unknown>

  it("sets arguments TRL's parser accepts, with values of their types", () => {
    for (const [key, value] of Object.entries(config)) {
      const known = argument(key)
      expect(known, `SFTConfig, TrainingArguments or VideoArguments has ${key}`).toBeDefined()
      expect(ofType(known!.type, value, known!.allowed), `${key}: ${JSON.stringify(value)} is a ${known!.type}`).toBe(
        true
      )
    }
    // the script's own arguments neither shadow TRL's nor go missing: argparse refuses a name twice
    for (const key of Object.keys(videoArguments))
      expect(sftConfig[key] ?? baseConfig[key] ?? trainingArguments[key], key).toBeUndefined()
    for (const [key, a] of Object.entries(videoArguments))
      if (a.required) expect(config[key], `${key} is required`).toBeDefined()
  })

  it("gives the release's SFT values in TRL's names, and says why the others differ", () => {
    const release: Record<string, unknown> = releaseSft.configs[base]
    for (const [key, value] of Object.entries(release)) {
      if (llamaFactoryOnly.includes(key) || own.includes(key)) continue
      const mine = renamed[key] ?? key
      expect(config[mine], `${key} (${mine})`).toEqual(translated[key]?.[String(value)] ?? value)
    }
    expect(
      Object.keys(config).filter((k) => !own.includes(k) && !Object.keys(release).some((r) => (renamed[r] ?? r) === k))
    ).toEqual(added)
    // the frames of FORMATS.md: 2 fps, 4 to 128 frames, 128*28*28 pixels a frame
    expect([
      config["video_fps"],
      config["video_min_frames"],
      config["video_max_frames"],
      config["video_max_pixels"]
    ]).toEqual([2, 4, 128, 128 * 28 * 28])
    // TRL's defaults that would differ from the release's are set: its learning rate and max_length
    expect([sftConfig["learning_rate"]!.default, sftConfig["max_length"]!.default]).toEqual([2e-5, 1024])
    expect([config["learning_rate"], config["max_length"]]).toEqual([1e-5, 16384])
    expect(JSON.parse(fileText(files, "ds_z3_config.json"))).toEqual(releaseSft.deepspeed)
    expect(files.find((f) => f.path === trlSftScriptFile)?.copyOf).toBe(trlSftScriptPath)
  })

  it("runs its SFT with sft.sh, which passes bash -n and shellcheck and gives torchrun its variables", () => {
    const dir = mkdtempSync(join(tmpdir(), "videokr-trl-"))
    writeFileSync(join(dir, "sft.sh"), fileText(files, "sft.sh"))
    expect(spawnSync("bash", ["-n", join(dir, "sft.sh")], { encoding: "utf8" }).status).toBe(0)
    const shellcheck = process.env["VIDEOKR_SHELLCHECK"] || "shellcheck"
    const checked = spawnSync(shellcheck, ["--severity=style", join(dir, "sft.sh")], { encoding: "utf8" })
    expect(checked.error, `${shellcheck} (Debian's shellcheck, installed by the set-up)`).toBeUndefined()
    expect(checked.stdout + checked.stderr).toBe("")
    // torchrun is on the GPU machine; here a stand-in on PATH writes down what it was given
    const bin = join(dir, "bin")
    mkdirSync(bin)
    writeFileSync(
      join(bin, "torchrun"),
      '#!/usr/bin/env bash\n{ printf "%s\\n" "$CUDA_VISIBLE_DEVICES" "$PWD"; printf "%s\\n" "$@"; } > "$RECORD"\n'
    )
    chmodSync(join(bin, "torchrun"), 0o755)
    const record = join(dir, "torchrun.txt")
    const run = spawnSync("bash", [join(dir, "sft.sh"), "--num_train_epochs", "2"], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env["PATH"]}`,
        RECORD: record,
        GPUS: "0,1",
        MODEL: "/models/qwen"
        // VIDEO_DIR unset: the folder the corpus's video paths start from
      }
    })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const [gpus, cwd, ...args] = readFileSync(record, "utf8").trimEnd().split("\n")
    expect([gpus, cwd]).toEqual(["0,1", dir])
    expect(args).toEqual([
      "--nproc_per_node",
      "gpu",
      trlSftScriptFile,
      "--config",
      "sft.yaml",
      "--model_name_or_path",
      "/models/qwen",
      "--output_dir",
      `${dir}/saves/sft`,
      "--report_to",
      "none",
      "--media_dir",
      "/data/project",
      "--num_train_epochs",
      "2"
    ])
    // every flag the script gets is an argument its parser knows
    for (const flag of args.slice(3).filter((a) => a.startsWith("--")))
      expect(flag === "--config" || argument(flag.slice(2)) !== undefined, flag).toBe(true)
  })
})

describe("videokr_trl_sft.py's own parts (Debian's python3, without torch)", () => {
  it("imports with the standard library alone, its trainers loaded only when it trains", () => {
    expect(py(`import json, sys, videokr_trl_sft as s\nprint(json.dumps(sorted(s.__all__)))`)).toEqual([
      "VideoArguments",
      "assistant_labels",
      "batch_labels",
      "conversation",
      "frozen",
      "main"
    ])
    const dir = mkdtempSync(join(tmpdir(), "videokr-trl-compile-"))
    copyFileSync(trlSftScriptPath, join(dir, trlSftScriptFile))
    expect(spawnSync(python, ["-m", "py_compile", join(dir, trlSftScriptFile)], { encoding: "utf8" }).status).toBe(0)
  })

  it("labels the assistant's turn only: its text, <|im_end|> and newline; padding and the prompt masked", () => {
    // Qwen2.5-VL's ids: <|im_start|> 151644, <|im_end|> 151645, <|endoftext|> 151643 (padding),
    // "system" 8948, "user" 872, "assistant" 77091, "\n" 198; 1001-1004 stand for other tokens
    const ids = [
      151644, 8948, 198, 1001, 151645, 198, 151644, 872, 198, 1002, 151645, 198, 151644, 77091, 198, 1003, 1004, 151645,
      198, 151643, 151643
    ]
    const mask = ids.map((_, i) => (i < 19 ? 1 : 0))
    const labels = py(
      `import json, sys, videokr_trl_sft as s
ids, mask = json.load(sys.stdin)
print(json.dumps(s.assistant_labels(ids, mask, [151644, 77091, 198])))`,
      [ids, mask]
    )
    const m = -100
    expect(labels).toEqual([m, m, m, m, m, m, m, m, m, m, m, m, m, m, m, 1003, 1004, 151645, 198, m, m])
    // a batch with an example that has nothing to learn (no assistant header) is refused, not trained on
    const refused = py(
      `import json, sys, videokr_trl_sft as s
ids, mask = json.load(sys.stdin)
try:
    s.batch_labels([ids, ids[:12]], [mask, mask[:12]], [151644, 77091, 198])
    print(json.dumps("trained"))
except ValueError as e:
    print(json.dumps(str(e)))`,
      [ids, mask]
    )
    expect(refused).toBe("an example has no assistant turn to learn: 12 tokens, none after the assistant header")
  })

  it("freezes the vision tower (Qwen3-VL's deepstack mergers with it) and the projector, nothing of the language model", () => {
    const names = [
      "model.visual.patch_embed.proj.weight",
      "model.visual.blocks.0.attn.qkv.weight",
      "model.visual.pos_embed.weight",
      "model.visual.merger.mlp.0.weight",
      "model.visual.deepstack_merger_list.0.linear_fc1.weight",
      "model.language_model.embed_tokens.weight",
      "model.language_model.layers.0.self_attn.q_proj.weight",
      "lm_head.weight"
    ]
    const frozen = py(
      `import json, sys, videokr_trl_sft as s
names = json.load(sys.stdin)
print(json.dumps({str(t) + str(p): [s.frozen(n, t, p) for n in names] for t in (True, False) for p in (True, False)}))`,
      names
    )
    expect(frozen).toEqual({
      TrueTrue: [true, true, true, true, true, false, false, false],
      TrueFalse: [true, true, true, false, true, false, false, false],
      FalseTrue: [false, false, false, true, false, false, false, false],
      FalseFalse: [false, false, false, false, false, false, false, false]
    })
  })

  it("gives qwen-vl-utils the exported example's video, under media_dir, with the frame settings", () => {
    // a line of videokr's TRL export, as datasets' JSON loader gives it (missing keys as None)
    const example = {
      messages: [
        {
          role: "user",
          content: [
            { type: "video", text: null },
            { type: "text", text: "What is measured?" }
          ]
        },
        { role: "assistant", content: [{ type: "text", text: "<think>t</think><answer>B</answer>" }] }
      ],
      videos: ["videos/a.mp4"]
    }
    const frames = { fps: 2, min_frames: 4, max_frames: 128, max_pixels: 100352, min_pixels: 256 }
    expect(
      py(
        `import json, sys, videokr_trl_sft as s
e, frames = json.load(sys.stdin)
print(json.dumps(s.conversation(e, "/data/project", frames)))`,
        [example, frames]
      )
    ).toEqual([
      {
        role: "user",
        content: [
          { type: "video", video: "/data/project/videos/a.mp4", ...frames },
          { type: "text", text: "What is measured?" }
        ]
      },
      { role: "assistant", content: [{ type: "text", text: "<think>t</think><answer>B</answer>" }] }
    ])
  })
})
