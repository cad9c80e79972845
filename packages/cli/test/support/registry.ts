import { createHash } from "node:crypto"
import { createReadStream, existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { homedir } from "node:os"
import { join } from "node:path"

/**
 * An npm registry on loopback for installing packed videokr packages with no network: it speaks npm's
 * registry protocol (a packument per package name, tarballs by URL) and serves
 *  - the packed @videokr tarballs given to it, and
 *  - every third-party package of the workspace's package-lock.json, each tarball read from the npm
 *    cache that `npm ci` filled when the checkout was set up (content-addressed by the lock's integrity).
 * npm itself resolves, fetches, checks integrity and installs, as it does against registry.npmjs.org.
 */
export interface LoopbackRegistry {
  readonly url: string
  /** names of packages asked for that the registry does not hold (npm fails on them) */
  readonly missing: ReadonlySet<string>
  readonly close: () => Promise<void>
}

interface Version {
  readonly manifest: Record<string, unknown>
  readonly file: string
  readonly integrity: string
}

const metadataFields = [
  "dependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "os",
  "cpu",
  "libc",
  "bin",
  "engines",
  "hasInstallScript"
] as const

/** Where npm's cache keeps a tarball with this integrity ("sha512-<base64>"). */
const cachedTarball = (cacheDir: string, integrity: string) => {
  const [algorithm, digest] = integrity.split("-", 2) as [string, string]
  const hex = Buffer.from(digest, "base64").toString("hex")
  return join(cacheDir, "_cacache", "content-v2", algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4))
}

export const startLoopbackRegistry = async (options: {
  readonly lockfile: string
  /** packed tarballs of the workspace's own packages */
  readonly tarballs: ReadonlyArray<{ readonly file: string; readonly manifest: Record<string, unknown> }>
  readonly cacheDir?: string
}): Promise<LoopbackRegistry> => {
  const cacheDir = options.cacheDir ?? process.env.npm_config_cache ?? join(homedir(), ".npm")
  const packages = new Map<string, Map<string, Version>>()
  const add = (name: string, version: Version) => {
    const versions = packages.get(name) ?? new Map<string, Version>()
    versions.set(String(version.manifest.version), version)
    packages.set(name, versions)
  }
  const lock = JSON.parse(readFileSync(options.lockfile, "utf8")) as {
    packages: Record<string, Record<string, unknown>>
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf("node_modules/")
    if (at < 0 || entry.link === true || typeof entry.integrity !== "string") continue
    const name = typeof entry.name === "string" ? entry.name : path.slice(at + "node_modules/".length)
    const manifest: Record<string, unknown> = { name, version: entry.version }
    for (const f of metadataFields) if (entry[f] !== undefined) manifest[f] = entry[f]
    add(name, { manifest, file: cachedTarball(cacheDir, entry.integrity), integrity: entry.integrity })
  }
  for (const t of options.tarballs) {
    const integrity = `sha512-${createHash("sha512").update(readFileSync(t.file)).digest("base64")}`
    const manifest: Record<string, unknown> = { name: t.manifest.name, version: t.manifest.version }
    for (const f of metadataFields) if (t.manifest[f] !== undefined) manifest[f] = t.manifest[f]
    add(String(t.manifest.name), { manifest, file: t.file, integrity })
  }

  const missing = new Set<string>()
  let base = ""
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!).slice(1)
    const tarball = /^-\/tarballs\/(.+)\/([^/]+)$/.exec(path)
    if (tarball !== null) {
      const version = packages.get(tarball[1]!)?.get(tarball[2]!)
      if (version === undefined || !existsSync(version.file)) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { "content-type": "application/octet-stream" })
      createReadStream(version.file).pipe(res)
      return
    }
    const versions = packages.get(path)
    if (versions === undefined) {
      missing.add(path)
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }))
      return
    }
    const all = [...versions.values()]
    const packument = {
      name: path,
      "dist-tags": { latest: all.at(-1)!.manifest.version },
      versions: Object.fromEntries(
        all.map((v) => [
          v.manifest.version,
          {
            ...v.manifest,
            dist: {
              tarball: `${base}/-/tarballs/${encodeURIComponent(path)}/${encodeURIComponent(String(v.manifest.version))}`,
              integrity: v.integrity
            }
          }
        ])
      )
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(packument))
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const address = server.address()
  base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  return {
    url: `${base}/`,
    missing,
    close: () => new Promise<void>((ok) => server.close(() => ok()))
  }
}
