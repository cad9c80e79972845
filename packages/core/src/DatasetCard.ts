import { type Eligibility, percent } from "./Review.ts"
import type { CorpusStats } from "./Stats.ts"

/**
 * A corpus's dataset card in the two forms hubs read: a Hugging Face README (the YAML header the hub
 * parses: license, task categories, size category, configs with one data file per split; then the card's
 * sections) and Croissant 1.0 JSON-LD (the distribution with checksums, and a record set whose fields
 * read the VideoKR JSONL columns). Both are built from the store's statistics and the release's files.
 */
export interface CardFile {
  /** path inside the release folder, e.g. "data/sft.jsonl" */
  readonly path: string
  readonly split: string
  readonly records: number
  readonly bytes: number
  readonly sha256: string
}

export interface CardInput {
  readonly name: string
  readonly description: string
  readonly url?: string | undefined
  readonly version: string
  readonly stats: CorpusStats
  /** video licenses and how many videos carry each */
  readonly licenses: ReadonlyArray<{ readonly license: string; readonly videos: number }>
  readonly files: ReadonlyArray<CardFile>
  readonly citation?: string | undefined
  /** human review of the models' outputs per step (videokr eligibility), with the threshold it was judged by */
  readonly quality?:
    | { readonly rows: ReadonlyArray<Eligibility>; readonly maxErrorRate: number; readonly sampleSize: number }
    | undefined
}

/** The card's human quality control section: what reviewers checked, per step and model. */
const qualitySection = (q: NonNullable<CardInput["quality"]>): ReadonlyArray<string> =>
  q.rows.length === 0
    ? []
    : [
        "## Human quality control",
        "",
        `Reviewers marked a seeded sample of each model's outputs per pipeline step, stratified by discipline and skill. A model serves a step when at least ${q.sampleSize} of its outputs there are reviewed and fewer than ${percent(q.maxErrorRate)} are wrong.`,
        "",
        table(
          ["step", "model", "reviewed", "errors", "error rate", "95% interval", "state"],
          q.rows.map((r) => [
            r.step,
            r.model,
            r.reviewed,
            r.errors,
            r.errorRate === null ? "-" : percent(r.errorRate),
            r.interval === null ? "-" : `${percent(r.interval.low)}-${percent(r.interval.high)}`,
            r.state
          ])
        ),
        ""
      ]

/** Hugging Face's size categories. */
export const sizeCategory = (n: number) =>
  n < 1_000
    ? "n<1K"
    : n < 10_000
      ? "1K<n<10K"
      : n < 100_000
        ? "10K<n<100K"
        : n < 1_000_000
          ? "100K<n<1M"
          : n < 10_000_000
            ? "1M<n<10M"
            : "10M<n<100M"

/** A license id for the card: the one license every video has (hub ids for the Creative Commons family), else "other". */
export const cardLicense = (licenses: CardInput["licenses"]) => {
  if (licenses.length !== 1) return "other"
  const m = /^CC(0| BY(-SA|-NC|-ND|-NC-SA|-NC-ND)?) ?(\d\.\d)?/i.exec(licenses[0]!.license.trim())
  if (m === null) return "other"
  if (m[1] === "0") return "cc0-1.0"
  return `cc-by${(m[2] ?? "").toLowerCase()}-${m[3] ?? "4.0"}`
}

// YAML scalars quoted when they hold anything a plain scalar cannot
const yamlString = (s: string) => (/^[A-Za-z0-9 ._/()-]+$/.test(s) && !/^\s|\s$/.test(s) ? s : JSON.stringify(s))

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ].join("\n")

