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
  /** largest Hamming distance (of 64 bits) for two frames to match; at most 24 */
  readonly maxDistance: number
  /** how many matching frame pairs make two videos near-duplicates (default 1) */
  readonly minMatches?: number | undefined
}

const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

const binomial = (n: number, k: number): number => (k === 0 ? 1 : (binomial(n, k - 1) * (n - k + 1)) / k)

/**
 * How to split 64 bits for `n` hashes and threshold `t`: m chunks, searched within radius floor(t/m)
 * each (pigeonhole: two hashes within t bits are within that radius in some chunk). Chosen to minimise
 * the expected work per hash: probes of the chunk tables (dearer for tables that outgrow the CPU caches)
 * plus candidates to check.
 */
export const chunkPlan = (n: number, t: number) => {
  let best: { chunks: number; radius: number; cost: number } | undefined
  for (let m = 2; m <= 12; m++) {
    const radius = Math.floor(t / m)
    const width = 64 / m
    if (radius > 3 || Math.ceil(width) > 24) continue
    let probes = 0
    for (let k = 0; k <= radius; k++) probes += binomial(Math.ceil(width), k)
    // a probe into a table larger than the CPU caches (over 2^17 entries) costs a memory access
    const cost = m * probes * ((width > 17 ? 4 : 1) + n / 2 ** width)
    if (best === undefined || cost < best.cost) best = { chunks: m, radius, cost }
  }
  return best!
}

/** Bits [start, start + width) of the 64-bit value hi:lo (bit 0 = the top bit of hi), as a number. */
const bitsOf = (hi: number, lo: number, start: number, width: number): number => {
  const end = start + width
  if (end <= 32) return (hi >>> (32 - end)) & (2 ** width - 1)
  if (start >= 32) return (lo >>> (64 - end)) & (2 ** width - 1)
  const fromHi = hi & (2 ** (32 - start) - 1)
  const loBits = end - 32
  return fromHi * 2 ** loBits + (lo >>> (32 - loBits))
}

/**
 * Every pair of hashes (i < j) within `maxDistance`, by multi-index hashing (Norouzi et al.): the 64
 * bits split in chunks (see chunkPlan), each hash probes every chunk table within the radius, and
 * candidates are checked exactly. A pair is reported by the first chunk that can find it only, so once.
 */
export const hashPairsWithin = (
  hi: Uint32Array,
  lo: Uint32Array,
  maxDistance: number,
  onPair: (i: number, j: number, distance: number) => void
) => {
  if (maxDistance < 0 || maxDistance > 24) throw new RangeError("maxDistance must be between 0 and 24")
  const n = hi.length
  const { chunks, radius } = chunkPlan(n, maxDistance)
  const widths = Array.from({ length: chunks }, (_, c) => Math.floor(64 / chunks) + (c < 64 % chunks ? 1 : 0))
  const starts = widths.map((_, c) => widths.slice(0, c).reduce((a, b) => a + b, 0))
  const keys = widths.map((w, c) => {
    const k = new Int32Array(n)
    for (let i = 0; i < n; i++) k[i] = bitsOf(hi[i]!, lo[i]!, starts[c]!, w)
    return k
  })
  // per chunk: items grouped by chunk value (counting sort), with offsets
  const tables = widths.map((w, c) => {
    const size = 2 ** w
    const offsets = new Int32Array(size + 1)
    const key = keys[c]!
    for (let i = 0; i < n; i++) offsets[key[i]! + 1]!++
    for (let v = 0; v < size; v++) offsets[v + 1]! += offsets[v]!
    const fill = offsets.slice(0, size)
    const items = new Int32Array(n)
    for (let i = 0; i < n; i++) items[fill[key[i]!]!++] = i
    return { offsets, items }
  })
  // the flip masks of every chunk value within the radius (0, single bits, pairs, triples)
  const masks = widths.map((w) => {
    const out = [0]
    for (let a = 0; a < w && radius >= 1; a++) {
      out.push(1 << a)
      for (let b = a + 1; b < w && radius >= 2; b++) {
        out.push((1 << a) | (1 << b))
        for (let e = b + 1; e < w && radius >= 3; e++) out.push((1 << a) | (1 << b) | (1 << e))
      }
    }
    return Int32Array.from(out)
  })
  for (let i = 0; i < n; i++) {
    const hiI = hi[i]!
    const loI = lo[i]!
    for (let c = 0; c < chunks; c++) {
      const { offsets, items } = tables[c]!
      const chunkMasks = masks[c]!
      const v = keys[c]![i]!
      for (let m = 0; m < chunkMasks.length; m++) {
        const probe = v ^ chunkMasks[m]!
        for (let k = offsets[probe]!, end = offsets[probe + 1]!; k < end; k++) {
          const j = items[k]!
          if (j <= i) continue
          const d = popcount((hiI ^ hi[j]!) >>> 0) + popcount((loI ^ lo[j]!) >>> 0)
          if (d > maxDistance) continue
          // report from the first chunk within the radius only
          let first = 0
          while (first < c && popcount((keys[first]![i]! ^ keys[first]![j]!) >>> 0) > radius) first++
          if (first === c) onPair(i, j, d)
        }
      }
    }
  }
}

