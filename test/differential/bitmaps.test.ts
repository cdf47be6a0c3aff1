/**
 * Bitmap commands, compared with redis-server 7.0.15 byte for byte (RESP2 and
 * RESP3): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, with their
 * errors, edge cases, keyspace notifications, and seeded random cases for the
 * range arithmetic of BITCOUNT / BITPOS and the overflow rules of BITFIELD.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, expectSameEvents, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

/** A seeded generator (same cases on every run). */
function prng(seed: number) {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(a: readonly T[]): T => a[next() % a.length],
    bytes: (n: number, density = 128) => Buffer.from(Array.from({ length: n }, () => (next() % 256 < density ? next() % 256 : next() % 2 ? 0 : 255))),
  };
}

describe.each([2, 3] as const)('bitmaps (RESP%i)', (proto) => {
  it('SETBIT and GETBIT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SETBIT', 'b', '7', '1'],
      ['GET', 'b'],
      ['OBJECT', 'ENCODING', 'b'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['SETBIT', 'b', '0', '1'],
      ['GET', 'b'],
      ['SETBIT', 'b', '100', '1'],
      ['STRLEN', 'b'],
      ['GET', 'b'],
      ['GETBIT', 'b', '0'],
      ['GETBIT', 'b', '1'],
      ['GETBIT', 'b', '100'],
      ['GETBIT', 'b', '101'],
      ['GETBIT', 'b', '1000000'],
      ['GETBIT', 'b', '4294967295'],
      ['GETBIT', 'b', '4294967296'],
      ['GETBIT', 'nosuch', '5'],
      ['GETBIT', 'nosuch', '-1'],
      ['GETBIT', 'nosuch', 'x'],
      ['SETBIT', 'b', '-1', '1'],
      ['SETBIT', 'b', 'x', '1'],
      ['SETBIT', 'b', '1.5', '1'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['SETBIT', 'b', '9223372036854775807', '1'],
      ['SETBIT', 'b', '9223372036854775808', '1'],
      ['SETBIT', 'b', '1', '2'],
      ['SETBIT', 'b', '1', '-1'],
      ['SETBIT', 'b', '1', 'x'],
      ['SETBIT', 'b', '1', ''],
      ['SETBIT', 'b', '1', '01'],
      ['SETBIT', 'b', '#1', '1'],
      ['SETBIT', 'b', 'x', 'x'],
      ['SETBIT', 'b', '1'],
      ['GETBIT', 'b'],
      ['RPUSH', 'l', 'x'],
      ['SETBIT', 'l', '1', '1'],
      ['SETBIT', 'l', '-1', '1'],
      ['SETBIT', 'l', '1', '2'],
      ['GETBIT', 'l', '1'],
      ['GETBIT', 'l', 'x'],
      // Int-encoded and embstr values: read as their decimal text; SETBIT makes them raw.
      ['SET', 'n', '12345'],
      ['GETBIT', 'n', '2'],
      ['GETBIT', 'n', '3'],
      ['GETBIT', 'n', '39'],
      ['GETBIT', 'n', '40'],
      ['SETBIT', 'n', '2', '1'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SET', 'e', 'short'],
      ['SETBIT', 'e', '0', '0'],
      ['OBJECT', 'ENCODING', 'e'],
      ['GET', 'e'],
      ['SETEX', 't', '1000', 'v'],
      ['SETBIT', 't', '3', '1'],
      ['TTL', 't'],
      ['GET', 't'],
    ]);
    // A large bitmap built bit by bit, then read back.
    const g = prng(7);
    const steps: Cmd[] = [];
    for (let i = 0; i < 300; i++) steps.push(['SETBIT', 'big', String(g.int(200_000)), String(g.int(2))]);
    for (let i = 0; i < 100; i++) steps.push(['GETBIT', 'big', String(g.int(210_000))]);
    steps.push(['STRLEN', 'big'], ['BITCOUNT', 'big'], ['GET', 'big']);
    await expectSame(r, k, steps);
  });

  it('bit offsets follow proto-max-bulk-len', async () => {
    const { r, k } = await pair.clients(proto);
    try {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'],
        ['SETBIT', 'k', '8388607', '1'],
        ['STRLEN', 'k'],
        ['SETBIT', 'k', '8388608', '1'],
        ['GETBIT', 'k', '8388608'],
        ['GETBIT', 'k', '8388607'],
        ['BITFIELD', 'k', 'GET', 'u8', '8388600'],
        ['BITFIELD', 'k', 'GET', 'u8', '8388608'],
        ['BITFIELD', 'k', 'SET', 'u8', '#1048575', '7'],
        ['BITFIELD', 'k', 'SET', 'u8', '#1048576', '7'],
        ['BITFIELD', 'k', 'SET', 'i64', '8388607', '-1'],
        ['STRLEN', 'k'],
      ]);
    } finally {
      await expectSame(r, k, [['CONFIG', 'SET', 'proto-max-bulk-len', '536870912']]);
    }
  });

  it('BITCOUNT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 's', 'foobar'],
      ['BITCOUNT', 's'],
      ['BITCOUNT', 's', '0', '0'],
      ['BITCOUNT', 's', '1', '1'],
      ['BITCOUNT', 's', '1', '1', 'BYTE'],
      ['BITCOUNT', 's', '5', '30', 'BIT'],
      ['BITCOUNT', 's', '5', '30', 'bit'],
      ['BITCOUNT', 's', '0', '-1', 'BIT'],
      ['BITCOUNT', 's', '-5', '-1', 'BIT'],
      ['BITCOUNT', 's', '-1', '-5'],
      ['BITCOUNT', 's', '-1', '-5', 'FOO'],
      ['BITCOUNT', 's', '-100', '-200', 'BIT'],
      ['BITCOUNT', 's', '-200', '-100'],
      ['BITCOUNT', 's', '-200', '-100', 'BIT'],
      ['BITCOUNT', 's', '0', '9223372036854775807'],
      ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808'],
      ['BITCOUNT', 's', '0', '0', 'FOO'],
      ['BITCOUNT', 's', '0', '0', Buffer.from('bit\0zz')],
      ['BITCOUNT', 's', '0'],
      ['BITCOUNT', 's', '0', '1', 'BIT', 'x'],
      ['BITCOUNT', 's', 'a', '1'],
      ['BITCOUNT', 's', '1', 'b'],
      ['BITCOUNT', 's', '1', '9223372036854775808'],
      ['BITCOUNT', 'nosuch'],
      ['BITCOUNT', 'nosuch', 'a', 'b'],
      ['BITCOUNT', 'nosuch', '0'],
      ['SET', 'empty', ''],
      ['BITCOUNT', 'empty'],
      ['BITCOUNT', 'empty', '0', '-1'],
      ['BITCOUNT', 'empty', '0', '-1', 'BIT'],
      ['SET', 'n', '-123'],
      ['BITCOUNT', 'n'],
      ['BITCOUNT', 'n', '1', '2', 'BIT'],
      ['RPUSH', 'l', 'x'],
      ['BITCOUNT', 'l'],
      ['BITCOUNT', 'l', 'a', 'b'],
      ['BITCOUNT'],
    ]);
    // Random strings (including long ones, exercising the 4-byte loop) and random ranges.
    const g = prng(11);
    const steps: Cmd[] = [];
    for (let round = 0; round < 12; round++) {
      const n = g.pick([0, 1, 2, 3, 5, 9, 17, 64, 65, 300, 5000]);
      const key = `s${round}`;
      steps.push(['SET', key, g.bytes(n)]);
      if (round % 3 === 0) steps.push(['SETBIT', key, String(g.int(n * 8 + 50)), '1']);
      steps.push(['BITCOUNT', key]);
      for (let i = 0; i < 30; i++) {
        const span = g.pick([n + 2, n * 8 + 20, 10]);
        const a = String(g.int(2 * span + 1) - span);
        const b = String(g.int(2 * span + 1) - span);
        steps.push(['BITCOUNT', key, a, b], ['BITCOUNT', key, a, b, g.pick(['BIT', 'BYTE', 'bit'])]);
      }
    }
    await expectSame(r, k, steps);
  });

  it('BITPOS', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 's', Buffer.from([0xff, 0xf0, 0x00])],
      ['BITPOS', 's', '0'],
      ['BITPOS', 's', '1'],
      ['BITPOS', 's', '0', '2'],
      ['BITPOS', 's', '1', '2'],
      ['BITPOS', 's', '1', '2', '-1'],
      ['BITPOS', 's', '0', '0', '0'],
      ['BITPOS', 's', '0', '0', '-1'],
      ['BITPOS', 's', '1', '7', '15', 'BIT'],
      ['BITPOS', 's', '0', '7', '15', 'BIT'],
      ['BITPOS', 's', '0', '1', '3', 'BIT'],
      ['BITPOS', 's', '0', '5', 'bit'],
      ['BITPOS', 's', '0', '5', 'BYTE'],
      ['BITPOS', 's', '0', '5', 'x'],
      ['BITPOS', 's', '0', '-1', '-5'],
      ['BITPOS', 's', '1', '-100', '-200'],
      ['BITPOS', 's', '1', '-100', '-200', 'BIT'],
      ['BITPOS', 's', '1', '0', '9223372036854775807', 'BIT'],
      ['BITPOS', 's', '0', '-9223372036854775808'],
      ['BITPOS', 's', '2'],
      ['BITPOS', 's', '-1'],
      ['BITPOS', 's', 'x'],
      ['BITPOS', 's', '1', 'x'],
      ['BITPOS', 's', '1', '0', 'x'],
      ['BITPOS', 's', '1', '0', 'x', 'FOO'],
      ['BITPOS', 's', '1', '0', '1', 'FOO'],
      ['BITPOS', 's', '1', '0', '1', 'BIT', 'x'],
      ['BITPOS', 'nosuch', '0'],
      ['BITPOS', 'nosuch', '1'],
      ['BITPOS', 'nosuch', '1', 'x'],
      ['BITPOS', 'nosuch', '2'],
      ['SET', 'ones', Buffer.from([0xff, 0xff])],
      ['BITPOS', 'ones', '0'],
      ['BITPOS', 'ones', '0', '1'],
      ['BITPOS', 'ones', '0', '0', '-1'],
      ['BITPOS', 'ones', '0', '3', 'BIT'],
      ['BITPOS', 'ones', '0', '3', '12', 'BIT'],
      ['SET', 'zeros', Buffer.from([0, 0, 0])],
      ['BITPOS', 'zeros', '1'],
      ['BITPOS', 'zeros', '0'],
      ['SET', 'empty', ''],
      ['BITPOS', 'empty', '0'],
      ['BITPOS', 'empty', '1'],
      ['BITPOS', 'empty', '0', '0'],
      ['SET', 'n', '1'],
      ['BITPOS', 'n', '1'],
      ['BITPOS', 'n', '0', '0', '-1', 'BIT'],
      ['RPUSH', 'l', 'x'],
      ['BITPOS', 'l', '1'],
      ['BITPOS', 'l', '5'],
      ['BITPOS', 's'],
    ]);
    const g = prng(23);
    const steps: Cmd[] = [];
    for (let round = 0; round < 14; round++) {
      const n = g.pick([1, 2, 3, 4, 8, 33, 200]);
      const key = `p${round}`;
      // Runs of 0x00 / 0xff make "no bit found in this byte" common.
      steps.push(['SET', key, g.bytes(n, g.pick([0, 20, 128, 250]))]);
      // Half the rounds read an in-place-modified (raw) value.
      if (round % 2) steps.push(['APPEND', key, '']);
      for (let i = 0; i < 30; i++) {
        const bit = String(g.int(2));
        const span = g.pick([n + 2, n * 8 + 12]);
        const a = String(g.int(2 * span + 1) - span);
        const b = String(g.int(2 * span + 1) - span);
        steps.push(['BITPOS', key, bit], ['BITPOS', key, bit, a], ['BITPOS', key, bit, a, b], ['BITPOS', key, bit, a, b, g.pick(['BIT', 'BYTE'])]);
      }
    }
    await expectSame(r, k, steps);
  });

  it('BITOP', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'a', 'foobar'],
      ['SET', 'b', 'abcdef'],
      ['SET', 'c', 'xy'],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['OBJECT', 'ENCODING', 'd'],
      ['BITOP', 'OR', 'd', 'a', 'b', 'c'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'c'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'a', 'c'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'a', 'nosuch'],
      ['GET', 'd'],
      ['BITOP', 'OR', 'd', 'nosuch', 'c'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'c', 'c', 'c'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['GET', 'd'],
      ['BITOP', 'not', 'd', 'nosuch'],
      ['EXISTS', 'd'],
      ['BITOP', 'and', 'd', 'a'],
      ['BITOP', 'Or', 'd', 'a'],
      ['BITOP', 'AND', 'd', 'nosuch', 'nosuch2'],
      ['EXISTS', 'd'],
      ['BITOP', 'AND', 'd', 'nosuch'],
      ['SET', 'empty', ''],
      ['BITOP', 'OR', 'a2', 'empty'],
      ['EXISTS', 'a2'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'NOT', 'd'],
      ['BITOP', 'NAND', 'd', 'a'],
      ['BITOP', Buffer.from('xor\0junk'), 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'd'],
      ['BITOP', 'AND'],
      ['RPUSH', 'l', 'x'],
      ['BITOP', 'AND', 'd', 'a', 'l'],
      ['BITOP', 'AND', 'd', 'l'],
      ['BITOP', 'NOT', 'd', 'l'],
      ['BITOP', 'FOO', 'd', 'l'],
      ['BITOP', 'OR', 'l', 'a'],
      ['TYPE', 'l'],
      ['GET', 'l'],
      ['SETEX', 't', '1000', 'v'],
      ['BITOP', 'OR', 't', 'a'],
      ['TTL', 't'],
      ['SET', 'n', '12'],
      ['BITOP', 'NOT', 'nn', 'n'],
      ['GET', 'nn'],
      ['BITOP', 'AND', 'a', 'a', 'b'],
      ['GET', 'a'],
    ]);
    const g = prng(5);
    const steps: Cmd[] = [];
    for (let i = 0; i < 30; i++) {
      const srcs = Array.from({ length: 1 + g.int(4) }, (_, j) => `src${j}`);
      for (const s of srcs) steps.push(g.int(5) === 0 ? ['DEL', s] : ['SET', s, g.bytes(g.int(100))]);
      const op = g.pick(['AND', 'OR', 'XOR', 'NOT']);
      steps.push(['BITOP', op, 'dst', ...(op === 'NOT' ? [srcs[0]] : srcs)], ['GET', 'dst']);
    }
    steps.push(['SET', 'L1', g.bytes(100_000)], ['SET', 'L2', g.bytes(70_000)], ['BITOP', 'XOR', 'LX', 'L1', 'L2'], ['GET', 'LX'], ['BITCOUNT', 'LX']);
    await expectSame(r, k, steps);
  });

  it('BITFIELD: types, offsets, GET/SET/INCRBY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['BITFIELD', 'bf'],
      ['EXISTS', 'bf'],
      ['BITFIELD', 'bf', 'GET', 'u8', '0'],
      ['EXISTS', 'bf'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '255', 'GET', 'u8', '0'],
      ['OBJECT', 'ENCODING', 'bf'],
      ['BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1'],
      ['BITFIELD', 'bf', 'GET', 'u2', '100', 'GET', 'i2', '100'],
      ['BITFIELD', 'bf', 'SET', 'i64', '3', '-9223372036854775808', 'GET', 'i64', '3', 'GET', 'u63', '3', 'GET', 'u63', '4'],
      ['BITFIELD', 'bf', 'SET', 'i64', '3', '9223372036854775807', 'GET', 'i64', '3', 'GET', 'u63', '3'],
      ['BITFIELD', 'bf', 'SET', 'u63', '0', '9223372036854775807', 'GET', 'u63', '0', 'GET', 'i64', '0', 'GET', 'i1', '0', 'GET', 'u1', '0'],
      ['BITFIELD', 'bf', 'SET', 'i1', '0', '0', 'SET', 'i1', '1', '-1', 'SET', 'u1', '2', '1', 'GET', 'u3', '0'],
      ['BITFIELD', 'bf', 'SET', 'u8', '#2', '65', 'GET', 'u8', '#2', 'GET', 'u8', '16'],
      ['BITFIELD', 'bf', 'SET', 'i16', '#3', '-2', 'GET', 'i16', '48', 'GET', 'u16', '#3'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#0', 'GET', 'U8', '#1', 'GET', 'I8', '#5'],
      ['GET', 'bf'],
      ['STRLEN', 'bf'],
      ['BITFIELD', 'bf', 'GET', 'i64', '1000', 'GET', 'u63', '990', 'GET', 'i33', '7'],
      ['BITFIELD', 'bf', 'get', 'u8', '0', 'set', 'u8', '0', '1', 'incrby', 'u8', '0', '1'],
      ['BITFIELD', 'bf', 'SET', 'u5', '3', '17', 'GET', 'u5', '3', 'GET', 'u8', '0'],
      // Every width, signed and unsigned, at unaligned offsets.
      ...Array.from({ length: 64 }, (_, i): Cmd => ['BITFIELD', 'w', 'SET', `i${i + 1}`, String(i * 3 + 1), String(-(i + 5)), 'GET', `i${i + 1}`, String(i * 3 + 1), 'GET', 'u8', String(i * 3)]),
      ...Array.from({ length: 63 }, (_, i): Cmd => ['BITFIELD', 'w2', 'SET', `u${i + 1}`, String(i * 5 + 3), String(2 ** Math.min(i, 50) + 3), 'GET', `u${i + 1}`, String(i * 5 + 3), 'GET', 'i64', String(i * 5)]),
      ['GET', 'w'],
      ['GET', 'w2'],
      ['SET', 'n', '12345'],
      ['BITFIELD', 'n', 'GET', 'u8', '0', 'GET', 'u16', '#1', 'GET', 'i64', '0'],
      ['BITFIELD', 'n', 'INCRBY', 'u8', '0', '1'],
      ['GET', 'n'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SETEX', 't', '1000', 'v'],
      ['BITFIELD', 't', 'SET', 'u8', '0', '65'],
      ['TTL', 't'],
      ['GET', 't'],
    ]);
  });

  it('BITFIELD: overflow WRAP / SAT / FAIL', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['BITFIELD', 'o', 'SET', 'u8', '0', '250', 'INCRBY', 'u8', '0', '10'],
      ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'INCRBY', 'u8', '0', '-1000'],
      ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '-1'],
      ['BITFIELD', 'o', 'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '0', '-1', 'INCRBY', 'u8', '0', '-9223372036854775808'],
      ['BITFIELD', 'o', 'SET', 'i8', '0', '120', 'INCRBY', 'i8', '0', '10', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '200', 'INCRBY', 'i8', '0', '-300'],
      ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'INCRBY', 'i8', '0', '1000', 'GET', 'i8', '0'],
      ['BITFIELD', 'o', 'SET', 'i8', '0', '200', 'SET', 'i8', '0', '-200', 'GET', 'i8', '0'],
      ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '200', 'GET', 'i8', '0', 'SET', 'i8', '0', '-200', 'GET', 'i8', '0'],
      ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '200', 'SET', 'i8', '0', '127', 'SET', 'i8', '0', '-129'],
      ['BITFIELD', 'o', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0', 'SET', 'u8', '0', '256'],
      ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0', 'SET', 'u8', '0', '256', 'GET', 'u8', '0'],
      ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '-1', 'SET', 'u8', '0', '256', 'SET', 'u8', '0', '255'],
      ['BITFIELD', 'o', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1', 'INCRBY', 'i64', '0', '-1'],
      ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '9223372036854775807'],
      ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1', 'GET', 'i64', '0'],
      ['BITFIELD', 'o', 'SET', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '-5', 'INCRBY', 'u63', '0', '9223372036854775807'],
      ['BITFIELD', 'o', 'OVERFLOW', 'WRAP', 'INCRBY', 'u63', '0', '-9223372036854775808', 'SET', 'u63', '0', '-1', 'GET', 'u63', '0'],
      ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'SET', 'u63', '0', '-1', 'GET', 'u63', '0', 'SET', 'i1', '0', '1', 'GET', 'i1', '0', 'SET', 'u1', '0', '2', 'GET', 'u1', '0'],
      ['BITFIELD', 'o', 'OVERFLOW', 'WRAP', 'SET', 'i1', '0', '1', 'GET', 'i1', '0', 'INCRBY', 'i1', '0', '1', 'INCRBY', 'u1', '0', '3'],
      // A FAILed write still creates the key (but is not a change: no event).
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '1000'],
      ['GET', 'f'],
      // OVERFLOW applies to later operations only.
      ['BITFIELD', 'g', 'INCRBY', 'u4', '0', '20', 'OVERFLOW', 'SAT', 'INCRBY', 'u4', '0', '20', 'OVERFLOW', 'fail', 'INCRBY', 'u4', '0', '20', 'OVERFLOW', 'wrap', 'INCRBY', 'u4', '0', '20'],
    ]);
    // Random INCRBY / SET sequences on every width with every overflow mode.
    const g = prng(31);
    const steps: Cmd[] = [];
    const vals = ['0', '1', '-1', '2', '-2', '100', '-100', '127', '-128', '255', '256', '65535', '-65536', '2147483647', '-2147483648', '4294967296', '9223372036854775807', '-9223372036854775808', '4611686018427387904', '-4611686018427387905'];
    for (let i = 0; i < 200; i++) {
      const signed = g.int(2) === 0;
      const bits = signed ? 1 + g.int(64) : 1 + g.int(63);
      const type = `${signed ? 'i' : 'u'}${bits}`;
      const off = String(g.int(40));
      const op = g.pick(['INCRBY', 'SET']);
      steps.push(['BITFIELD', 'rnd', 'OVERFLOW', g.pick(['WRAP', 'SAT', 'FAIL']), op, type, off, g.pick(vals), 'GET', type, off, 'GET', 'u32', '0']);
    }
    steps.push(['GET', 'rnd']);
    await expectSame(r, k, steps);
  });

  it('BITFIELD: errors and BITFIELD_RO', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'k', 'abc'],
      ['BITFIELD', 'k', 'GET', 'u64', '0'],
      ['BITFIELD', 'k', 'GET', 'i65', '0'],
      ['BITFIELD', 'k', 'GET', 'i0', '0'],
      ['BITFIELD', 'k', 'GET', 'u0', '0'],
      ['BITFIELD', 'k', 'GET', 'x8', '0'],
      ['BITFIELD', 'k', 'GET', '', '0'],
      ['BITFIELD', 'k', 'GET', 'i', '0'],
      ['BITFIELD', 'k', 'GET', 'i-8', '0'],
      ['BITFIELD', 'k', 'GET', 'i08', '0'],
      ['BITFIELD', 'k', 'GET', 'i 8', '0'],
      ['BITFIELD', 'k', 'GET', Buffer.from('i8\0x'), '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '-1'],
      ['BITFIELD', 'k', 'GET', 'u8', 'x'],
      ['BITFIELD', 'k', 'GET', 'u8', '#'],
      ['BITFIELD', 'k', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'k', 'GET', 'u8', '#x'],
      ['BITFIELD', 'k', 'GET', 'u8', '##1'],
      ['BITFIELD', 'k', 'GET', 'u8', '4294967295'],
      ['BITFIELD', 'k', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'k', 'GET', 'u8', '#536870911'],
      ['BITFIELD', 'k', 'GET', 'u8', '#536870912'],
      // '#n' is multiplied as a C int64: the product can wrap around to a valid offset.
      ['BITFIELD', 'k', 'GET', 'u4', '#4611686018427387905'],
      ['BITFIELD', 'k', 'GET', 'i64', '#144115188075855872'],
      ['BITFIELD', 'k', 'GET', 'i64', '#144115188075855873'],
      ['BITFIELD', 'k', 'SET', 'u8', '0'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', '1.5'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', '9223372036854775808'],
      ['BITFIELD', 'k', 'INCRBY', 'u8', '0'],
      ['BITFIELD', 'k', 'INCRBY', 'u8', '0', ''],
      ['BITFIELD', 'k', 'GET', 'u8'],
      ['BITFIELD', 'k', 'GET'],
      ['BITFIELD', 'k', 'FOO', 'u8', '0'],
      ['BITFIELD', 'k', 'OVERFLOW'],
      ['BITFIELD', 'k', 'OVERFLOW', 'FOO', 'GET', 'u8', '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '0', 'OVERFLOW', 'FOO'],
      ['BITFIELD', 'k', 'GET', 'u8', '0', 'OVERFLOW', 'SAT'],
      ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u64', '0', '1'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', '65', 'GET', 'x', '0'],
      ['GET', 'k'],
      ['BITFIELD'],
      ['RPUSH', 'l', 'x'],
      ['BITFIELD', 'l'],
      ['BITFIELD', 'l', 'GET', 'u8', '0'],
      ['BITFIELD', 'l', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'l', 'SET', 'u64', '0', '1'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'GET', 'i4', '#3'],
      ['BITFIELD_RO', 'k'],
      ['BITFIELD_RO', 'nosuch', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'k', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'k', 'INCRBY', 'u8', '0', '1'],
      ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT'],
      ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', 'x'],
      ['BITFIELD_RO', 'k', 'GET', 'u64', '0'],
      ['BITFIELD_RO', 'l', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'l', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO'],
      ['EXISTS', 'nosuch'],
    ]);
  });

  it('keyspace notifications', async () => {
    await expectSameEvents(pair, proto, [
      ['SETBIT', 'b', '5', '1'],
      ['SETBIT', 'b', '5', '1'],
      ['SETBIT', 'b', '5', '0'],
      ['SETBIT', 'b', '100', '0'],
      ['SETBIT', 'b', '1', '0'],
      ['SET', 's', 'abc'],
      ['SETBIT', 's', '0', '0'],
      ['GETBIT', 'b', '5'],
      ['BITCOUNT', 'b'],
      ['BITPOS', 'b', '1'],
      ['BITOP', 'OR', 'dst', 'b', 's'],
      ['BITOP', 'AND', 'dst', 'nosuch'],
      ['BITOP', 'AND', 'dst', 'nosuch'],
      ['BITFIELD', 'f', 'GET', 'u8', '0'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', '1', 'INCRBY', 'u8', '0', '2'],
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'],
      ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '1000'],
      ['BITFIELD_RO', 'f', 'GET', 'u8', '0'],
    ]);
  });
});
