/**
 * Near-duplicate videos by perceptual hashes of their frames: pairs of videos with frames within a
 * Hamming distance, found by multi-index hashing (not all pairs). Nothing is deleted: the result is the
 * matching pairs with the frames that matched, a removal plan (which ids to drop, keeping the first of
 * each group in the given order), and how many videos each threshold would remove, so the threshold can
 * be chosen after the fact.
 */
export interface Fingerprint {
  readonly id: string
  /** 64-bit perceptual hashes of sampled frames, 16 hex digits each */
  readonly hashes: ReadonlyArray<string>
}

export interface FrameMatch {
  readonly frameA: number
  readonly frameB: number
  readonly distance: number
}

export interface NearDuplicatePair {
  /** `a` comes before `b` in the input order */
  readonly a: string
  readonly b: string
  readonly distance: number
  /** every frame pair within the threshold: why the videos matched */
  readonly matches: ReadonlyArray<FrameMatch>
}

export interface NearDuplicateOptions {
  /** largest Hamming distance (of 64 bits) for two frames to match; at most 15 */
  readonly maxDistance: number
  /** how many matching frame pairs make two videos near-duplicates (default 1) */
  readonly minMatches?: number | undefined
}

const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

/** All values within Hamming `radius` of a 16-bit value. */
const neighbours = (value: number, radius: number): Array<number> => {
  const out = [value]
  if (radius >= 1) for (let i = 0; i < 16; i++) out.push(value ^ (1 << i))
  if (radius >= 2) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push(value ^ (1 << i) ^ (1 << j))
  if (radius >= 3) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) for (let k = j + 1; k < 16; k++) out.push(value ^ (1 << i) ^ (1 << j) ^ (1 << k))
  return out
}

/**
 * Every pair of hashes (i < j) within `maxDistance`, by multi-index hashing: the 64 bits as four 16-bit
 * chunks; two hashes within t bits differ by at most floor(t/4) bits in some chunk, so each hash probes
 * the chunk tables within that radius, and candidates are checked exactly. A pair is reported by the
 * first chunk that finds it only, so each pair once.
 */
export const hashPairsWithin = (hi: Uint32Array, lo: Uint32Array, maxDistance: number, onPair: (i: number, j: number, distance: number) => void) => {
  if (maxDistance < 0 || maxDistance > 15) throw new RangeError("maxDistance must be between 0 and 15")
  const n = hi.length
  const radius = Math.floor(maxDistance / 4)
  const chunkOf = (i: number, c: number) => (c < 2 ? hi[i]! >>> (c === 0 ? 16 : 0) : lo[i]! >>> (c === 2 ? 16 : 0)) & 0xffff
  // per chunk: items sorted by chunk value (counting sort), with offsets
  const tables = [0, 1, 2, 3].map((c) => {
    const offsets = new Int32Array(65537)
    for (let i = 0; i < n; i++) offsets[chunkOf(i, c) + 1]!++
    for (let v = 0; v < 65536; v++) offsets[v + 1]! += offsets[v]!
    const fill = offsets.slice(0, 65536)
    const items = new Int32Array(n)
    for (let i = 0; i < n; i++) items[fill[chunkOf(i, c)]!++] = i
    return { offsets, items }
  })
  const probes = new Map<number, Array<number>>()
  const probe = (v: number) => {
    let p = probes.get(v)
    if (p === undefined && radius > 0) probes.set(v, (p = neighbours(v, radius)))
    return p ?? [v]
  }
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) {
      const { offsets, items } = tables[c]!
      for (const v of probe(chunkOf(i, c))) {
        for (let k = offsets[v]!, end = offsets[v + 1]!; k < end; k++) {
          const j = items[k]!
          if (j <= i) continue
          const d = popcount((hi[i]! ^ hi[j]!) >>> 0) + popcount((lo[i]! ^ lo[j]!) >>> 0)
          if (d > maxDistance) continue
          // report from the first chunk within the radius only
          let first = 0
          while (first < c && popcount((chunkOf(i, first) ^ chunkOf(j, first)) >>> 0) > radius) first++
          if (first === c) onPair(i, j, d)
        }
      }
    }
  }
}

export const findNearDuplicates = (fingerprints: ReadonlyArray<Fingerprint>, options: NearDuplicateOptions): Array<NearDuplicatePair> => {
  const total = fingerprints.reduce((n, f) => n + f.hashes.length, 0)
  const hi = new Uint32Array(total)
  const lo = new Uint32Array(total)
  const video = new Int32Array(total)
  const frame = new Int32Array(total)
  let k = 0
  fingerprints.forEach((f, v) =>
    f.hashes.forEach((h, i) => {
      hi[k] = parseInt(h.slice(0, 8), 16) >>> 0
      lo[k] = parseInt(h.slice(8, 16), 16) >>> 0
      video[k] = v
      frame[k++] = i
    })
  )
  const byPair = new Map<string, { a: number; b: number; matches: Array<FrameMatch> }>()
  hashPairsWithin(hi, lo, options.maxDistance, (i, j, distance) => {
    const vi = video[i]!
    const vj = video[j]!
    if (vi === vj) return
    const [a, b, fa, fb] = vi < vj ? [vi, vj, frame[i]!, frame[j]!] : [vj, vi, frame[j]!, frame[i]!]
    const key = `${a}:${b}`
    let p = byPair.get(key)
    if (p === undefined) byPair.set(key, (p = { a, b, matches: [] }))
    p.matches.push({ frameA: fa, frameB: fb, distance })
  })
  const minMatches = options.minMatches ?? 1
  return [...byPair.values()]
    .filter((p) => p.matches.length >= minMatches)
    .sort((x, y) => x.a - y.a || x.b - y.b)
    .map((p) => ({
      a: fingerprints[p.a]!.id,
      b: fingerprints[p.b]!.id,
      distance: Math.min(...p.matches.map((m) => m.distance)),
      matches: p.matches.sort((x, y) => x.distance - y.distance || x.frameA - y.frameA || x.frameB - y.frameB)
    }))
}

/**
 * Which ids to remove: going through the videos in the given order, a video near-duplicate to one already
 * kept is removed; otherwise it is kept (so the first of each group stays, and chains do not remove
 * everything).
 */
export const removalPlan = (order: ReadonlyArray<string>, pairs: ReadonlyArray<Pick<NearDuplicatePair, "a" | "b">>): Array<string> => {
  const neighbours = new Map<string, Array<string>>()
  for (const p of pairs) {
    ;(neighbours.get(p.a) ?? neighbours.set(p.a, []).get(p.a)!).push(p.b)
    ;(neighbours.get(p.b) ?? neighbours.set(p.b, []).get(p.b)!).push(p.a)
  }
  const kept = new Set<string>()
  const removed: Array<string> = []
  for (const id of order) {
    if ((neighbours.get(id) ?? []).some((n) => kept.has(n))) removed.push(id)
    else kept.add(id)
  }
  return removed
}

/** For each threshold up to the searched one: how many pairs match and how many videos would be removed. */
export const thresholdSummary = (order: ReadonlyArray<string>, pairs: ReadonlyArray<NearDuplicatePair>, thresholds: ReadonlyArray<number>) =>
  thresholds.map((t) => {
    const within = pairs.filter((p) => p.distance <= t)
    return { threshold: t, pairs: within.length, removed: removalPlan(order, within).length }
  })