/**
 * Fingerprints packed for the search: per frame, its hash as two 32-bit halves, its video (an index into
 * `ids`, in the given order) and its place among that video's frames. 16 bytes a frame, where a hash string and its array
 * cost several times that: a corpus of 145K videos has over a million frames.
 */
export interface PackedFingerprints {
  readonly ids: ReadonlyArray<string>
  readonly hi: Uint32Array
  readonly lo: Uint32Array
  readonly video: Int32Array
  readonly frame: Int32Array
}

/** Packs fingerprints as they come, frame by frame, a video's frames together (see PackedFingerprints). */
export const fingerprintPacker = () => {
  const ids: Array<string> = []
  let size = 0
  // the frame's place among its video's frames
  let position = 0
  let hi = new Uint32Array(1024)
  let lo = new Uint32Array(1024)
  let video = new Int32Array(1024)
  let frame = new Int32Array(1024)
  const grow = () => {
    const wider = <A extends Uint32Array | Int32Array>(a: A, make: (n: number) => A) => {
      const b = make(a.length * 2)
      b.set(a)
      return b
    }
    hi = wider(hi, (n) => new Uint32Array(n))
    lo = wider(lo, (n) => new Uint32Array(n))
    video = wider(video, (n) => new Int32Array(n))
    frame = wider(frame, (n) => new Int32Array(n))
  }
  return {
    /** the video whose frames come next */
    startVideo: (id: string) => {
      ids.push(id)
      position = 0
    },
    /** the next frame of the current video: its hash (16 hex digits) */
    add: (hash: string) => {
      if (size === hi.length) grow()
      hi[size] = parseInt(hash.slice(0, 8), 16) >>> 0
      lo[size] = parseInt(hash.slice(8, 16), 16) >>> 0
      video[size] = ids.length - 1
      frame[size++] = position++
    },
    done: (): PackedFingerprints => ({
      ids,
      hi: hi.slice(0, size),
      lo: lo.slice(0, size),
      video: video.slice(0, size),
      frame: frame.slice(0, size)
    })
  }
}

export const packFingerprints = (fingerprints: ReadonlyArray<Fingerprint>): PackedFingerprints => {
  const packer = fingerprintPacker()
  for (const f of fingerprints) {
    packer.startVideo(f.id)
    for (const h of f.hashes) packer.add(h)
  }
  return packer.done()
}

export const findNearDuplicates = (
  fingerprints: ReadonlyArray<Fingerprint> | PackedFingerprints,
  options: NearDuplicateOptions
): Array<NearDuplicatePair> => {
  const { ids, hi, lo, video, frame } = "hi" in fingerprints ? fingerprints : packFingerprints(fingerprints)
  const byPair = new Map<number, { a: number; b: number; matches: Array<FrameMatch> }>()
  hashPairsWithin(hi, lo, options.maxDistance, (i, j, distance) => {
    const vi = video[i]!
    const vj = video[j]!
    if (vi === vj) return
    const [a, b, fa, fb] = vi < vj ? [vi, vj, frame[i]!, frame[j]!] : [vj, vi, frame[j]!, frame[i]!]
    const key = a * ids.length + b
    let p = byPair.get(key)
    if (p === undefined) byPair.set(key, (p = { a, b, matches: [] }))
    p.matches.push({ frameA: fa, frameB: fb, distance })
  })
  const minMatches = options.minMatches ?? 1
  return [...byPair.values()]
    .filter((p) => p.matches.length >= minMatches)
    .sort((x, y) => x.a - y.a || x.b - y.b)
    .map((p) => ({
      a: ids[p.a]!,
      b: ids[p.b]!,
      distance: Math.min(...p.matches.map((m) => m.distance)),
      matches: p.matches.sort((x, y) => x.distance - y.distance || x.frameA - y.frameA || x.frameB - y.frameB)
    }))
}

/**
 * Which ids to remove: going through the videos in the given order, a video near-duplicate to one already
 * kept is removed; otherwise it is kept (so the first of each group stays, and chains do not remove
 * everything).
 */
export const removalPlan = (
  order: ReadonlyArray<string>,
  pairs: ReadonlyArray<Pick<NearDuplicatePair, "a" | "b">>
): Array<string> => {
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
export const thresholdSummary = (
  order: ReadonlyArray<string>,
  pairs: ReadonlyArray<NearDuplicatePair>,
  thresholds: ReadonlyArray<number>
) =>
  thresholds.map((t) => {
    const within = pairs.filter((p) => p.distance <= t)
    return { threshold: t, pairs: within.length, removed: removalPlan(order, within).length }
  })
