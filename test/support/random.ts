/** Deterministic pseudo-random numbers for tests (mulberry32): same seed, same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** int64 limits, and the first value past them, as command arguments. */
export const INT64_MAX = '9223372036854775807';
export const INT64_MIN = '-9223372036854775808';
export const TOO_BIG = '9223372036854775808';
