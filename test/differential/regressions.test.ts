/**
 * Regressions found by the property-based differential test
 * (test/property/differential.test.ts): each is the minimal shrunk sequence
 * as a plain script, compared with redis-server 7.0.15 in RESP2 and RESP3,
 * with a comment naming the bug.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, expectSameEvents, startPair, type Pair } from '../support/differential.js';

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

  // GEOSEARCH/GEORADIUS from a point at the very top of a range (longitude 180, latitude 85.05112878):
  // Redis's geohash of that point has one bit past the step width, and geohash_move_x/y keep the
  // coordinate that does not move as it is; RedKit wrapped both, so it searched other boxes (found
  // 'd' across the antimeridian that Redis does not, and missed a member whose score is past 2^52).
  it('geo searches from the top edge of the ranges look in the same boxes as Redis', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['GEOADD', 'g', '-179', '85.05', 'd', '179', '85.05', 'e'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '180', '85.05112878', 'BYRADIUS', '500', 'km', 'ASC', 'WITHDIST'],
      ['GEORADIUS', 'g', '180', '85.05112878', '500', 'km', 'ASC', 'WITHDIST'],
      // Found by the property test as this sequence:
      ['GEOADD', 'z2', '13.361389', '38.115556', 'a'],
      ['ZUNIONSTORE', 'z1', '1', 'z2', 'WEIGHTS', '2'],
      ['GEOSEARCH', 'z1', 'FROMLONLAT', '-180', '85.05112878', 'BYRADIUS', '5000', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'z1', 'FROMLONLAT', '-180', '85.05112878', 'BYBOX', '2000', '500', 'km', 'ASC', 'WITHCOORD'],
    ]);
  });

  // OPEN (reported to the geo owner): GEOSEARCHSTORE ... STOREDIST stores a distance that differs
  // from Redis's in the last bits for some points (here 4456.1810589636962 vs ...971 miles): V8's
  // sin/cos/asin round differently from glibc's in the haversine formula. Marked `fails` until
  // geo.ts reproduces glibc's results; then this becomes a plain test.
  // BITFIELD SET/INCRBY that leaves the field as it was (and does not create or grow the string)
  // is not a change for Redis: no WATCH touch, no `setbit` event. RedKit counted every write. Found
  // by the transaction ops of the property test as:
  //   PSETEX s1 150000 "a\0b" ; WATCH s1 ; BITFIELD s1 INCRBY i1 0 0 ; MULTI ; EXEC  (Redis: *0, RedKit: *-1)
  it('BITFIELD writes that change nothing do not touch a watched key', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['PSETEX', 's1', '150000', 'a\x00b'],
      ['WATCH', 's1'],
      ['BITFIELD', 's1', 'INCRBY', 'i1', '0', '0'],
      ['BITFIELD', 's1', 'SET', 'u8', '0', '97'],
      ['MULTI'],
      ['EXEC'],
      ['WATCH', 's1'],
      ['BITFIELD', 's1', 'INCRBY', 'i8', '0', '1'],
      ['MULTI'],
      ['EXEC'],
      ['WATCH', 's1'],
      ['BITFIELD', 's1', 'SET', 'u8', '40', '0'], // grows the string
      ['MULTI'],
      ['EXEC'],
      // A BITFIELD that creates the key but fails every write (OVERFLOW FAIL) leaves a zeroed
      // string and no signal: WATCH b1 ; BITFIELD b1 OVERFLOW FAIL SET i1 0 256 ; MULTI ; EXEC
      ['WATCH', 'b1'],
      ['BITFIELD', 'b1', 'OVERFLOW', 'FAIL', 'SET', 'i1', '0', '256'],
      ['MULTI'],
      ['EXEC'],
      ['GET', 'b1'],
    ]);
    await expectSameEvents(pair, proto, [
      ['SET', 'b', 'x'],
      ['BITFIELD', 'b', 'INCRBY', 'u8', '0', '0'],
      ['BITFIELD', 'b', 'SET', 'u8', '0', '120'],
      ['BITFIELD', 'b', 'INCRBY', 'u8', '0', '1'],
    ]);
  });

  it.fails('GEOSEARCHSTORE STOREDIST stores the distance bit for bit', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['GEOADD', 'z1', '13.361389', '38.115556', 'a'],
      ['GEOSEARCHSTORE', 'z1', 'z1', 'FROMLONLAT', '-73.935242', '40.730610', 'BYRADIUS', '5000', 'mi', 'STOREDIST'],
      ['ZRANGE', 'z1', '0', '-1', 'WITHSCORES'],
    ]);
  });
});
