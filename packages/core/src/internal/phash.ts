/**
 * The 64-bit DCT perceptual hash of a 32x32 grayscale image (as imagehash's phash defines it): the
 * 2D DCT-II, its top-left 8x8 low frequencies, each bit set when the coefficient is above their median.
 * Row-major bits, most significant first, as 16 hex digits.
 */
const N = 32
const cosines = Array.from({ length: 8 }, (_, k) =>
  Float64Array.from({ length: N }, (_, n) => Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N)))
)

export const phashOfGray32 = (pixels: Uint8Array): string => {
  if (pixels.length !== N * N) throw new Error(`expected ${N * N} grayscale pixels, got ${pixels.length}`)
  // rows first: R[y][k] = sum_x p[y][x] cos_k(x), then columns: D[j][k] = sum_y cos_j(y) R[y][k]
  const rows = new Float64Array(N * 8)
  for (let y = 0; y < N; y++)
    for (let k = 0; k < 8; k++) {
      let sum = 0
      const c = cosines[k]!
      for (let x = 0; x < N; x++) sum += pixels[y * N + x]! * c[x]!
      rows[y * 8 + k] = sum
    }
  const low = new Float64Array(64)
  for (let j = 0; j < 8; j++)
    for (let k = 0; k < 8; k++) {
      let sum = 0
      const c = cosines[j]!
      for (let y = 0; y < N; y++) sum += c[y]! * rows[y * 8 + k]!
      low[j * 8 + k] = sum
    }
  const sorted = [...low].sort((a, b) => a - b)
  const median = (sorted[31]! + sorted[32]!) / 2
  let hex = ""
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0
    for (let b = 0; b < 4; b++) v = (v << 1) | (low[nibble * 4 + b]! > median ? 1 : 0)
    hex += v.toString(16)
  }
  return hex
}

/** Bits that differ between two hashes of 16 hex digits. */
export const hammingHex = (a: string, b: string): number => {
  let d = 0
  for (let i = 0; i < 16; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0
    while (x) {
      x &= x - 1
      d++
    }
  }
  return d
}