export const huggingFaceReadme = (input: CardInput): string => {
  const s = input.stats
  const splits = [...new Set(input.files.map((f) => f.split))]
  const header = [
    "---",
    `pretty_name: ${yamlString(input.name)}`,
    `license: ${cardLicense(input.licenses)}`,
    "language:",
    "- en",
    "task_categories:",
    "- video-text-to-text",
    "- visual-question-answering",
    "tags:",
    "- video",
    "- reasoning",
    "- knowledge",
    "size_categories:",
    `- ${sizeCategory(s.totals.examples)}`,
    "configs:",
    "- config_name: default",
    "  data_files:",
    ...splits.flatMap((split) => [
      `  - split: ${yamlString(split)}`,
      `    path: ${yamlString(input.files.find((f) => f.split === split)!.path)}`
    ]),
    "---"
  ]
  const by = (key: string) => (s.examplesBy[key] ?? []).map((r) => [r.value, r.examples])
  const d = s.videoDurations.summary
  return [
    ...header,
    "",
    `# ${input.name}`,
    "",
    input.description,
    "",
    "## Dataset structure",
    "",
    `${s.totals.examples} examples over ${s.totals.videos} videos (${d.total_hours === null ? "?" : d.total_hours.toFixed(1)} hours; mean ${d.mean_seconds === null ? "?" : d.mean_seconds.toFixed(0)} s), ${s.totals.examples_with_rationale} with a rationale, from ${s.totals.knowledge_points} knowledge points. Each record has \`problem_id\`, \`question\`, \`options\`, \`problem_type\` ("multiple choice" or "open-ended"), \`solution\` ("<answer>...</answer>"), \`think\` (the rationale, SFT split), \`video_path\`, and its provenance (skill, discipline, subject, knowledge point, video, generator model).`,
    "",
    table(
      ["split", "file", "records", "sha256"],
      input.files.map((f) => [f.split, f.path, f.records, `\`${f.sha256}\``])
    ),
    "",
    "### By discipline",
    "",
    table(["discipline", "examples"], by("discipline")),
    "",
    "### By skill",
    "",
    table(["skill", "examples"], by("skill")),
    "",
    "### By problem type",
    "",
    table(["problem type", "examples"], by("problem_type")),
    "",
    "## Licenses",
    "",
    "Videos are Creative Commons licensed as their sources state; each record names its video.",
    "",
    table(
      ["license", "videos"],
      input.licenses.map((l) => [l.license, l.videos])
    ),
    "",
    ...(input.quality === undefined ? [] : qualitySection(input.quality)),
    ...(input.citation === undefined ? [] : ["## Citation", "", "```bibtex", input.citation, "```", ""]),
    `Card generated by videokr ${input.version}.`,
    ""
  ].join("\n")
}

const croissantContext = {
  "@language": "en",
  "@vocab": "https://schema.org/",
  citeAs: "cr:citeAs",
  column: "cr:column",
  conformsTo: "dct:conformsTo",
  cr: "http://mlcommons.org/croissant/",
  rai: "http://mlcommons.org/croissant/RAI/",
  data: { "@id": "cr:data", "@type": "@json" },
  dataType: { "@id": "cr:dataType", "@type": "@vocab" },
  dct: "http://purl.org/dc/terms/",
  examples: { "@id": "cr:examples", "@type": "@json" },
  extract: "cr:extract",
  field: "cr:field",
  fileProperty: "cr:fileProperty",
  fileObject: "cr:fileObject",
  fileSet: "cr:fileSet",
  format: "cr:format",
  includes: "cr:includes",
  isLiveDataset: "cr:isLiveDataset",
  jsonPath: "cr:jsonPath",
  key: "cr:key",
  md5: "cr:md5",
  parentField: "cr:parentField",
  path: "cr:path",
  recordSet: "cr:recordSet",
  references: "cr:references",
  regex: "cr:regex",
  repeated: "cr:repeated",
  replace: "cr:replace",
  sc: "https://schema.org/",
  separator: "cr:separator",
  source: "cr:source",
  subField: "cr:subField",
  transform: "cr:transform"
}

const recordFields: ReadonlyArray<readonly [string, string, string]> = [
  ["problem_id", "sc:Text", "The example's id."],
  ["question", "sc:Text", "The question about the video."],
  ["problem_type", "sc:Text", '"multiple choice" or "open-ended".'],
  ["solution", "sc:Text", "The answer, as <answer>...</answer>."],
  ["video_path", "sc:Text", "The video, relative to the release folder."],
  ["skill", "sc:Text", "VIDR, KNOWVID or KNOWVIDR."],
  ["discipline", "sc:Text", "The knowledge point's discipline."],
  ["subject", "sc:Text", "The knowledge point's subject."]
]

export const croissant = (input: CardInput) => ({
  "@context": croissantContext,
  "@type": "sc:Dataset",
  name: input.name,
  description: input.description,
  conformsTo: "http://mlcommons.org/croissant/1.0",
  license: cardLicense(input.licenses),
  ...(input.url === undefined ? {} : { url: input.url }),
  version: input.version,
  ...(input.citation === undefined ? {} : { citeAs: input.citation }),
  distribution: input.files.map((f) => ({
    "@type": "cr:FileObject",
    "@id": f.path,
    name: f.path,
    contentUrl: f.path,
    contentSize: `${f.bytes} B`,
    encodingFormat: "application/jsonlines",
    sha256: f.sha256
  })),
  recordSet: input.files.map((f) => ({
    "@type": "cr:RecordSet",
    "@id": f.split,
    name: f.split,
    description: `${f.records} examples of the ${f.split} split.`,
    field: recordFields.map(([column, dataType, description]) => ({
      "@type": "cr:Field",
      "@id": `${f.split}/${column}`,
      name: column,
      description,
      dataType,
      source: { fileObject: { "@id": f.path }, extract: { column } }
    }))
  }))
})
