import { describe, expect, it } from 'vitest';
import { intToString } from '../../src/resp/format.js';

// intToString takes small integers from tables and joins two table strings up to 8 digits:
// every range boundary and random values of each size against String(n).
describe('intToString', () => {
  it('matches String(n) at the table boundaries', () => {
    const edges = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 10001, 10010, 100000, 99999999, 100000000, 100000001, 123456789, 50000005, 10000000];
    for (const e of [...edges, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1]) {
      expect(intToString(e)).toBe(String(e));
      expect(intToString(-e)).toBe(e === 0 ? '0' : String(-e));
    }
  });

  it('matches String(n) for random integers of every length, twice (cached entries)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let pass = 0; pass < 2; pass++) {
      seed = 12345;
      for (let digits = 1; digits <= 16; digits++) {
        for (let i = 0; i < 2000; i++) {
          const n = Math.floor(rnd() * 10 ** digits);
          expect(intToString(n)).toBe(String(n));
          expect(intToString(-n)).toBe(n === 0 ? '0' : String(-n));
        }
      }
    }
  });
});
