/**
 * Seeded randomness for the simulators, sandbox data, tests and benchmarks: the same seed gives
 * the same sequence on every run and machine, so error rates, fake records and payloads repeat.
 */

/** mulberry32: tiny, fast, good enough for fake data and fault rates; returns numbers in [0, 1). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` deterministic bytes (xorshift32), e.g. an attachment whose failure must reproduce. */
export function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}
