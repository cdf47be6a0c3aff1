/**
 * Regressions found by the property-based differential test
 * (test/property/differential.test.ts): each is the minimal shrunk sequence
 * as a plain script, compared with redis-server 7.0.15 in RESP2 and RESP3,
 * with a comment naming the bug.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

const INT64_MIN = '-9223372036854775808';

describe.each([2, 3] as const)('regressions (RESP%i)', (proto) => {
  // BITFIELD OVERFLOW SAT saturated an out-of-range SET value toward its own sign; Redis computes
  // max-value / min-value in int64 and lets them wrap, so huge negative values saturate to the
  // type's maximum (i1: 0, i2: 1, i8: 127). Found as:
  //   BITFIELD b1 OVERFLOW SAT SET i1 0 -9223372036854775808 ; GET b1   (Redis: "\x00", RedKit: "\x80")
  it('BITFIELD SAT of INT64_MIN-like values saturates as Redis does (int64 wrap in the overflow check)', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['BITFIELD', 'b1', 'OVERFLOW', 'SAT', 'SET', 'i1', '0', INT64_MIN],
      ['GET', 'b1'],
      ['BITFIELD', 'b2', 'OVERFLOW', 'SAT', 'SET', 'i2', '0', '-9223372036854775807'],
      ['GET', 'b2'],
      ['BITFIELD', 'b3', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', INT64_MIN, 'GET', 'i8', '0'],
      ['BITFIELD', 'b4', 'OVERFLOW', 'SAT', 'SET', 'i63', '0', INT64_MIN, 'GET', 'i63', '0'],
      ['BITFIELD', 'b5', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', INT64_MIN],
      ['BITFIELD', 'b6', 'SET', 'i8', '0', '-100', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', INT64_MIN],
      ['BITFIELD', 'b7', 'OVERFLOW', 'SAT', 'SET', 'i64', '0', INT64_MIN, 'INCRBY', 'i64', '0', '-1'],
    ]);
  });
});
