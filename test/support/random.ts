/** Deterministic pseudo-random numbers for tests (mulberry32): same seed, same sequence. */
export { prng as rng } from '../../src/testing/faults.js';

/** int64 limits, and the first value past them, as command arguments. */
export const INT64_MAX = '9223372036854775807';
export const INT64_MIN = '-9223372036854775808';
export const TOO_BIG = '9223372036854775808';
