/**
 * HyperLogLog commands compared with redis-server 7.0.15: every reply, and the
 * raw bytes of the HLL values (GET) after every step, so the sparse opcodes,
 * promotions to dense, merges and the cached cardinality are byte-identical.
 * Covers PFADD / PFCOUNT (one and several keys) / PFMERGE / PFDEBUG /
 * PFSELFTEST, every error path (wrong types, invalid and corrupted HLLs),
 * hll-sparse-max-bytes, binary elements, 50k elements, values copied with
 * GET/SET in both directions, keyspace events, WATCH and TTLs, RESP2 and RESP3.
 *
 * Elements with a chosen register and run length are built by inverting
 * MurmurHash64A (every step of it is invertible for 8-byte inputs), so values
 * above 32 (promotion) and the maximum run of 51 are reachable by PFADD.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, expectSameEvents, startPair, type Cmd, type Pair, type RawClient } from '../support/differential.js';
import { rng } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const { r, k } = await pair.clients(2);
  await expectSame(r, k, [['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']]);
  r.close();
  k.close();
});

const c = (s: string): Cmd => s.split(' ');

function randomBytes(rand: () => number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

// ---- elements with a chosen (register, run length) -----------------------------------------

const MASK = (1n << 64n) - 1n;
const MUL = 0xc6a4a7935bd1e995n;
let MINV = MUL;
for (let i = 0; i < 6; i++) MINV = (MINV * (2n - MUL * MINV)) & MASK;
const H0_LEN8 = 0xadc83b19n ^ ((8n * MUL) & MASK);

/** An 8-byte element whose MurmurHash64A maps to register `index` with run length `count` (1..51). */
function craft(index: number, count: number, salt = 0n): Buffer {
  let hash = BigInt(index);
  if (count <= 50) hash |= (1n << BigInt(14 + count - 1)) | ((salt << BigInt(14 + count)) & MASK);
  // Undo h ^= h >> 47; h *= m; h ^= h >> 47.
  let h = hash ^ (hash >> 47n);
  h = (h * MINV) & MASK;
  h ^= h >> 47n;
  // Undo h = (h0 ^ k) * m, then k = ((K * m) ^ ((K * m) >> 47)) * m.
  let k = ((h * MINV) & MASK) ^ H0_LEN8;
  k = (k * MINV) & MASK;
  k ^= k >> 47n;
  k = (k * MINV) & MASK;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(k);
  return b;
}

// ---- hand-made HLL values ------------------------------------------------------------------

const HDR = (enc: number, card: number[] = [0, 0, 0, 0, 0, 0, 0, 0x80]) => [72, 89, 76, 76, enc, 0, 0, 0, ...card];
const sparse = (ops: number[], card?: number[]) => Buffer.from([...HDR(1, card), ...ops]);
/** A dense HLL whose register i is regs(i). */
function dense(regs: (i: number) => number, card?: number[]): Buffer {
  const b = Buffer.alloc(16 + 12288);
  Buffer.from(HDR(0, card)).copy(b);
  for (let i = 0; i < 16384; i++) {
    const v = regs(i);
    const bit = i * 6;
    const byte = 16 + (bit >> 3);
    const fb = bit & 7;
    b[byte] |= (v << fb) & 0xff;
    if (fb > 2) b[byte + 1] |= v >> (8 - fb);
  }
  return b;
}

/** Run each command, then GET every key, comparing all replies. */
async function withGets(r: RawClient, k: RawClient, keys: string[], cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) await expectSame(r, k, [cmd, ...keys.map((key): Cmd => ['GET', key])]);
}

/** The value of a bulk-string reply. */
const bulk = (reply: string): Buffer => Buffer.from(decode(reply) as string, 'latin1');

