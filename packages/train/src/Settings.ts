/**
 * A configuration value with where it comes from: each generated config says, line by line, which file
 * of the release (or which part of the method's formats) gave it, so that a reader can check it.
 */
export interface Setting {
  readonly key: string
  readonly value: string | number | boolean
  /** where the value comes from, written as the line's comment */
  readonly source: string
}

/** Headed groups of settings, in the order a config file lists them. */
export type Sections = ReadonlyArray<{ readonly title: string; readonly settings: ReadonlyArray<Setting> }>

// a bare YAML scalar when it reads back as the same string, else a JSON (double-quoted YAML) string
const bare = /^[A-Za-z_./][A-Za-z0-9_./-]*$/
const reserved = /^(true|false|yes|no|on|off|null|~)$/i

/** A small float as PyYAML (YAML 1.1) reads a float: a dot in the mantissa, a signed exponent ("1.0e-5"). */
const exponent = (value: number) => {
  const [mantissa, power] = value.toExponential().split("e") as [string, string]
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${power}`
}

const yamlScalar = (value: Setting["value"]) =>
  typeof value === "string"
    ? bare.test(value) && !reserved.test(value)
      ? value
      : JSON.stringify(value)
    : typeof value === "number" && !Number.isInteger(value) && Math.abs(value) < 1e-3
      ? exponent(value)
      : String(value)

/** A flat YAML mapping, one `key: value  # source` per line, sections headed by `### title`. */
export const yamlOf = (header: ReadonlyArray<string>, sections: Sections) =>
  [
    ...header.map((l) => `# ${l}`),
    ...sections.flatMap((s) => [
      "",
      `### ${s.title}`,
      ...s.settings.map((x) => `${x.key}: ${yamlScalar(x.value)}  # ${x.source}`)
    ])
  ].join("\n") + "\n"

export const settingsOf = (sections: Sections): ReadonlyArray<Setting> => sections.flatMap((s) => s.settings)
