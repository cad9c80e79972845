import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { parse } from "yaml"
import { bases } from "../src/Bases.ts"
import { planRunFolder } from "../src/RunFolder.ts"
import { ofType } from "./support/python-types.ts"
import { fileText, vectors } from "./support/vectors.ts"

/**
 * The generated configs against the frameworks' own arguments and the release's example configs
 * (test/vectors, gathered from their sources; see its README): every LLaMA-Factory argument the SFT
 * config sets exists with a value of its type, every Hydra override of grpo.sh names a key of verl's
 * configuration with a value of its type, and both give the release's values but where the run folder
 * needs its own (its paths, run names, the reward module). The launch scripts pass `bash -n` and
 * shellcheck.
 */
const lfArgs: Record<string, { type: string; allowed?: Array<string> }> = vectors("llamafactory-args.json").arguments
const verlKeys: Record<string, { type: string | null; dataclassType?: string | null }> = vectors("verl-keys.json").keys
const releaseSft = vectors("release-sft.json")
const releaseGrpo: { overrides: Array<{ key?: string; effectiveDefault?: string; addsNewKey?: boolean }> } =
  vectors("release-grpo.json")

const plan = (base: string, stage: "sft" | "grpo" | "both" = "both") =>
  Effect.runSync(
    planRunFolder({
      framework: "llamafactory",
      base: bases[base]!,
      stage,
      project: "/p",
      videoDir: "/p",
      version: "0.0.0-test"
    })
  )
const text = fileText

/** What Hydra makes of an override's value: booleans, numbers, lists, else a string. */
const hydraValue = (raw: string): unknown => {
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true"
  if (/^[-+]?\d+$/.test(raw)) return Number(raw)
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(raw)) return Number(raw)
  if (raw.startsWith("[")) return JSON.parse(raw)
  return raw
}