describe.each([2, 3] as const)('hyperloglog (RESP%i)', (proto) => {
  it('PFADD / PFCOUNT on one key: creation, return values, cached cardinality, encoding', async () => {
    const { r, k } = await pair.clients(proto);
    await withGets(r, k, ['h'], [
      c('PFADD h'),
      c('PFADD h'),
      c('PFCOUNT h'),
      c('PFCOUNT h'),
      c('PFADD h a b c'),
      c('PFADD h a b c'),
      c('PFADD h c a'),
      c('PFCOUNT h'),
      c('PFADD h d'),
      c('PFADD h a'),
      c('PFCOUNT h'),
      c('PFCOUNT h'),
      ['PFADD', 'h', ''],
      c('PFCOUNT h'),
      c('PFCOUNT nosuch'),
      c('PFADD h2 x y z x y z'),
      c('PFCOUNT h2'),
    ]);
    await expectSame(r, k, [c('TYPE h'), c('OBJECT ENCODING h'), c('STRLEN h'), c('GETRANGE h 0 4'), c('EXISTS nosuch'), c('PFDEBUG ENCODING h')]);
  });

  it('values set with SET: embstr until a PF command unshares them, header-only checks', async () => {
    const { r, k } = await pair.clients(proto);
    const empty = sparse([0x7f, 0xff], [0, 0, 0, 0, 0, 0, 0, 0]);
    await withGets(r, k, ['s', 't'], [
      ['SET', 's', empty],
      c('OBJECT ENCODING s'),
      c('PFCOUNT s t'), // several keys: read only
      c('OBJECT ENCODING s'),
      c('PFCOUNT s'), // cached 0, still unshared
      c('OBJECT ENCODING s'),
      ['SET', 't', empty],
      c('PFADD t'),
      c('OBJECT ENCODING t'),
      ['SET', 't', empty],
      c('PFADD t a'),
      c('OBJECT ENCODING t'),
      ['SET', 't', empty],
      c('PFMERGE t'),
      c('OBJECT ENCODING t'),
      ['SET', 't', empty],
      c('PFDEBUG ENCODING t'),
      c('OBJECT ENCODING t'),
      ['SET', 's', empty],
      c('PFMERGE u s'),
      c('OBJECT ENCODING s'),
      c('OBJECT ENCODING u'),
    ]);
  });

  it('sparse opcodes: splits, VAL merges, first and last registers (single-element PFADDs)', async () => {
    const { r, k } = await pair.clients(proto);
    // The crafted elements land where intended (checked on redis-server itself).
    await r.call('PFADD', 'probe', craft(0, 1), craft(16383, 32, 5n), craft(700, 17, 3n));
    expect(decode(await r.call('PFDEBUG', 'DECODE', 'probe'))).toBe('v:1,1 Z:699 v:17,1 Z:15682 v:32,1');
    await r.call('DEL', 'probe');
    const cmds: Cmd[] = [];
    for (const [i, v] of [
      [0, 1],
      [16383, 2],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 2],
      [4, 3],
      [100, 5],
      [164, 5],
      [165, 5],
      [101, 5],
      [99, 5],
      [8000, 32],
      [8001, 31],
      [8001, 32],
      [16382, 2],
      [16381, 2],
      [16380, 2],
      [64, 1],
      [65, 1],
      [66, 1],
      [66, 1],
      [64, 7],
    ] as const) {
      cmds.push(['PFADD', 'h', craft(i, v, BigInt(i))], ['PFDEBUG', 'DECODE', 'h']);
    }
    cmds.push(c('PFCOUNT h'), c('PFDEBUG ENCODING h'));
    await withGets(r, k, ['h'], cmds);
    expect(decode(await r.call('PFDEBUG', 'ENCODING', 'h'))).toEqual({ simple: 'sparse' });
  });

  it('promotion to dense: a value above 32, and the maximum run of 51', async () => {
    const { r, k } = await pair.clients(proto);
    await withGets(r, k, ['h', 'm'], [
      ['PFADD', 'h', craft(10, 3), craft(11, 3)],
      c('PFCOUNT h'),
      ['PFADD', 'h', craft(12, 33)],
      c('PFDEBUG ENCODING h'),
      c('PFCOUNT h'),
      ['PFADD', 'h', craft(12, 33)],
      ['PFADD', 'h', craft(13, 51)],
      c('PFCOUNT h'),
      ['PFADD', 'm', craft(20, 51), craft(21, 51), craft(22, 50)],
      c('PFCOUNT m'),
      c('PFCOUNT m h'),
    ]);
    expect(decode(await r.call('PFDEBUG', 'ENCODING', 'h'))).toEqual({ simple: 'dense' });
  });

  it('hand-made sparse values (non-canonical runs, XZERO:1, unmerged VALs): seeded PFADDs at random registers', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 1000 + 5);
    for (let round = 0; round < 6; round++) {
      // Random opcodes covering the first registers, then XZEROs up to 16384.
      const ops: number[] = [];
      let covered = 0;
      const target = 200 + Math.floor(rand() * 600);
      while (covered < target) {
        const t = rand();
        if (t < 0.3) {
          const n = 1 + Math.floor(rand() * 64);
          ops.push(n - 1);
          covered += n;
        } else if (t < 0.45) {
          const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 3 : 300));
          ops.push(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
          covered += n;
        } else {
          const v = 1 + Math.floor(rand() * (rand() < 0.5 ? 3 : 32));
          const reps = 1 + Math.floor(rand() * 3);
          for (let i = 0; i < reps; i++) {
            const n = 1 + Math.floor(rand() * 4);
            ops.push(0x80 | ((v - 1) << 2) | (n - 1));
            covered += n;
          }
        }
      }
      let rest = 16384 - covered;
      while (rest > 0) {
        const n = Math.min(rest, 16384);
        ops.push(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
        rest -= n;
      }
      const cmds: Cmd[] = [['SET', 'h', sparse(ops)], c('PFDEBUG DECODE h'), c('PFCOUNT h')];
      for (let i = 0; i < 40; i++) {
        const index = rand() < 0.9 ? Math.floor(rand() * covered) : Math.floor(rand() * 16384);
        const count = rand() < 0.03 ? 33 + Math.floor(rand() * 10) : 1 + Math.floor(rand() * (rand() < 0.5 ? 4 : 32));
        cmds.push(['PFADD', 'h', craft(index, count, BigInt(i))], c('PFDEBUG DECODE h'));
      }
      cmds.push(c('PFCOUNT h'), c('PFMERGE m h'), c('PFCOUNT m'));
      await withGets(r, k, ['h', 'm'], cmds);
      await expectSame(r, k, [c('DEL h m')]);
    }
  });

  it('PFCOUNT on several keys: union, missing keys, keys unchanged', async () => {
    const { r, k } = await pair.clients(proto);
    const many = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    await withGets(r, k, ['a', 'b', 'd'], [
      c('PFADD a 1 2 3 4 5'),
      c('PFADD b 4 5 6 7'),
      ['PFADD', 'd', ...many],
      c('PFCOUNT a b'),
      c('PFCOUNT a b nosuch'),
      c('PFCOUNT nosuch1 nosuch2'),
      c('PFCOUNT a a a'),
      c('PFCOUNT a b d'),
      c('PFCOUNT d a'),
      c('PFCOUNT a'),
      c('PFCOUNT d'),
    ]);
  });

  it('PFMERGE: new, sparse and dense sources, into sparse and dense destinations', async () => {
    const { r, k } = await pair.clients(proto);
    const many = Array.from({ length: 2500 }, (_, i) => `x${i}`);
    await withGets(r, k, ['e', 's1', 's2', 'dn', 'm1', 'm2', 'm3', 'm4'], [
      c('PFMERGE e'),
      c('PFCOUNT e'),
      c('PFMERGE e'),
      c('PFADD s1 a b c d'),
      c('PFADD s2 c d e f g'),
      ['PFADD', 'dn', ...many],
      c('PFMERGE m1 s1 s2'),
      c('PFDEBUG ENCODING m1'),
      c('PFCOUNT m1'),
      c('PFMERGE m1 s1 s2'),
      c('PFMERGE m2 s1 dn'),
      c('PFDEBUG ENCODING m2'),
      c('PFCOUNT m2'),
      c('PFMERGE s1 s2'),
      c('PFMERGE s1 s1'),
      c('PFMERGE m3 nosuch s2 nosuch2'),
      c('PFMERGE m3 dn'),
      c('PFDEBUG ENCODING m3'),
      c('PFADD m4 z'),
      c('PFCOUNT m4'),
      c('PFMERGE m4 m1 m2'),
      c('PFCOUNT m4'),
      c('PFCOUNT m1 m2'),
      c('PFMERGE dn s1'),
      c('PFCOUNT dn'),
    ]);
  });

  it('PFMERGE of sparse sources whose union passes hll-sparse-max-bytes promotes while merging', async () => {
    const { r, k } = await pair.clients(proto);
    const a = Array.from({ length: 1000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 1000 }, (_, i) => `b${i}`);
    await withGets(r, k, ['a', 'b', 'u'], [['PFADD', 'a', ...a], ['PFADD', 'b', ...b], c('PFDEBUG ENCODING a'), c('PFMERGE u a b'), c('PFDEBUG ENCODING u'), c('PFCOUNT u')]);
  });

  it('hll-sparse-max-bytes: promotion when a split would exceed it', async () => {
    const { r, k } = await pair.clients(proto);
    for (const max of ['0', '18', '21', '22', '100', '20000']) {
      await expectSame(r, k, [['CONFIG', 'SET', 'hll-sparse-max-bytes', max], c('DEL h')]);
      const cmds: Cmd[] = [];
      for (let i = 0; i < 40; i++) cmds.push(['PFADD', 'h', `e${i}`], c('PFDEBUG ENCODING h'));
      cmds.push(c('PFCOUNT h'));
      await withGets(r, k, ['h'], cmds);
    }
  });

  it('binary elements (NUL, CR/LF, high bytes, every tail length)', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(42);
    const cmds: Cmd[] = [];
    for (let len = 0; len < 40; len++) cmds.push(['PFADD', 'bin', randomBytes(rand, len), randomBytes(rand, len)]);
    cmds.push(['PFADD', 'bin', Buffer.from('\0\r\n\xff\x80', 'latin1'), Buffer.from('\r\n'), Buffer.alloc(100, 0xff)]);
    cmds.push(c('PFCOUNT bin'));
    await withGets(r, k, ['bin'], cmds);
  });

  it('PFDEBUG: GETREG, DECODE, ENCODING, TODENSE and their errors', async () => {
    const { r, k } = await pair.clients(proto);
    await withGets(r, k, ['h', 'd', 's'], [
      c('PFDEBUG ENCODING nosuch'),
      c('PFADD h a b c'),
      c('PFDEBUG DECODE h'),
      c('PFDEBUG decode h'),
      c('PFDEBUG ENCODING h'),
      c('PFDEBUG FOO h'),
      ['PFDEBUG', 'encoding\0junk', 'h'],
      ['PFDEBUG', 'bad\0junk', 'h'],
      ['PFDEBUG', 'bad\r\nsub', 'h'],
      c('PFDEBUG FOO nosuch'),
      c('PFDEBUG GETREG h'), // converts to dense, keeps the cached bytes
      c('PFDEBUG ENCODING h'),
      c('PFDEBUG DECODE h'),
      c('PFDEBUG TODENSE h'),
      c('PFADD d x'),
      c('PFCOUNT d'),
      c('PFDEBUG TODENSE d'),
      c('PFDEBUG TODENSE d'),
      c('PFCOUNT d'),
      c('SET s notanhll'),
      c('PFDEBUG GETREG s'),
      c('PFDEBUG FOO s'),
      c('LPUSH l x'),
      c('PFDEBUG ENCODING l'),
      c('PFDEBUG GETREG'),
      c('PFDEBUG GETREG h extra'),
      c('PFDEBUG'),
    ]);
  });

  it('wrong types and values that are not HyperLogLogs', async () => {
    const { r, k } = await pair.clients(proto);
    const bad: Array<[string, Buffer | string]> = [
      ['str', 'hello'],
      ['int', '12345'],
      ['empty', ''],
      ['magic', 'HYLL'],
      ['short', 'HYLL\x01\0\0\0\0\0\0\0\0\0\0'],
      ['lower', sparse([0x7f, 0xff]).fill(104, 0, 1)],
      ['enc2', Buffer.from([...HDR(2), 0x7f, 0xff])],
      ['enc255', Buffer.from([...HDR(255), 0x7f, 0xff])],
      ['denseshort', dense(() => 0).subarray(0, 12303)],
      ['denselong', Buffer.concat([dense(() => 0), Buffer.from([0])])],
      ['densesparse', Buffer.concat([Buffer.from(HDR(0)), Buffer.from([0x7f, 0xff])])],
    ];
    const cmds: Cmd[] = [c('LPUSH l x'), c('HSET hh f v'), c('PFADD ok a')];
    for (const [key, v] of bad) cmds.push(['SET', key, v]);
    for (const key of ['l', 'hh', ...bad.map(([key]) => key)]) {
      cmds.push(
        ['PFADD', key],
        ['PFADD', key, 'a'],
        ['PFCOUNT', key],
        ['PFCOUNT', 'ok', key],
        ['PFCOUNT', key, 'ok'],
        ['PFMERGE', key],
        ['PFMERGE', key, 'ok'],
        ['PFMERGE', 'dest', key],
        ['PFMERGE', 'dest', 'ok', key],
        ['PFDEBUG', 'ENCODING', key],
        ['OBJECT', 'ENCODING', key],
        ['EXISTS', 'dest'],
      );
    }
    cmds.push(c('PFADD'), c('PFCOUNT'), c('PFMERGE'), c('PFSELFTEST extra'));
    await withGets(r, k, ['ok', ...bad.map(([key]) => key)], cmds);
  });

  it('corrupted sparse values: INVALIDOBJ, and what Redis changes before noticing', async () => {
    const { r, k } = await pair.clients(proto);
    const values: Array<[string, Buffer]> = [
      ['hdronly', sparse([])],
      ['short', sparse([0x7f, 0xfe])], // 16383 registers
      ['long', sparse([0x7f, 0xff, 0x00])], // 16385
      ['tail', sparse([0x7f, 0xfe, 0x84, 0x80])], // 16384 then a VAL past the end
      ['trunc', sparse([0x7f])], // XZERO missing its second byte
      ['valover', sparse([0xff, 0x7f, 0xff])],
      ['valid', sparse([0x7f, 0xff])],
    ];
    const keys = values.map(([key]) => key);
    const cmds: Cmd[] = values.map(([key, v]): Cmd => ['SET', key, v]);
    for (const key of keys) {
      cmds.push(
        ['PFCOUNT', key],
        ['PFCOUNT', key, 'valid'],
        ['PFMERGE', 'm', key],
        ['EXISTS', 'm'],
        ['PFDEBUG', 'DECODE', key],
        ['PFDEBUG', 'ENCODING', key],
        // registers before the damage can change (and stay changed), then the error
        ['PFADD', key, craft(3, 2), craft(200, 5), craft(16383, 1), craft(9, 4)],
        ['PFADD', key, craft(16383, 40)],
        ['PFCOUNT', key],
        ['OBJECT', 'ENCODING', key],
        ['PFDEBUG', 'TODENSE', key],
        ['PFDEBUG', 'GETREG', key],
        ['PFCOUNT', key],
        ['DEL', 'm'],
      );
    }
    await withGets(r, k, [...keys, 'm'], cmds);
  });

  it('dense values with any register values (up to 63), and cached cardinalities up to 2^63-1', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(9);
    const big = dense((i) => (i % 7 === 0 ? 51 : i % 11 === 0 ? 63 : i % 3 === 0 ? 40 : Math.floor(rand() * 20)));
    await withGets(r, k, ['d1', 'd2', 'd3', 'c1', 'c2', 'c3', 'c4', 'm'], [
      ['SET', 'd1', big],
      c('PFCOUNT d1'),
      ['SET', 'd2', dense((i) => (i < 100 ? 51 : 0))],
      c('PFCOUNT d2'),
      ['SET', 'd3', dense((i) => (i % 2 ? 51 : 1))],
      c('PFCOUNT d3'),
      c('PFCOUNT d1 d2 d3'),
      c('PFMERGE m d2 d3'),
      c('PFCOUNT m'),
      ['SET', 'c1', sparse([0x7f, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])],
      c('PFCOUNT c1'),
      ['SET', 'c2', sparse([0x7f, 0xff], [1, 0, 0, 0, 0, 0, 0x20, 0])],
      c('PFCOUNT c2'),
      ['SET', 'c3', dense(() => 5, [0x39, 0x30, 0, 0, 0, 0, 0, 0])],
      c('PFCOUNT c3'),
      c('PFADD c3 x'),
      c('PFCOUNT c3'),
      ['SET', 'c4', sparse([0x7f, 0xff], [0x39, 0x30, 0, 0, 0, 0, 0, 0])],
      c('PFADD c4 a'),
      c('PFCOUNT c4'),
      c('PFCOUNT c1 c2'),
      c('PFMERGE c1 c2'),
      c('PFCOUNT c1'),
    ]);
  });

  it('string commands on HLL values (APPEND, SETRANGE, SETBIT) and PF commands afterwards', async () => {
    const { r, k } = await pair.clients(proto);
    await withGets(r, k, ['h', 'd'], [
      c('PFADD h a b c'),
      ['APPEND', 'h', '\0'],
      c('PFCOUNT h'),
      c('PFADD h a'),
      ['SETRANGE', 'h', '0', 'x'],
      c('PFCOUNT h'),
      ['SETRANGE', 'h', '0', 'H'],
      c('PFCOUNT h'),
      ['PFADD', 'd', ...Array.from({ length: 2000 }, (_, i) => `d${i}`)],
      c('PFCOUNT d'),
      c('SETBIT d 200 1'),
      c('PFCOUNT d'),
      c('SETBIT d 127 0'),
      c('PFCOUNT d'),
      c('PFADD d zz'),
      c('PFCOUNT d'),
    ]);
  });

  it('TTL is kept by PFADD, PFCOUNT, PFMERGE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      c('PFADD h a'),
      c('EXPIRE h 1000'),
      c('PFADD h b'),
      c('TTL h'),
      c('PFCOUNT h'),
      c('TTL h'),
      c('PFADD s q'),
      c('PFMERGE h s'),
      c('TTL h'),
      c('PFDEBUG TODENSE h'),
      c('TTL h'),
    ]);
  });

  it('keyspace events: pfadd for PFADD and PFMERGE, none for PFCOUNT / PFDEBUG / no-op PFADD', async () => {
    const re = await expectSameEvents(
      pair,
      proto,
      [
        c('PFADD h a b'),
        c('PFADD h a'),
        c('PFADD e'),
        c('PFCOUNT h'),
        c('PFCOUNT h e'),
        c('PFMERGE m h'),
        c('PFMERGE m'),
        c('PFDEBUG TODENSE h'),
        c('PFDEBUG GETREG m'),
        c('SET s x'),
        c('PFADD s a'),
        ['SET', 'bad', sparse([0x7f, 0xfe])],
        ['PFADD', 'bad', craft(5, 1), craft(16383, 1)],
        c('PFADD h zz'),
      ],
      'KE$gn',
    );
    expect(re.some((m) => m.includes('pfadd'))).toBe(true);
  });

  it('WATCH: PFCOUNT that refreshes the cache and changing PFADDs touch the key', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    await expectSame(a.r, a.k, [c('UNWATCH')]);
    const round = async (cmd: Cmd) => {
      await expectSame(a.r, a.k, [c('WATCH h')]);
      await expectSame(b.r, b.k, [cmd]);
      await expectSame(a.r, a.k, [c('MULTI'), c('PING'), c('EXEC')]);
    };
    await expectSame(a.r, a.k, [c('PFADD h a b c')]);
    await round(c('PFCOUNT h')); // computes and caches: touched
    await round(c('PFCOUNT h')); // cached: not touched
    await round(c('PFADD h a')); // no change
    await round(c('PFADD h newone'));
    await round(c('PFCOUNT h other'));
    await round(c('PFMERGE h'));
    await round(c('PFDEBUG TODENSE h'));
    await round(c('PFDEBUG GETREG h'));
  });
});

