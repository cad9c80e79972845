import { createWriteStream } from "node:fs"
import { once } from "node:events"
import { disciplines, PythonRandom, skills } from "@videokr/core"

const words = (
  "titration burette meniscus endpoint phenolphthalein molarity suture needle forceps incision truss load " +
  "deflection beam strain gauge voltage current resistor capacitor oscilloscope waveform amplitude frequency " +
  "excavation stratigraphy trowel sediment artefact auction demand supply equilibrium price elasticity " +
  "pendulum period gravity acceleration velocity friction torque momentum enzyme substrate pipette centrifuge"
).split(" ")

/**
 * A deterministic synthetic corpus in the VideoKR JSONL format with realistic field sizes (question
 * ~40 words, rationale ~150 words, 70% multiple choice in both option shapes). About 1.4 KB a record.
 */
export const writeSyntheticCorpus = async (path: string, count: number, seed = 1) => {
  const rng = new PythonRandom(seed)
  const pick = <T>(xs: ReadonlyArray<T>) => xs[rng.randbelow(xs.length)]!
  const text = (n: number) => Array.from({ length: n }, () => pick(words)).join(" ")
  const out = createWriteStream(path)
  for (let i = 0; i < count; i++) {
    const mc = rng.randbelow(10) < 7
    const letters = ["A", "B", "C", "D", "E"].slice(0, 4 + rng.randbelow(2))
    const answer = mc ? pick(letters) : `${rng.randbelow(1000) / 10} ${pick(["mL", "N", "V", "mol/L", "s"])}`
    const options = !mc
      ? []
      : rng.randbelow(2) === 0
        ? letters.map((l) => `${l}. ${text(4 + rng.randbelow(6))}`)
        : Object.fromEntries(letters.map((l) => [l, text(4 + rng.randbelow(6))]))
    const record = {
      problem_id: `syn-${String(i).padStart(7, "0")}`,
      question: `In the video, ${text(25 + rng.randbelow(30))}?`,
      options,
      problem_type: mc ? "multiple choice" : "open-ended",
      solution: `<answer>${answer}</answer>`,
      think: text(100 + rng.randbelow(100)) + ".",
      video_path: `videos/${(i % 145_000).toString(36).padStart(11, "x")}.mp4`,
      skill: pick(skills),
      discipline: pick(disciplines),
      subject: `Subject ${rng.randbelow(82)}`,
      knowledge_point_id: `kp-${rng.randbelow(63_745)}`,
      video_id: `youtube:${(i % 145_000).toString(36).padStart(11, "x")}`,
      generator_model: pick(["gpt-4o-2024-08-06", "claude-sonnet-4-5", "gemini-2.5-pro", "qwen2.5-vl-72b-instruct"])
    }
    if (!out.write(JSON.stringify(record) + "\n")) await once(out, "drain")
  }
  out.end()
  await once(out, "finish")
}
