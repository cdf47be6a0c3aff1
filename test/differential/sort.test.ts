/**
 * SORT and SORT_RO against redis-server 7.0.15, byte for byte, RESP2 and RESP3.
 *
 * Where Redis's own order is a hash table's (sets of strings, sorted sets
 * loaded for sorting), tests either avoid ties or compare as sets.
 *
 * Redis 7.0 quirk: SORT checks `errno == ERANGE` after strtod without
 * clearing errno first, so after a value overflows or underflows every later
 * non-integer conversion fails too, until some other command clears errno.
 * RedKit does not reproduce that; the tests clear Redis's errno (ZADD parses
 * its score with errno = 0) right after each ERANGE case.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, norm, RawClient, startPair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { pqsort } from '../../src/commands/pqsort.js';
import { sortStrtod } from '../../src/commands/sort.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

const sorted = (cmd: Cmd): Step => ({ cmd, normalize: norm.sorted });
const CLEAR_ERRNO: Cmd = ['ZADD', '__errno__', '0', 'x'];

describe.each([2, 3] as const)('SORT (RESP%i)', (proto) => {
  it('argument errors and types', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SORT'],
      ['SORT_RO'],
      ['SORT', 'nosuch'],
      ['SORT_RO', 'nosuch'],
      ['SORT', 'nosuch', 'FOO'],
      ['SORT', 'nosuch', 'LIMIT'],
      ['SORT', 'nosuch', 'LIMIT', '0'],
      ['SORT', 'nosuch', 'LIMIT', 'x', '1'],
      ['SORT', 'nosuch', 'LIMIT', '0', 'x'],
      ['SORT', 'nosuch', 'LIMIT', 'x', 'y'],
      ['SORT', 'nosuch', 'LIMIT', '1.5', '1'],
      ['SORT', 'nosuch', 'LIMIT', '99999999999999999999', '1'],
      ['SORT', 'nosuch', 'BY'],
      ['SORT', 'nosuch', 'GET'],
      ['SORT', 'nosuch', 'STORE'],
      ['SORT_RO', 'nosuch', 'STORE', 'dst'],
      ['SORT_RO', 'nosuch', 'store'],
      ['SORT', 'nosuch', 'ASC', 'DESC', 'ALPHA', 'asc', 'desc', 'alpha'],
      ['SET', 'str', 'v'],
      ['SORT', 'str'],
      ['SORT_RO', 'str'],
      ['SORT', 'str', 'FOO'],
      ['SORT', 'str', 'LIMIT', 'x', '0'],
      ['HSET', 'h', 'f', 'v'],
      ['SORT', 'h'],
      ['SORT', 'h', 'BY', 'nosort'],
      ['SORT', 'nosuch', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
    ]);
  });

  it('lists: numeric, DESC, ALPHA, LIMIT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', '3', '10', '-2', '1.5', '1', '10', '0', '-0', '+1', '2e1', '0x10', ' 7', '007'],
      ['SORT', 'l'],
      ['SORT_RO', 'l'],
      ['SORT', 'l', 'DESC'],
      ['SORT', 'l', 'desc', 'asc'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'l', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'LIMIT', '0', '3'],
      ['SORT', 'l', 'LIMIT', '2', '3'],
      ['SORT', 'l', 'LIMIT', '2', '-1'],
      ['SORT', 'l', 'LIMIT', '2', '0'],
      ['SORT', 'l', 'LIMIT', '-5', '2'],
      ['SORT', 'l', 'LIMIT', '12', '5'],
      ['SORT', 'l', 'LIMIT', '13', '5'],
      ['SORT', 'l', 'LIMIT', '100', '5'],
      ['SORT', 'l', 'LIMIT', '0', '100'],
      ['SORT', 'l', 'LIMIT', '9223372036854775807', '9223372036854775807'],
      ['SORT', 'l', 'LIMIT', '-9223372036854775808', '-9223372036854775808'],
      ['SORT', 'l', 'LIMIT', '1', '2', 'LIMIT', '3', '4'],
      ['SORT', 'l', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'ALPHA', 'LIMIT', '1', '3', 'DESC'],
      ['RPUSH', 'words', 'banana', 'Apple', 'cherry', 'apple', 'Banana', '', 'b', 'ba', 'a b', 'é', 'z'],
      ['SORT', 'words'],
      ['SORT', 'words', 'ALPHA'],
      ['SORT', 'words', 'ALPHA', 'DESC'],
      ['SORT', 'words', 'ALPHA', 'LIMIT', '3', '4'],
      ['DEL', 'empty'],
      ['SORT', 'empty', 'LIMIT', '0', '1'],
      ['SORT', 'empty', 'DESC', 'ALPHA'],
    ]);
  });

  it('lists: BY nosort keeps list order (DESC reverses, LIMIT applies)', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', 'c', 'a', 'b', 'e', 'd'],
      ['SORT', 'l', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '3', '100', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '5', '1'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '4', '1', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '0', '0'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '-1', '-1'],
      ['SORT', 'l', 'BY', 'constant', 'ALPHA'],
      ['SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'], // a constant BY sticks
      ['SORT', 'l', 'BY', Buffer.from('w_\0*')], // strchr stops at NUL: constant
      ['SORT', 'l', 'BY', 'nosort', 'GET', '#', 'GET', 'v_*'],
      ['SORT', 'l', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'BY', 'nosort', 'STORE', 'dst', 'DESC', 'LIMIT', '1', '2'],
      ['LRANGE', 'dst', '0', '-1'],
    ]);
  });

  it('sets: numeric and ALPHA; BY nosort keeps the set order, except with STORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'ints', '5', '-3', '100', '0', '42', '7'],
      ['OBJECT', 'ENCODING', 'ints'],
      ['SORT', 'ints'],
      ['SORT', 'ints', 'DESC'],
      ['SORT', 'ints', 'ALPHA'],
      ['SORT', 'ints', 'BY', 'nosort'],
      ['SORT', 'ints', 'BY', 'nosort', 'DESC'],
      ['SORT', 'ints', 'BY', 'nosort', 'LIMIT', '1', '3'],
      ['SORT', 'ints', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'ints', 'BY', 'nosort', 'STORE', 'dst', 'DESC', 'LIMIT', '0', '4'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SADD', 'strs', 'pear', 'apple', 'fig', 'kiwi', 'Banana', 'date'],
      ['SORT', 'strs'],
      ['SORT', 'strs', 'ALPHA'],
      ['SORT', 'strs', 'ALPHA', 'DESC', 'LIMIT', '1', '3'],
      sorted(['SORT', 'strs', 'BY', 'nosort']),
      ['SORT', 'strs', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'strs', 'BY', 'nosort', 'DESC', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'strs', 'BY', 'nosort', 'LIMIT', '2', '2', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SADD', 'mixed', '10', '9', '1.5', '-inf', '0x1A'],
      ['SORT', 'mixed'],
      ['SORT', 'mixed', 'DESC', 'LIMIT', '0', '2'],
    ]);
  });

  it('sorted sets: by member, BY nosort in score order, conversion to skiplist', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['ZADD', 'z', '1', '30', '2', '10', '3', '20', '4', '5'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'DESC'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '3', '10', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '4', '10'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '-3', '2', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['ZADD', 'zs', '3', 'c', '1', 'a', '2', 'b'],
      ['SORT', 'zs'],
      ['SORT', 'zs', 'ALPHA', 'DESC'],
      ['SORT', 'zs', 'BY', 'nosort', 'GET', '#'],
      ['ZADD', 'small', '1', 'x'],
      ['SORT_RO', 'small', 'ALPHA'],
      ['OBJECT', 'ENCODING', 'small'],
    ]);
  });

  it('BY patterns: string weights, hash fields, missing weights', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['MSET', 'w_a', '3', 'w_b', '1', 'w_c', '2.5', 'w_d', '-1'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'DESC'],
      ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'BY', '*_w'],
      ['SORT', 'l', 'BY', 'w_*_*'],
      ['HSET', 'h_a', 'n', '5', 's', 'x'],
      ['HSET', 'h_b', 'n', '4', 's', 'y'],
      ['HSET', 'h_c', 'n', '-4'],
      ['HSET', 'h_d', 'n', '4'],
      ['SORT', 'l', 'BY', 'h_*->n'],
      ['SORT', 'l', 'BY', 'h_*->n', 'DESC'],
      ['SORT', 'l', 'BY', 'h_*->s', 'ALPHA'],
      ['SORT', 'l', 'BY', 'h_*->s', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'BY', 'h_*->nosuch'],
      ['SORT', 'l', 'BY', 'h_*->'], // empty field: a plain key name "h_a->"
      ['SORT', 'l', 'BY', 'w_*->n'], // a string is not a hash
      ['SORT', 'l', 'BY', 'h_*'], // a hash is not a string
      ['SORT', 'l', 'BY', 'h_->*'], // "->" before the '*' is part of the key
      ['SET', 'h_->a', '9'],
      ['SORT', 'l', 'BY', 'h_->*'],
      ['SORT', 'l', 'BY', '*'],
      ['SET', 'w_e', 'notanumber'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '0', '1'],
      ['SORT', 'l', 'BY', 'w_*', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
    ]);
  });

  it('GET patterns', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', '2', '1', '3'],
      ['MSET', 'v_1', 'one', 'v_2', 'two', 'x_3', 'three'],
      ['HSET', 'h_1', 'f', 'F1'],
      ['HSET', 'h_3', 'f', 'F3', 'g', 'G3'],
      ['SORT', 'l', 'GET', 'v_*'],
      ['SORT', 'l', 'GET', '#'],
      ['SORT', 'l', 'GET', '#', 'GET', 'v_*', 'GET', 'x_*'],
      ['SORT', 'l', 'GET', 'h_*->f', 'GET', 'h_*->g'],
      ['SORT', 'l', 'GET', 'novar'],
      ['SORT', 'l', 'GET', '##'],
      ['SORT', 'l', 'GET', Buffer.from('#\0x')],
      ['SORT', 'l', 'GET', 'v_*', 'DESC', 'LIMIT', '0', '2'],
      ['SORT', 'l', 'GET', 'v_*', 'BY', 'nosort'],
      ['SORT', 'l', 'GET', 'v_*', 'BY', 'x_*', 'GET', '#'],
      ['SORT', 'l', 'GET', 'l'], // a list is not a string
      ['SORT', 'l', 'GET', 'v_*', 'LIMIT', '5', '5'],
      ['SORT', 'l', 'GET', 'v_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'GET', '#', 'GET', 'nokey_*', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'GET', 'v_*', 'LIMIT', '5', '5', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
    ]);
  });

  it('STORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', '3', '1', '2'],
      ['SET', 'dst', 'string', 'EX', '100'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['TYPE', 'dst'],
      ['TTL', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['SORT', 'l', 'STORE', 'dst', 'DESC', 'STORE', 'dst2'],
      ['LRANGE', 'dst2', '0', '-1'],
      ['SORT', 'l', 'STORE', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SORT', 'nosuch', 'STORE', 'dst2'],
      ['EXISTS', 'dst2'],
      ['SORT', 'nosuch', 'STORE', 'nosuch2'],
      ['SADD', 's', 'b', 'a'],
      ['SORT', 's', 'ALPHA', 'STORE', 's'],
      ['TYPE', 's'],
      ['LRANGE', 's', '0', '-1'],
    ]);
  });

  it('numbers as strtod reads them', async () => {
    const { r, k } = await pair.clients(proto);
    const cases: string[][] = [
      ['1.5', '1.50', '+1.5', '.5e1', '5.', '-.5'],
      ['', '3', '-1'],
      [' 5', '\t\n2', '3'],
      ['0x10', '0X1P-1', '0x1p3', '0xA.8', '1E+1', '1e1'],
      ['inf', '-inf', 'INFINITY', '+Inf', '3'],
      ['-0', '0', '-0.0', '+0'],
      ['2.2250738585072014e-308', '1', '1.7976931348623157e308'],
      ['5\0x', '3'],
      ['9007199254740993', '9007199254740992', '9007199254740994'],
    ];
    for (const els of cases) {
      await expectSame(r, k, [['DEL', 'e'], ['RPUSH', 'e', ...els], ['SORT', 'e'], ['SORT', 'e', 'DESC']]);
    }
    const bad: string[][] = [['5 ', '3'], ['nan', '1'], ['1e', '1'], ['1e+', '1'], [' ', '1'], ['-', '1'], ['.', '1'], ['0x', '1'], ['infinityx', '1'], ['abc']];
    for (const els of bad) await expectSame(r, k, [['DEL', 'e'], ['RPUSH', 'e', ...els], ['SORT', 'e']]);
    // ERANGE: overflow, underflow, subnormal.
    for (const v of ['1e400', '-1e400', '1e-400', '1e-310', '4.9e-324', '0x1p-1070', '0x1p-1074', '0x1.8p-1074', '0x3p-1075', '0x1p1024', '0x1p-1022', '0x1.fffffffffffff8p-1023']) {
      await expectSame(r, k, [['DEL', 'e'], ['RPUSH', 'e', v, '1'], ['SORT', 'e'], CLEAR_ERRNO]);
    }
  });

  it('binary elements; ALPHA compares up to NUL (strcoll), STORE compares all bytes', async () => {
    const { r, k } = await pair.clients(proto);
    const B = (...b: number[]) => Buffer.from(b);
    await expectSame(r, k, [
      ['RPUSH', 'b', B(0x61, 0x00, 0x63), B(0x61, 0x00, 0x62), B(0xff), B(0x80), B(0x61), B(0x7f), B(0x00)],
      ['SORT', 'b', 'ALPHA'],
      ['SORT', 'b', 'ALPHA', 'DESC'],
      ['SORT', 'b', 'ALPHA', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'b', 'ALPHA', 'DESC', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['RPUSH', 'k', 'x', 'y'],
      ['SET', B(0x77, 0xff, 0x78), B(0x61, 0x00, 0x62)],
      ['SET', B(0x77, 0xff, 0x79), B(0x61, 0x00, 0x61)],
      ['SORT', 'k', 'BY', B(0x77, 0xff, 0x2a), 'ALPHA'],
      ['SORT', 'k', 'BY', B(0x77, 0xff, 0x2a), 'ALPHA', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'k', 'GET', B(0x77, 0xff, 0x2a)],
    ]);
  });

  it('ALPHA BY with ties and missing weights; partial sorts with LIMIT (pqsort)', async () => {
    const { r, k } = await pair.clients(proto);
    const els: string[] = [];
    const weights: string[] = [];
    for (let i = 0; i < 120; i++) {
      els.push(`e${i}`);
      if (i % 7 !== 0) weights.push(`w_e${i}`, `g${i % 5}`); // many ties, some missing
    }
    await expectSame(r, k, [['RPUSH', 'l', ...els], ['MSET', ...weights]]);
    const steps: Cmd[] = [['SORT', 'l', 'BY', 'w_*', 'ALPHA']];
    for (const [off, cnt] of [[0, 10], [5, 10], [40, 3], [100, 50], [0, 1], [119, 1], [60, 0], [1, 118], [0, 119]]) {
      steps.push(['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'LIMIT', String(off), String(cnt)]);
      steps.push(['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC', 'LIMIT', String(off), String(cnt)]);
      steps.push(['SORT', 'l', 'BY', 'w_*', 'LIMIT', String(off), String(cnt)]);
      steps.push(['SORT', 'l', 'BY', 'nokey_*', 'ALPHA', 'LIMIT', String(off), String(cnt)]);
    }
    await expectSame(r, k, steps);
    // Small vectors (insertion sort path) and medium ones (median of three).
    for (const n of [3, 6, 7, 8, 20, 41]) {
      await expectSame(r, k, [
        ['DEL', 's'],
        ['RPUSH', 's', ...els.slice(0, n)],
        ['SORT', 's', 'BY', 'w_*', 'ALPHA', 'LIMIT', '1', '2'],
        ['SORT', 's', 'BY', 'w_*', 'ALPHA', 'DESC', 'LIMIT', '0', String(n - 1)],
        ['SORT', 's', 'BY', 'nokey_*', 'ALPHA', 'LIMIT', '1', '1'],
      ]);
    }
  });

  it('keyspace events: sortstore, del of an emptied destination', async () => {
    const { r, k } = await pair.clients(proto);
    const { r: sr, k: sk } = await pair.clients(proto);
    await expectSame(r, k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sr, sk, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(r, k, [
      ['RPUSH', 'l', '2', '1'],
      ['SORT', 'l', 'STORE', 'dst'],
      ['SORT', 'nosuch', 'STORE', 'dst'],
      ['SORT', 'nosuch', 'STORE', 'dst'],
      ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'l'],
      ['PUBLISH', '__keyspace@0__:END', 'end'],
    ]);
    const drain = async (c: RawClient) => {
      const out: string[] = [];
      for (;;) {
        const m = await c.read();
        out.push(m);
        if (m.includes('__keyspace@0__:END')) return out;
      }
    };
    const [a, b] = await Promise.all([drain(sr), drain(sk)]);
    expect(b).toEqual(a);
  });
});

describe('SORT helpers', () => {
  it('pqsort leaves [lo, hi] in sorted order for any input', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + (rnd() % 200);
      const v = Array.from({ length: n }, () => rnd() % 50);
      const lo = rnd() % n;
      const hi = Math.min(n - 1, lo + (rnd() % n));
      const want = [...v].sort((a, b) => a - b).slice(lo, hi + 1);
      pqsort(v, (a, b) => a - b, lo, hi);
      expect(v.slice(lo, hi + 1)).toEqual(want);
    }
  });

  it('strtod', () => {
    expect(sortStrtod('')).toBe(0);
    expect(sortStrtod('  -1.5e1')).toBe(-15);
    expect(sortStrtod('0x1p-2')).toBe(0.25);
    expect(sortStrtod('-0X.8')).toBe(-0.5);
    expect(sortStrtod('1e400')).toBeNull();
    expect(sortStrtod('1e-320')).toBeNull();
    expect(sortStrtod('0e-999')).toBe(0);
    expect(sortStrtod('nan')).toBeNull();
    expect(sortStrtod('7\0junk')).toBe(7);
  });
});

describe('SORT in scripts', () => {
  it('sorts a set with BY nosort (scripts must be deterministic)', async (ctx) => {
    if (pair.redkit.registry.lookup('eval') === undefined) ctx.skip('RedKit has no EVAL yet');
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['SADD', 's', 'pear', 'apple', 'fig'],
      ['EVAL', "return redis.call('SORT', KEYS[1], 'BY', 'nosort')", '1', 's'],
    ]);
  });
});