describe('hyperloglog at scale (RESP2)', () => {
  it('one element at a time through sparse growth and promotion, GET after each', async () => {
    const { r, k } = await pair.clients(2);
    const rand = rng(1234);
    const cmds: Cmd[] = [];
    for (let i = 0; i < 2200; i++) {
      const ele = rand() < 0.2 ? randomBytes(rand, Math.floor(rand() * 12)) : `user:${Math.floor(rand() * 3000)}`;
      cmds.push(['PFADD', 'h', ele]);
      if (i % 50 === 0) cmds.push(c('PFCOUNT h'));
    }
    cmds.push(c('PFDEBUG ENCODING h'), c('PFCOUNT h'));
    await withGets(r, k, ['h'], cmds);
    expect(decode(await r.call('PFDEBUG', 'ENCODING', 'h'))).toEqual({ simple: 'dense' });
  });

  it('50k elements in batches, mixed with merges, counts of unions', async () => {
    const { r, k } = await pair.clients(2);
    const rand = rng(777);
    const cmds: Cmd[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const els: Array<string | Buffer> = [];
      for (let i = 0; i < 1000; i++) els.push(i % 10 === 0 ? randomBytes(rand, 1 + Math.floor(rand() * 30)) : `el:${batch}:${i}:${Math.floor(rand() * 1e6)}`);
      cmds.push(['PFADD', batch % 2 ? 'odd' : 'even', ...els]);
      if (batch % 5 === 0) cmds.push(c('PFCOUNT odd'), c('PFCOUNT even odd'), c('PFMERGE all odd even'), c('PFCOUNT all'));
    }
    cmds.push(c('PFCOUNT odd'), c('PFCOUNT even'), c('PFCOUNT odd even'), c('PFMERGE all odd even'), c('PFCOUNT all'));
    await withGets(r, k, ['odd', 'even', 'all'], cmds);
  });

  it('a large sparse value (hll-sparse-max-bytes 20000)', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [c('CONFIG SET hll-sparse-max-bytes 20000')]);
    const cmds: Cmd[] = [];
    for (let batch = 0; batch < 30; batch++) {
      cmds.push(['PFADD', 'h', ...Array.from({ length: 200 }, (_, i) => `big${batch}:${i}`)], c('PFDEBUG ENCODING h'), c('STRLEN h'));
    }
    cmds.push(c('PFCOUNT h'), c('PFMERGE m h'), c('PFDEBUG ENCODING m'), c('PFCOUNT m'));
    await withGets(r, k, ['h', 'm'], cmds);
  });

  it('values copied with GET / SET between redis-server and RedKit keep their counts', async () => {
    const { r, k } = await pair.clients(2);
    const small = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const large = Array.from({ length: 10000 }, (_, i) => `l${i}`);
    for (const cl of [r, k]) {
      await cl.call('PFADD', 'sp', ...small);
      await cl.call('PFADD', 'dn', ...large);
      await cl.call('PFADD', 'spc', ...small);
      await cl.call('PFCOUNT', 'spc'); // valid cached cardinality
    }
    for (const key of ['sp', 'dn', 'spc']) {
      // redis-server -> RedKit and RedKit -> redis-server
      const fromRedis = bulk(await r.call('GET', key));
      const fromRedKit = bulk(await k.call('GET', key));
      expect(fromRedKit.equals(fromRedis), key).toBe(true);
      await k.call('SET', `${key}:r`, fromRedis);
      await r.call('SET', `${key}:k`, fromRedKit);
      await k.call('SET', `${key}:k`, fromRedKit);
      await r.call('SET', `${key}:r`, fromRedis);
      const count = await r.call('PFCOUNT', key);
      expect(await k.call('PFCOUNT', key)).toBe(count);
      expect(await k.call('PFCOUNT', `${key}:r`)).toBe(count);
      expect(await r.call('PFCOUNT', `${key}:k`)).toBe(count);
      // the same on the other side, so that both hold the same cached cardinalities
      expect(await r.call('PFCOUNT', `${key}:r`)).toBe(count);
      expect(await k.call('PFCOUNT', `${key}:k`)).toBe(count);
      await expectSame(r, k, [
        ['GET', `${key}:r`],
        ['GET', `${key}:k`],
        ['PFADD', `${key}:r`, 'extra'],
        ['PFADD', `${key}:k`, 'extra', 'more'],
        ['GET', `${key}:r`],
        ['GET', `${key}:k`],
        ['PFCOUNT', `${key}:r`, `${key}:k`, key],
      ]);
      // and back: what RedKit computed, counted by redis-server
      const back = bulk(await k.call('GET', `${key}:k`));
      await r.call('SET', 'back', back);
      expect(await r.call('PFCOUNT', 'back')).toBe(await k.call('PFCOUNT', `${key}:k`));
    }
  });

  it('PFSELFTEST', async () => {
    const { r, k } = await pair.clients(2);
    r.send('PFSELFTEST');
    k.send('PFSELFTEST');
    const [a, b] = await Promise.all([r.read(60_000), k.read(60_000)]);
    expect(a).toBe('+OK\r\n');
    expect(b).toBe(a);
  });
});
