import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { generateFiles, logger, names, type Tree } from "@nx/devkit"

/**
 * `nx g @videokr/plugin:provider|filter|source <name>`: a plugin package (videokr-plugin-<name>) with its
 * code, a README saying how to enable it, and a first test wired to its kind's conformance kit, so that
 * `npm test` in the new folder passes before the author changes a line. Templates are in files/.
 */
export interface PluginOptions {
  readonly name: string
  readonly directory?: string | undefined
}

type Kind = "provider" | "filter" | "source"

const files = fileURLToPath(new URL("files/", import.meta.url))
const versionOf = (pkg: string) =>
  (
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../../${pkg}/package.json`, import.meta.url)), "utf8")) as {
      version: string
    }
  ).version

/** What the README and the log show: the lines of videokr.config.ts that enable the plugin. */
const configLines = (kind: Kind, name: string, constant: string) => {
  const pkg = `videokr-plugin-${name}`
  switch (kind) {
    case "provider":
      return `plugins: ["${pkg}"],\n  // models "${name}:<model>", key from ${constant}_API_KEY\n  pipeline: { models: { visual: "${name}:<model>" } }`
    case "filter":
      return `plugins: ["${pkg}"],\n  pipeline: { checks: [{ use: "${name}", after: "metadata", model: "<a text model>" }] }`
    case "source":
      return `plugins: ["${pkg}"],\n  pipeline: { sources: [{ use: "${name}", options: { api: "https://videos.example.org/api" } }] }`
  }
}

const generate = (kind: Kind) => (tree: Tree, options: PluginOptions) => {
  if (!/^[a-z][a-z0-9-]*$/.test(options.name))
    throw new Error(
      `the name "${options.name}" must be lowercase letters, digits and dashes, starting with a letter (e.g. acme-vision)`
    )
  const target = options.directory ?? join("plugins", options.name)
  if (tree.exists(join(target, "package.json")))
    throw new Error(`${target} already holds a package; give another name or --directory`)
  const n = names(options.name)
  const substitutions = {
    ...n,
    kind,
    tmpl: "",
    packageName: `videokr-plugin-${options.name}`,
    config: configLines(kind, options.name, n.constantName),
    versions: {
      core: versionOf("packages/core"),
      providers: versionOf("packages/providers"),
      effect: "4.1.0",
      vitest: "5.1.1",
      typescript: "7.0.2",
      node: "22.20.5"
    }
  }
  generateFiles(tree, join(files, "common"), target, substitutions)
  generateFiles(tree, join(files, kind), target, substitutions)
  return () => {
    logger.info(`Created the ${kind} plugin videokr-plugin-${options.name} in ${target}.`)
    logger.info(`Its tests: cd ${target} && npm test. To use it, in videokr.config.ts:\n  ${substitutions.config}`)
  }
}

export const providerGenerator = generate("provider")
export const filterGenerator = generate("filter")
export const sourceGenerator = generate("source")