/** grpo.sh's overrides, each with the value it has when no variable is set (its variable's default). */
const overridesOf = (script: string) => {
  const defaults = new Map(
    [...script.matchAll(/^([A-Z_0-9]+)="\$\{\1:-(.*)\}" {2}#/gm)].map((m) => [
      m[1]!,
      m[2]!.replace(/\\(["\\$`])/g, "$1")
    ])
  )
  return [...script.matchAll(/^ {2}(\+?)([a-z_.0-9]+)=(.*) \\$/gm)].map((m) => {
    const raw = m[3]!
    const variable = /^"\$([A-Z_0-9]+)"$/.exec(raw)
    const value =
      variable !== null ? defaults.get(variable[1]!)! : raw.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1")
    return { adds: m[1] === "+", key: m[2]!, value, variable: variable?.[1] }
  })
}

// the run folder's own values where the release has paths of its checkout, and the reward as a module
const sftOwn = new Set(["dataset_dir", "deepspeed", "output_dir", "run_name"])
const grpoOwn = new Set([
  "data.train_files",
  "data.val_files",
  "actor_rollout_ref.model.path",
  "trainer.experiment_name",
  "trainer.default_local_dir",
  "trainer.rollout_data_dir",
  "reward.custom_reward_function.path",
  "reward.custom_reward_function.name"
])

describe.each(Object.keys(bases))("the run folder of %s", (base) => {
  const files = plan(base).files

  it("sets LLaMA-Factory arguments that exist, with values of their types, as the release's SFT config", () => {
    const config = parse(text(files, "sft.yaml")) as Record<string, unknown>
    for (const [key, value] of Object.entries(config)) {
      expect(lfArgs[key], `LLaMA-Factory has an argument ${key}`).toBeDefined()
      expect(
        ofType(lfArgs[key]!.type, value, lfArgs[key]!.allowed),
        `${key}: ${JSON.stringify(value)} is a ${lfArgs[key]!.type}`
      ).toBe(true)
    }
    const release: Record<string, unknown> = releaseSft.configs[base]
    const mine = Object.fromEntries(Object.entries(config).filter(([k]) => !sftOwn.has(k)))
    // every value of the release but the checkout's paths and names, and resume_from_checkpoint (see LlamaFactory.ts)
    const { resume_from_checkpoint, ...wanted } = Object.fromEntries(
      Object.entries(release).filter(([k]) => !sftOwn.has(k))
    )
    expect(resume_from_checkpoint).toBe(false)
    expect(mine).toEqual(wanted)
    expect(JSON.parse(text(files, "ds_z3_config.json"))).toEqual(releaseSft.deepspeed)
    // the frames of FORMATS.md: 2 fps, at most 128, 128*28*28 pixels a frame
    expect([config["video_fps"], config["video_maxlen"], config["video_max_pixels"]]).toEqual([2, 128, 128 * 28 * 28])
  })

  it("overrides verl keys that exist, with values of their types, as the release's GRPO script", () => {
    const overrides = overridesOf(text(files, "grpo.sh"))
    expect(overrides.length).toBeGreaterThan(40)
    for (const o of overrides) {
      const known = verlKeys[o.key]
      if (o.adds) {
        expect(known, `${o.key} is added with +: verl's configuration lacks it`).toBeUndefined()
        continue
      }
      expect(known, `verl's configuration has ${o.key}`).toBeDefined()
      const type =
        known!.type === null || ["null", "MISSING", "interpolation"].includes(known!.type)
          ? known!.dataclassType
          : known!.type
      const value = hydraValue(o.value)
      // a key whose default is null and that no dataclass covers declares no type: its existence is what can be checked
      if (type === null || type === undefined) continue
      // an int where verl's YAML has an int and its dataclass a float (entropy_coeff) is what the release passes
      else
        expect(
          ofType(type, value) || (type === "int" && known!.dataclassType === "float"),
          `${o.key}: ${o.value} is a ${type}`
        ).toBe(true)
    }
    const release = releaseGrpo.overrides.filter((o) => o.key !== undefined)
    const mine = new Map(overrides.map((o) => [o.key, o]))
    for (const r of release) {
      if (grpoOwn.has(r.key!)) continue
      expect(mine.get(r.key!)?.value, r.key).toBe(r.effectiveDefault)
      expect(mine.get(r.key!)?.adds ?? false).toBe(r.addsNewKey)
    }
    expect([...mine.keys()].filter((k) => !release.some((r) => r.key === k))).toEqual([
      "reward.custom_reward_function.path",
      "reward.custom_reward_function.name"
    ])
    expect(mine.get("reward.custom_reward_function.path")?.value).toBe("${RUN_DIR}/videokr_reward.py")
  })

  it("writes launch scripts that pass bash -n and shellcheck", () => {
    const dir = mkdtempSync(join(tmpdir(), "videokr-scripts-"))
    const scripts = files.filter((f) => f.path.endsWith(".sh"))
    expect(scripts.map((f) => f.path)).toEqual(["sft.sh", "grpo.sh", "eval.sh"])
    for (const f of scripts) writeFileSync(join(dir, f.path), f.text!)
    const paths = scripts.map((f) => join(dir, f.path))
    for (const p of paths) {
      const syntax = spawnSync("bash", ["-n", p], { encoding: "utf8" })
      expect(syntax.stderr, p).toBe("")
      expect(syntax.status).toBe(0)
    }
    const shellcheck = process.env["VIDEOKR_SHELLCHECK"] || "shellcheck"
    const checked = spawnSync(shellcheck, ["--severity=style", ...paths], { encoding: "utf8" })
    expect(checked.error, `${shellcheck} (Debian's shellcheck, installed by the set-up)`).toBeUndefined()
    expect(checked.stdout + checked.stderr).toBe("")
    expect(checked.status).toBe(0)
  })
})

describe("the stages a run folder holds", () => {
  it("is SFT on LLaMA-Factory or TRL, GRPO on verl, or both in turn; other pairings say what to use", () => {
    expect(plan("qwen3-vl-8b", "sft").files.map((f) => f.path)).toEqual([
      "sft.yaml",
      "ds_z3_config.json",
      "sft.sh",
      "eval.sh",
      "README.md"
    ])
    // what eval.sh serves: SFT's checkpoint when there is no GRPO, else GRPO's merged one
    expect(text(plan("qwen3-vl-8b", "sft").files, "eval.sh")).toContain(
      'CHECKPOINT="${CHECKPOINT:-${RUN_DIR}/saves/sft}"'
    )
    expect(text(plan("qwen3-vl-8b").files, "eval.sh")).toContain(
      'CHECKPOINT="${CHECKPOINT:-${RUN_DIR}/outputs/grpo/merged_hf}"'
    )
    const grpo = Effect.runSync(
      planRunFolder({
        framework: "verl",
        base: bases["qwen3-vl-8b"]!,
        stage: "grpo",
        project: "/p",
        videoDir: "/p",
        version: "0"
      })
    )
    expect(grpo.exports).toEqual(["verl"])
    // without an SFT stage, GRPO starts from the base model
    expect(overridesOf(text(grpo.files, "grpo.sh")).find((o) => o.key === "actor_rollout_ref.model.path")?.value).toBe(
      "Qwen/Qwen3-VL-8B-Instruct"
    )
    const refused = (framework: "llamafactory" | "verl" | "trl", stage: "sft" | "grpo" | "both") =>
      Effect.runSync(
        Effect.flip(
          planRunFolder({
            framework,
            base: bases["qwen2.5-vl-7b"]!,
            stage,
            project: "/p",
            videoDir: "/p",
            version: "0"
          })
        )
      ).message
    expect(refused("verl", "sft")).toContain("use --framework llamafactory")
    expect(refused("llamafactory", "grpo")).toContain("use --framework verl")
    expect(refused("trl", "grpo")).toContain("TRL's GRPOTrainer reads no video (huggingface/trl#4144)")
    expect(refused("trl", "both")).toContain(
      "give --stage sft, then run GRPO from its checkpoint with --framework verl"
    )
  })
})
