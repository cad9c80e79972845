/**
 * CPython's `random.Random(seed)` for integer seeds: MT19937 seeded with `init_by_array`, `getrandbits`
 * and `shuffle` (via `_randbelow_with_getrandbits`). Reproduces the reference's seeded validation split
 * exactly; see test/vectors/exports/python-random.json.
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624)
  private index = 625

  constructor(seed: number | bigint) {
    let n = BigInt(seed)
    if (n < 0n) n = -n
    const key: Array<number> = []
    do {
      key.push(Number(n & 0xffffffffn))
      n >>= 32n
    } while (n > 0n)
    this.initByArray(key)
  }

  private initGenrand(s: number) {
    const mt = this.mt
    mt[0] = s >>> 0
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0
    }
    this.index = 624
  }

  private initByArray(key: ReadonlyArray<number>) {
    const mt = this.mt
    this.initGenrand(19650218)
    let i = 1
    let j = 0
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0
      i++
      j++
      if (i >= 624) {
        mt[0] = mt[623]!
        i = 1
      }
      if (j >= key.length) j = 0
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0
      i++
      if (i >= 624) {
        mt[0] = mt[623]!
        i = 1
      }
    }
    mt[0] = 0x80000000
  }

  /** One 32-bit output of MT19937 (genrand_uint32). */
  nextUint32(): number {
    const mt = this.mt
    if (this.index >= 624) {
      for (let kk = 0; kk < 624; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % 624]! & 0x7fffffff)
        mt[kk] = mt[(kk + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
      }
      this.index = 0
    }
    let y = mt[this.index++]!
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }

  /** `getrandbits(k)` for 1 <= k <= 32. */
  getrandbits(k: number): number {
    if (k < 1 || k > 32) throw new RangeError("getrandbits: k must be in 1..32")
    return this.nextUint32() >>> (32 - k)
  }

  /** `_randbelow(n)`: uniform integer in [0, n), by rejection on `n.bit_length()` bits. */
  randbelow(n: number): number {
    const k = 32 - Math.clz32(n)
    let r = this.getrandbits(k)
    while (r >= n) r = this.getrandbits(k)
    return r
  }

  /** `shuffle(x)` in place, as CPython does it. */
  shuffle<T>(x: Array<T>): Array<T> {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1)
      const t = x[i]!
      x[i] = x[j]!
      x[j] = t
    }
    return x
  }
}
