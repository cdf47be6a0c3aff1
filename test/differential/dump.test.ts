/**
 * DUMP / RESTORE against redis-server 7.0.15.
 *
 * - DUMP bytes are compared exactly wherever Redis's output is deterministic
 *   (strings, lists built by RPUSH, listpack hashes and sorted sets, intsets,
 *   skip-list sorted sets).
 * - Cross-restore: each server's DUMP payload is RESTOREd on both servers and
 *   the contents and OBJECT ENCODING are compared; this is also how values
 *   whose bytes depend on hash table order (big hashes and sets) are checked.
 * - Older encodings Redis 7.0 still loads (RDB_TYPE_LIST, ziplists, zipmap,
 *   quicklist v1, text-score zsets) are built by hand and sent to both.
 * - Every RESTORE option and error, keyspace events, RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Crc64 } from '../../src/store/crc64.js';
import { encodeListpack } from '../../src/store/listpack.js';
import { decode, expectSame, norm, startPair, type Cmd, type Pair, type RawClient, type Step } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  // Settings some tests change: back to Redis 7.0's defaults on both servers.
  const { r, k } = await pair.clients(2);
  for (const c of [r, k]) {
    for (const [p, v] of DEFAULTS) await c.call('CONFIG', 'SET', p, v);
    c.close();
  }
});

const DEFAULTS: Array<[string, string]> = [
  ['rdbcompression', 'yes'],
  ['list-max-listpack-size', '-2'],
  ['list-compress-depth', '0'],
  ['hash-max-listpack-entries', '512'],
  ['hash-max-listpack-value', '64'],
  ['set-max-intset-entries', '512'],
  ['zset-max-listpack-entries', '128'],
  ['zset-max-listpack-value', '64'],
  ['maxmemory-policy', 'noeviction'],
];

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const bytes = (n: number, r: () => number, alphabet = 256, base = 0) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(base + Math.floor(r() * alphabet));
  return s;
};

/** The bulk string of a reply (latin1), or null. */
function bulk(reply: string): string | null {
  const v = decode(reply);
  if (v !== null && typeof v !== 'string') throw new Error(`not a bulk reply: ${JSON.stringify(reply).slice(0, 200)}`);
  return v as string | null;
}

/** Run the same setup commands on both servers, expecting the same replies. */
async function both(r: RawClient, k: RawClient, cmds: Cmd[]): Promise<void> {
  await expectSame(r, k, cmds);
}

/** Send many commands pipelined to both (big setups), expecting the same replies. */
async function pipeline(r: RawClient, k: RawClient, cmds: Cmd[]): Promise<void> {
  for (const c of cmds) {
    r.send(...c);
    k.send(...c);
  }
  for (let i = 0; i < cmds.length; i++) {
    const [a, b] = await Promise.all([r.read(), k.read()]);
    expect(b, `reply to ${cmds[i].join(' ').slice(0, 80)}`).toBe(a);
  }
}

/** Commands that show a key's whole contents, for comparing two servers. */
function readers(key: string, type: string): Step[] {
  switch (type) {
    case 'string':
      return [{ cmd: ['GET', key] }];
    case 'list':
      return [{ cmd: ['LRANGE', key, '0', '-1'] }];
    case 'hash':
      return [{ cmd: ['HGETALL', key], normalize: norm.pairs }, { cmd: ['HLEN', key] }];
    case 'set':
      return [{ cmd: ['SMEMBERS', key], normalize: norm.sorted }, { cmd: ['SCARD', key] }];
    case 'zset':
      return [{ cmd: ['ZRANGE', key, '0', '-1', 'WITHSCORES'] }];
    default:
      return [];
  }
}

/**
 * DUMP `key` on both servers and compare: the bytes when `exact`, and in any
 * case RESTORE each payload on both servers under `copy` and compare contents,
 * type and OBJECT ENCODING. Returns the two payloads.
 */
async function checkDump(r: RawClient, k: RawClient, key: string, exact: boolean): Promise<{ redis: string; redkit: string }> {
  const [dr, dk] = await Promise.all([r.call('DUMP', key), k.call('DUMP', key)]);
  if (exact) expect(JSON.stringify(dk), `DUMP ${key}`).toBe(JSON.stringify(dr));
  const pr = bulk(dr) as string;
  const pk = bulk(dk) as string;
  expect(pr).not.toBeNull();
  expect(pk).not.toBeNull();
  const type = (decode(await r.call('TYPE', key)) as { simple: string }).simple;
  for (const [from, p] of [
    ['redis', pr],
    ['redkit', pk],
  ] as const) {
    const copy = `copy-from-${from}`;
    await expectSame(r, k, [
      ['RESTORE', copy, '0', Buffer.from(p, 'latin1'), 'REPLACE'],
      ['TYPE', copy],
      ['OBJECT', 'ENCODING', copy],
      ...readers(copy, type),
      ['OBJECT', 'ENCODING', key],
    ]);
    // And the restored value dumps the same again (deterministic types).
    if (exact) await expectSame(r, k, [['DUMP', copy]]);
  }
  return { redis: pr, redkit: pk };
}

/** A payload for a hand-made RDB body (type byte + value), with version and CRC. */
function payload(body: Buffer, version = 10): Buffer {
  const b = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  new Crc64().update(b).writeLE(crc, 0);
  return Buffer.concat([b, crc]);
}

const bin = (s: string) => Buffer.from(s, 'latin1');

/** An RDB string: 6/14/32-bit length and the bytes. */
function rdbStr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? bin(s) : s;
  const n = b.length;
  const len = n < 64 ? Buffer.from([n]) : n < 16384 ? Buffer.from([0x40 | (n >> 8), n & 0xff]) : Buffer.from([0x80, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return Buffer.concat([len, b]);
}

/** A ziplist from entries: strings, or integers encoded in the given ziplist width. */
function ziplist(entries: Array<string | { int: number | bigint; enc?: 'imm' | 'i8' | 'i16' | 'i24' | 'i32' | 'i64' }>): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const e of entries) {
    let enc: Buffer;
    if (typeof e === 'string') {
      const b = bin(e);
      if (b.length < 64) enc = Buffer.concat([Buffer.from([b.length]), b]);
      else if (b.length < 16384) enc = Buffer.concat([Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);
      else {
        const h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(b.length, 1);
        enc = Buffer.concat([h, b]);
      }
    } else {
      const v = e.int;
      switch (e.enc ?? 'i64') {
        case 'imm':
          enc = Buffer.from([0xf1 + Number(v)]);
          break;
        case 'i8':
          enc = Buffer.from([0xfe, Number(v) & 0xff]);
          break;
        case 'i16':
          enc = Buffer.alloc(3);
          enc[0] = 0xc0;
          enc.writeInt16LE(Number(v), 1);
          break;
        case 'i24': {
          enc = Buffer.alloc(4);
          enc[0] = 0xf0;
          const u = Number(v) < 0 ? (1 << 24) + Number(v) : Number(v);
          enc[1] = u & 255;
          enc[2] = (u >> 8) & 255;
          enc[3] = (u >> 16) & 255;
          break;
        }
        case 'i32':
          enc = Buffer.alloc(5);
          enc[0] = 0xd0;
          enc.writeInt32LE(Number(v), 1);
          break;
        default:
          enc = Buffer.alloc(9);
          enc[0] = 0xe0;
          enc.writeBigInt64LE(BigInt(v), 1);
      }
    }
    const pl = prev < 254 ? Buffer.from([prev]) : Buffer.from([254, prev & 255, (prev >> 8) & 255, (prev >> 16) & 255, prev >>> 24]);
    const entry = Buffer.concat([pl, enc]);
    parts.push(entry);
    tail = off;
    off += entry.length;
    prev = entry.length;
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

/** An intset blob of the given width. */
function intset(width: 2 | 4 | 8, values: Array<number | bigint>): Buffer {
  const b = Buffer.alloc(8 + width * values.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    if (width === 2) b.writeInt16LE(Number(v), 8 + i * 2);
    else if (width === 4) b.writeInt32LE(Number(v), 8 + i * 4);
    else b.writeBigInt64LE(BigInt(v), 8 + i * 8);
  });
  return b;
}

// ---- DUMP bytes ----------------------------------------------------------------------------

describe.each([2, 3] as const)('DUMP (RESP%i)', (proto) => {
  it('strings: integer encodings at their boundaries, verbatim and compressed strings', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(11);
    const values = [
      '', 'a', '0', '1', '-1', '-0', '+1', '007', ' 1', '1 ', '1.5', '1e3', '0x10',
      '127', '128', '-128', '-129', '255', '256', '32767', '32768', '-32768', '-32769',
      '65535', '65536', '2147483647', '2147483648', '-2147483648', '-2147483649',
      '4294967295', '4294967296', '99999999999', '12345678901', '-1234567890', '-12345678901',
      '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
      '18446744073709551615', '123456789012345678901',
      'x'.repeat(19), 'x'.repeat(20), 'x'.repeat(21), 'xy'.repeat(11), 'abcdefghijklmnopqrstu', 'abcdefghijklmnopqrstuvwxyz',
      'aaaa' + 'b'.repeat(17), 'a'.repeat(25), 'a'.repeat(44), 'a'.repeat(45), 'a'.repeat(100), 'a'.repeat(264), 'a'.repeat(265),
      'a'.repeat(10000), 'hello world '.repeat(50), 'The quick brown fox jumps over the lazy dog. '.repeat(30),
      bytes(21, rand), bytes(64, rand), bytes(300, rand), bytes(5000, rand), bytes(3000, rand, 4, 97), bytes(20000, rand, 16, 65),
      Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''),
      Array.from({ length: 2000 }, (_, i) => String(i)).join(','),
      JSON.stringify({ user: { id: 42, name: 'Ada', tags: ['a', 'b', 'c'], nested: { deep: [1, 2, 3, 4, 5, 6, 7, 8, 9] } }, ok: true }),
    ];
    const setup: Cmd[] = values.map((v, i) => ['SET', `s${i}`, v]);
    await pipeline(r, k, setup);
    for (let i = 0; i < values.length; i++) await expectSame(r, k, [['DUMP', `s${i}`]]);
    // values changed in place (APPEND, SETRANGE, INCR, INCRBYFLOAT) and big binary content
    await both(r, k, [
      ['SET', 'app', 'ab'],
      ['APPEND', 'app', 'c'.repeat(40)],
      ['SETRANGE', 'rng', '30', 'zz'],
      ['SET', 'n', '10'],
      ['INCRBY', 'n', '100000'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['SET', 'big', 'q'.repeat(200000)],
    ]);
    await expectSame(r, k, [['DUMP', 'app'], ['DUMP', 'rng'], ['DUMP', 'n'], ['DUMP', 'f'], ['DUMP', 'big'], ['DUMP', 'nosuchkey']]);
    for (const key of ['s0', 's5', 's24', 's60', 'app', 'n']) await checkDump(r, k, key, true);
  });

  it('seeded random strings, lists, hashes and sorted sets: identical bytes', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 1000 + 7);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
    const word = () => {
      const kind = rand();
      if (kind < 0.25) return String(Math.floor((rand() - 0.5) * 2 ** Math.floor(rand() * 64)));
      if (kind < 0.5) return bytes(1 + Math.floor(rand() * 30), rand, 1 + Math.floor(rand() * 6), 97);
      if (kind < 0.75) return pick(['', 'foo', 'bar', 'baz']).repeat(1 + Math.floor(rand() * 40));
      return bytes(Math.floor(rand() * 300), rand, 1 + Math.floor(rand() * 255), 0);
    };
    const cmds: Cmd[] = [];
    for (let i = 0; i < 150; i++) {
      const n = 21 + Math.floor(rand() * 2 ** (5 + rand() * 7));
      cmds.push(['SET', `str${i}`, bytes(n, rand, 1 + Math.floor(rand() * 12), 97 + Math.floor(rand() * 10))]);
    }
    for (let i = 0; i < 20; i++) cmds.push(['RPUSH', `list${i}`, ...Array.from({ length: 1 + Math.floor(rand() * 1500) }, word)]);
    for (let i = 0; i < 20; i++) cmds.push(['HSET', `hash${i}`, ...Array.from({ length: 1 + Math.floor(rand() * 60) }, (_, j) => [`f${j}:${word().slice(0, 20)}`, word().slice(0, 64)]).flat()]);
    for (let i = 0; i < 20; i++) {
      const n = 1 + Math.floor(rand() * 200);
      const score = () => String(pick([() => Math.floor((rand() - 0.5) * 1e6), () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20), () => rand(), () => pick(['inf', '-inf', '0', '-0'])])());
      cmds.push(['ZADD', `zset${i}`, ...Array.from({ length: n }, (_, j) => [score(), `m${j}:${word().slice(0, 10)}`]).flat()]);
    }
    await pipeline(r, k, cmds);
    for (const c of cmds) await expectSame(r, k, [['DUMP', c[1] as string]]);
  });

  it('HyperLogLogs and bitmaps are strings', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [
      ['PFADD', 'sparse', 'a', 'b', 'c'],
      ['PFADD', 'dense', ...Array.from({ length: 3000 }, (_, i) => `e${i}`)],
      ['SETBIT', 'bits', '100000', '1'],
      ['SETBIT', 'bits', '7', '1'],
    ]);
    await expectSame(r, k, [['DUMP', 'sparse'], ['DUMP', 'dense'], ['DUMP', 'bits']]);
    for (const key of ['sparse', 'dense', 'bits']) await checkDump(r, k, key, true);
    await expectSame(r, k, [['PFCOUNT', 'copy-from-redis'], ['PFCOUNT', 'copy-from-redkit'], ['PFADD', 'copy-from-redis', 'new'], ['PFCOUNT', 'copy-from-redis']]);
  });

  it('binary key names and values', async () => {
    const { r, k } = await pair.clients(proto);
    const key = '\x00\xff\r\nkey';
    const val = Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 37) % 256)).join('');
    await both(r, k, [['SET', key, val], ['HSET', 'h\xfe', '\x00', '\xff\xfe'], ['RPUSH', '\x01', '\x00\x00', '\x80']]);
    await expectSame(r, k, [['DUMP', key], ['DUMP', 'h\xfe'], ['DUMP', '\x01']]);
    await checkDump(r, k, key, true);
    await checkDump(r, k, 'h\xfe', true);
  });

  it('strings with rdbcompression no', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [['CONFIG', 'SET', 'rdbcompression', 'no'], ['SET', 'a', 'a'.repeat(100)], ['SET', 'i', '123'], ['RPUSH', 'l', ...Array.from({ length: 50 }, () => 'zzzzzzzzzz')]]);
    await expectSame(r, k, [['DUMP', 'a'], ['DUMP', 'i'], ['DUMP', 'l']]);
    await checkDump(r, k, 'a', true);
  });

  it('lists: listpack entry encodings and node splits', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(5);
    const ints = ['0', '127', '128', '-1', '4095', '-4096', '4096', '-4097', '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '-0', '01'];
    await both(r, k, [
      ['RPUSH', 'ints', ...ints],
      ['RPUSH', 'strs', '', 'a', 'x'.repeat(63), 'x'.repeat(64), 'y'.repeat(127), 'y'.repeat(128), 'z'.repeat(4095), 'z'.repeat(4096), bytes(100, rand)],
      ['RPUSH', 'one', 'only'],
    ]);
    await expectSame(r, k, [['DUMP', 'ints'], ['DUMP', 'strs'], ['DUMP', 'one']]);
    // Many small elements: several 8KB nodes.
    const many = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? String(i * 7) : `item:${i}`));
    for (let i = 0; i < many.length; i += 500) await both(r, k, [['RPUSH', 'many', ...many.slice(i, i + 500)]]);
    // Elements of mixed sizes around the limits (sz < 64, < 254, < 16384 overheads).
    const sizes = [1, 10, 62, 63, 64, 65, 200, 253, 254, 255, 1000, 3000, 4094, 4095, 4096, 8000, 8180, 8192, 9000, 20000];
    const mixed: string[] = [];
    for (let i = 0; i < 120; i++) mixed.push(bytes(sizes[i % sizes.length], rand, 26, 97));
    await both(r, k, [['RPUSH', 'mixed', ...mixed]]);
    // Exactly at a node boundary: 2-byte entries.
    await both(r, k, [['RPUSH', 'tiny', ...Array.from({ length: 4000 }, (_, i) => String(i % 100))]]);
    await expectSame(r, k, [['DUMP', 'many'], ['DUMP', 'mixed'], ['DUMP', 'tiny']]);
    for (const key of ['ints', 'strs', 'many', 'mixed']) await checkDump(r, k, key, true);
  });

  it('lists under other list-max-listpack-size values and list-compress-depth', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(9);
    const items = Array.from({ length: 700 }, (_, i) => (i % 5 === 0 ? String(i) : bytes(5 + (i % 40), rand, 20, 97)));
    const big = Array.from({ length: 60 }, () => bytes(700, rand, 3, 97));
    for (const fill of ['-1', '-3', '-4', '-5', '-6', '1', '2', '5', '128', '1000', '0']) {
      await both(r, k, [['CONFIG', 'SET', 'list-max-listpack-size', fill], ['DEL', 'l', 'b'], ['RPUSH', 'l', ...items], ['RPUSH', 'b', ...big]]);
      await expectSame(r, k, [['DUMP', 'l'], ['DUMP', 'b']]);
    }
    await both(r, k, [['CONFIG', 'SET', 'list-max-listpack-size', '-2']]);
    for (const depth of ['1', '2', '3']) {
      await both(r, k, [['CONFIG', 'SET', 'list-compress-depth', depth], ['DEL', 'l', 'b'], ['RPUSH', 'l', ...items, ...items, ...items], ['RPUSH', 'b', ...big]]);
      await expectSame(r, k, [['DUMP', 'l'], ['DUMP', 'b']]);
    }
  });

  it('lists changed from the head or in the middle: same contents (node layout depends on history)', async () => {
    const { r, k } = await pair.clients(proto);
    const items = Array.from({ length: 3000 }, (_, i) => `item:${i}`);
    await both(r, k, [['RPUSH', 'a', ...items], ['LPOP', 'a', '100'], ['RPUSH', 'b', ...items], ['LSET', 'b', '1500', 'x'.repeat(500)], ['RPUSH', 'c', ...items], ['LTRIM', 'c', '700', '-1']]);
    for (const key of ['a', 'b', 'c']) await checkDump(r, k, key, false);
    // Popping from the tail keeps RPUSH's layout.
    await both(r, k, [['RPUSH', 'd', ...items], ['RPOP', 'd', '1000']]);
    await expectSame(r, k, [['DUMP', 'd']]);
  });

  it('lists built from the head: same contents (node layout depends on history)', async () => {
    const { r, k } = await pair.clients(proto);
    const items = Array.from({ length: 3000 }, (_, i) => `h${i}`);
    await both(r, k, [['LPUSH', 'l', ...items], ['LINSERT', 'l', 'BEFORE', 'h5', 'new'], ['LREM', 'l', '0', 'h7']]);
    const { redis } = await checkDump(r, k, 'l', false);
    // Redis's payload keeps its node layout through RESTORE, so it dumps back to the same bytes.
    await expectSame(r, k, [['RESTORE', 'again', '0', Buffer.from(redis, 'latin1')], ['DUMP', 'again'], ['RPUSH', 'again', 'more'], ['LRANGE', 'again', '-3', '-1']]);
    // A small list is one node whatever built it.
    await both(r, k, [['LPUSH', 's', 'c', 'b', 'a'], ['LINSERT', 's', 'AFTER', 'b', 'x']]);
    await expectSame(r, k, [['DUMP', 's']]);
  });

  it('hashes: listpack bytes, and hashtables by contents', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [
      ['HSET', 'h', 'f1', 'v1', 'n', '42', 'neg', '-5000', 'big', '9223372036854775807', 'empty', '', 'long', 'x'.repeat(64)],
      ['HSET', 'h', 'f1', 'updated'],
      ['HDEL', 'h', 'neg'],
      ['HSET', 'h', '12', '3.5'],
      ['HINCRBY', 'h', 'n', '1'],
      ['HSET', 'compressible', ...Array.from({ length: 40 }, (_, i) => [`field${i}`, 'same-value-same-value']).flat()],
      ['HSET', 'toolong', 'f', 'x'.repeat(65)],
    ]);
    await expectSame(r, k, [['DUMP', 'h'], ['DUMP', 'compressible'], ['OBJECT', 'ENCODING', 'toolong']]);
    await checkDump(r, k, 'h', true);
    await checkDump(r, k, 'compressible', true);
    await checkDump(r, k, 'toolong', false);
    // Past hash-max-listpack-entries: a hashtable.
    const fields = Array.from({ length: 600 }, (_, i) => [`k${i}`, i % 2 ? String(i) : `v${i}`]).flat();
    await both(r, k, [['HSET', 'many', ...fields]]);
    await checkDump(r, k, 'many', false);
    // Restored under smaller limits: converted on load (entries), or not (value length of a listpack payload).
    await both(r, k, [['CONFIG', 'SET', 'hash-max-listpack-entries', '3']]);
    await checkDump(r, k, 'h', false);
    await both(r, k, [['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-value', '2']]);
    await checkDump(r, k, 'h', false);
  });

  it('sets: intsets of each width, hashtables by contents', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [
      ['SADD', 'i16', '1', '-1', '32767', '-32768', '0'],
      ['SADD', 'i32', '1', '32768', '-2147483648', '2147483647'],
      ['SADD', 'i64', '1', '2147483648', '-9223372036854775808', '9223372036854775807'],
      ['SADD', 'strs', 'a', 'b', '1'],
      ['SADD', 'big', ...Array.from({ length: 600 }, (_, i) => String(i * 3))],
      ['SADD', 'one', '5'],
    ]);
    await expectSame(r, k, [['DUMP', 'i16'], ['DUMP', 'i32'], ['DUMP', 'i64'], ['DUMP', 'one']]);
    for (const key of ['i16', 'i32', 'i64']) await checkDump(r, k, key, true);
    await checkDump(r, k, 'strs', false);
    await checkDump(r, k, 'big', false);
    // An intset keeps its width after its widest member goes: RedKit does not track that (contents only).
    await both(r, k, [['SADD', 'shrunk', '1', '2', '5000000000'], ['SREM', 'shrunk', '5000000000']]);
    const { redis } = await checkDump(r, k, 'shrunk', false);
    // ... but a payload restored from Redis keeps its width.
    await expectSame(r, k, [['RESTORE', 'w', '0', Buffer.from(redis, 'latin1')], ['DUMP', 'w'], ['SADD', 'w', '7'], ['DUMP', 'w'], ['SADD', 'w', '70000000000'], ['DUMP', 'w']]);
    // An intset payload restored past set-max-intset-entries becomes a hashtable.
    await both(r, k, [['CONFIG', 'SET', 'set-max-intset-entries', '2']]);
    await checkDump(r, k, 'i16', false);
  });

  it('sorted sets: listpack scores (integers, fractions, infinities) and skip lists', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [
      ['ZADD', 'z', '0', 'zero', '-0', 'negzero', '1', 'one', '-1', 'minus', '1.5', 'half', '0.1', 'tenth', '3.14159', 'pi', 'inf', 'pinf', '-inf', 'ninf'],
      ['ZADD', 'z', '1e17', 'e17', '4611686018427387904', 'p62', '4611686018427387905', 'p62b', '-4611686018427387904', 'n62', '9.2e18', 'big', '1e300', 'huge', '5e-324', 'tiny', '123456789', 'nine'],
      ['ZADD', 'z', '4503599627370496', 'p52', '-4503599627370495', 'n52', '2.5e-7', 'small', '100000000000000000000', 'e20'],
      ['ZADD', 'm', '1', 'x'.repeat(100)],
      ['ZADD', 'sk', ...Array.from({ length: 200 }, (_, i) => [String(i % 7 === 0 ? i / 3 : i), `m${i}`]).flat(), '-0', 'mz', 'inf', 'top', '-inf', 'bottom'],
    ]);
    await expectSame(r, k, [['OBJECT', 'ENCODING', 'z'], ['OBJECT', 'ENCODING', 'm'], ['OBJECT', 'ENCODING', 'sk'], ['DUMP', 'z'], ['DUMP', 'm'], ['DUMP', 'sk']]);
    for (const key of ['z', 'm', 'sk']) await checkDump(r, k, key, true);
    // A skip-list payload small enough after all is converted to a listpack on load.
    await both(r, k, [['ZADD', 'shrink', '1', 'x'.repeat(100), '2', 'b'], ['ZREM', 'shrink', 'x'.repeat(100)]]);
    await expectSame(r, k, [['OBJECT', 'ENCODING', 'shrink'], ['DUMP', 'shrink']]);
    await checkDump(r, k, 'shrink', true);
    await both(r, k, [['CONFIG', 'SET', 'zset-max-listpack-entries', '5']]);
    await checkDump(r, k, 'z', false);
  });
});

// ---- payloads made by hand: older encodings ------------------------------------------------

describe('RESTORE of older encodings Redis 7.0 loads', () => {
  // [name, body, type, DUMP of the restored value is deterministic]
  const cases: Array<[string, Buffer, string, boolean?]> = [
    ['RDB_TYPE_LIST', Buffer.concat([Buffer.from([1, 4]), rdbStr('a'), Buffer.from([0xc0, 0x85]), Buffer.from([0xc2, 0x00, 0x00, 0x00, 0x80]), rdbStr('x'.repeat(300))]), 'list'],
    ['RDB_TYPE_SET (ints)', Buffer.concat([Buffer.from([2, 3]), rdbStr('3'), rdbStr('1'), rdbStr('-2')]), 'set'],
    ['RDB_TYPE_SET (strings)', Buffer.concat([Buffer.from([2, 3]), rdbStr('3'), rdbStr('b'), rdbStr('a')]), 'set', false],
    ['RDB_TYPE_ZSET (text scores)', Buffer.concat([Buffer.from([3, 4]), rdbStr('a'), Buffer.from([3]), bin('1.5'), rdbStr('b'), Buffer.from([254]), rdbStr('c'), Buffer.from([255]), rdbStr('d'), Buffer.from([5]), bin('1e-03')]), 'zset'],
    ['RDB_TYPE_HASH', Buffer.concat([Buffer.from([4, 2]), rdbStr('f'), rdbStr('v'), rdbStr('n'), Buffer.from([0xc0, 7])]), 'hash'],
    ['RDB_TYPE_HASH (long value)', Buffer.concat([Buffer.from([4, 2]), rdbStr('f'), rdbStr('v'), rdbStr('n'), rdbStr('y'.repeat(65))]), 'hash', false],
    ['RDB_TYPE_ZSET_2', Buffer.concat([Buffer.from([5, 2]), rdbStr('b'), Buffer.from(new Float64Array([2.5]).buffer), rdbStr('a'), Buffer.from(new Float64Array([-1]).buffer)]), 'zset'],
    ['RDB_TYPE_HASH_ZIPMAP', Buffer.concat([Buffer.from([9]), rdbStr(Buffer.from([2, 1, 0x66, 1, 2, 0x76, 0, 0, 2, 0x67, 0x67, 3, 0, 0x31, 0x32, 0x33, 0xff]))]), 'hash'],
    ['RDB_TYPE_LIST_ZIPLIST', Buffer.concat([Buffer.from([10]), rdbStr(ziplist(['a', { int: 5, enc: 'imm' }, { int: -100, enc: 'i8' }, { int: 30000, enc: 'i16' }, { int: -7000000, enc: 'i24' }, { int: 2000000000, enc: 'i32' }, { int: 9007199254740993n }, 'x'.repeat(300), 'y'.repeat(20000)]))]), 'list'],
    ['RDB_TYPE_SET_INTSET int16', Buffer.concat([Buffer.from([11]), rdbStr(intset(2, [-5, 1, 7]))]), 'set'],
    ['RDB_TYPE_SET_INTSET int32 (narrow values)', Buffer.concat([Buffer.from([11]), rdbStr(intset(4, [1, 2]))]), 'set'],
    ['RDB_TYPE_SET_INTSET int64', Buffer.concat([Buffer.from([11]), rdbStr(intset(8, [-9223372036854775808n, 0, 9223372036854775807n]))]), 'set'],
    ['RDB_TYPE_ZSET_ZIPLIST', Buffer.concat([Buffer.from([12]), rdbStr(ziplist(['a', { int: 1, enc: 'imm' }, 'b', '2.5', 'c', { int: 300, enc: 'i16' }]))]), 'zset'],
    ['RDB_TYPE_HASH_ZIPLIST', Buffer.concat([Buffer.from([13]), rdbStr(ziplist(['f', 'v', 'n', { int: 12, enc: 'imm' }, { int: 7, enc: 'imm' }, 'seven']))]), 'hash'],
    ['RDB_TYPE_LIST_QUICKLIST', Buffer.concat([Buffer.from([14, 2]), rdbStr(ziplist(['a', 'b'])), rdbStr(ziplist([{ int: 3, enc: 'imm' }]))]), 'list'],
    ['RDB_TYPE_LIST_QUICKLIST_2 (small nodes, an empty one)', Buffer.concat([Buffer.from([18, 3, 2]), rdbStr(encodeListpack(['a'])), Buffer.from([2]), rdbStr(encodeListpack([])), Buffer.from([2]), rdbStr(encodeListpack(['1', '2']))]), 'list'],
    ['RDB_TYPE_LIST_QUICKLIST_2 (a plain node)', Buffer.concat([Buffer.from([18, 2, 1]), rdbStr('plain element'), Buffer.from([2]), rdbStr(encodeListpack(['a']))]), 'list'],
    ['a string with 32-bit and 64-bit lengths', Buffer.from([0, 0x80, 0, 0, 0, 3, 0x61, 0x62, 0x63]), 'string'],
    ['a string with a 64-bit length', Buffer.from([0, 0x81, 0, 0, 0, 0, 0, 0, 0, 2, 0x61, 0x62]), 'string'],
    ['a string with an int8 encoding', Buffer.from([0, 0xc0, 0xff]), 'string'],
    ['a string with an int16 encoding', Buffer.from([0, 0xc1, 0x00, 0x80]), 'string'],
    ['a string with an int32 encoding', Buffer.from([0, 0xc2, 0xff, 0xff, 0xff, 0x7f]), 'string'],
    ['a string LZF-compressed although it did not need to be', Buffer.from([0, 0xc3, 4, 3, 2, 0x61, 0x62, 0x63]), 'string'],
    ['bytes left over after the value', Buffer.from([0, 1, 0x61, 0x7a, 0x7a]), 'string'],
  ];

  for (const [name, body, type, exact] of cases) {
    it(name, async () => {
      const { r, k } = await pair.clients(2);
      await expectSame(r, k, [['RESTORE', 'key', '0', payload(body)], ['TYPE', 'key'], ['OBJECT', 'ENCODING', 'key'], ...readers('key', type)]);
      if (exact !== false) await expectSame(r, k, [['DUMP', 'key']]);
      await checkDump(r, k, 'key', exact !== false);
    });
  }

  it('under small limits: conversions on load', async () => {
    const { r, k } = await pair.clients(2);
    await both(r, k, [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '1'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '1'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '1'],
    ]);
    for (const [, body, type] of cases) {
      await expectSame(r, k, [['RESTORE', 'key', '0', payload(body), 'REPLACE'], ['OBJECT', 'ENCODING', 'key'], ...readers('key', type)]);
    }
  });

  it('with sanitize-dump-payload yes: duplicate fields and odd listpacks are refused', async () => {
    const { r, k } = await pair.clients(2);
    await both(r, k, [['CONFIG', 'SET', 'sanitize-dump-payload', 'yes']]);
    const dupHash = Buffer.concat([Buffer.from([16]), rdbStr(encodeListpack(['f', 'x', 'f', 'y']))]);
    const dupZset = Buffer.concat([Buffer.from([17]), rdbStr(encodeListpack(['a', '1', 'a', '2']))]);
    const oddZset = Buffer.concat([Buffer.from([17]), rdbStr(encodeListpack(['a', '1', 'b']))]);
    const oddHash = Buffer.concat([Buffer.from([16]), rdbStr(encodeListpack(['a']))]);
    await expectSame(r, k, [
      ['RESTORE', 'h', '0', payload(dupHash)],
      ['RESTORE', 'z', '0', payload(dupZset)],
      ['RESTORE', 'oz', '0', payload(oddZset)],
      ['RESTORE', 'oh', '0', payload(oddHash)],
      ['EXISTS', 'h', 'z', 'oz', 'oh'],
    ]);
    await expectSame(r, k, [['RESTORE', 'oh', '0', payload(oddHash)]]); // an empty hash: refused by both
    // Under the default (no), Redis stores these corrupt values as they are; RedKit
    // checks every payload in full and refuses them.
    await both(r, k, [['CONFIG', 'SET', 'sanitize-dump-payload', 'no']]);
    for (const body of [dupHash, dupZset, oddZset]) {
      expect(await r.call('RESTORE', 'x', '0', payload(body), 'REPLACE')).toBe('+OK\r\n');
      expect(await k.call('RESTORE', 'x', '0', payload(body), 'REPLACE')).toBe('-ERR Bad data format\r\n');
    }
    await both(r, k, [['CONFIG', 'SET', 'sanitize-dump-payload', 'no']]);
  });

  it('refuses corrupt and empty values with Bad data format', async () => {
    const { r, k } = await pair.clients(2);
    const bodies = [
      Buffer.from([8, 0]), // not an object type
      Buffer.from([20, 0]), // a 7.2 type
      Buffer.from([1, 0]), // empty list
      Buffer.from([2, 0]), // empty set
      Buffer.from([4, 0]), // empty hash
      Buffer.from([5, 0]), // empty zset
      Buffer.from([0, 0xc4]), // unknown string encoding
      Buffer.from([0, 0xc3, 2, 10, 0x01, 0x61]), // LZF that does not produce 10 bytes
      Buffer.concat([Buffer.from([2, 2]), rdbStr('a'), rdbStr('a')]), // duplicate set members
      Buffer.concat([Buffer.from([2, 2]), rdbStr('1'), rdbStr('1')]), // duplicate intset members
      Buffer.concat([Buffer.from([5, 2]), rdbStr('a'), Buffer.alloc(8), rdbStr('a'), Buffer.alloc(8)]), // duplicate zset members
      Buffer.concat([Buffer.from([5, 1]), rdbStr('a'), Buffer.from(new Float64Array([NaN]).buffer)]), // NaN score
      Buffer.concat([Buffer.from([4, 65]), ...Array.from({ length: 65 }, () => [rdbStr('f'), rdbStr('x'.repeat(70))]).flat()]), // duplicate hash fields (hashtable)
      Buffer.concat([Buffer.from([11]), rdbStr(intset(2, []))]), // empty intset
      Buffer.concat([Buffer.from([11]), rdbStr(Buffer.from([3, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3]))]), // bad intset width
      Buffer.concat([Buffer.from([10]), rdbStr(ziplist([]))]), // empty ziplist list
      Buffer.concat([Buffer.from([13]), rdbStr(ziplist(['f', 'v', 'f', 'w']))]), // duplicate ziplist hash fields
      Buffer.concat([Buffer.from([13]), rdbStr(ziplist(['f']))]), // odd ziplist hash
      Buffer.concat([Buffer.from([16]), rdbStr(Buffer.from([7, 0, 0, 0, 0, 0, 0xff]))]), // empty listpack hash
      Buffer.concat([Buffer.from([18, 1, 3]), rdbStr(Buffer.from([7, 0, 0, 0, 0, 0, 0xff]))]), // bad quicklist container
      Buffer.concat([Buffer.from([18, 1, 2]), rdbStr(Buffer.from([7, 0, 0, 0, 0, 0, 0xff]))]), // only empty nodes
      Buffer.concat([Buffer.from([18, 1, 2]), Buffer.from([0])]), // zero-length node
      Buffer.concat([Buffer.from([17]), rdbStr(Buffer.from([9, 0, 0, 0, 1, 0, 0x81, 0x61, 0xff]))]), // listpack with a bad backlen / header
      Buffer.concat([Buffer.from([17]), rdbStr(encodeListpack([]))]), // empty listpack zset
      Buffer.from([0, 0x40]), // truncated length
      Buffer.from([1, 200]), // a count longer than the payload
      Buffer.from([]), // nothing at all
    ];
    for (const b of bodies) await expectSame(r, k, [['RESTORE', 'key', '0', payload(b)], ['EXISTS', 'key']]);
  });
});

// ---- RESTORE options and errors -----------------------------------------------------------

describe.each([2, 3] as const)('RESTORE options and errors (RESP%i)', (proto) => {
  it('errors in Redis order, and option parsing', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [['SET', 'src', 'value'], ['SET', 'busy', 'x']]);
    const p = Buffer.from(bulk(await r.call('DUMP', 'src')) as string, 'latin1');
    const badCrc = Buffer.from(p);
    badCrc[badCrc.length - 1] ^= 0xff;
    const v11 = Buffer.from(p);
    v11[v11.length - 10] = 11;
    await expectSame(r, k, [
      ['RESTORE', 'k', '0', p, 'REPLACE', 'ABSTTL', 'IDLETIME', '10'],
      ['RESTORE', 'busy', '0', p],
      ['RESTORE', 'busy', 'abc', p],
      ['RESTORE', 'new', 'abc', p],
      ['RESTORE', 'new', '-1', p],
      ['RESTORE', 'new', '1.5', p],
      ['RESTORE', 'new', '99999999999999999999', p],
      ['RESTORE', 'new', '0', 'short'],
      ['RESTORE', 'new', '0', ''],
      ['RESTORE', 'new', '0', badCrc],
      ['RESTORE', 'new', '0', v11],
      ['RESTORE', 'new', '0', p, 'BOGUS'],
      ['RESTORE', 'new', '0', p, 'IDLETIME'],
      ['RESTORE', 'new', '0', p, 'FREQ'],
      ['RESTORE', 'new', '0', p, 'IDLETIME', 'x'],
      ['RESTORE', 'new', '0', p, 'IDLETIME', '-1'],
      ['RESTORE', 'new', '0', p, 'FREQ', 'x'],
      ['RESTORE', 'new', '0', p, 'FREQ', '-1'],
      ['RESTORE', 'new', '0', p, 'FREQ', '256'],
      ['RESTORE', 'new', '0', p, 'IDLETIME', '5', 'FREQ', '5'],
      ['RESTORE', 'new', '0', p, 'FREQ', '5', 'IDLETIME', '5'],
      ['RESTORE', 'new', '0', p, 'FREQ', '5', 'IDLETIME'],
      ['RESTORE', 'busy', '0', p, 'BOGUS'], // options come before BUSYKEY
      ['RESTORE', 'busy', '-5', p], // BUSYKEY before the TTL
      ['RESTORE', 'new', '-5', 'garbage'], // TTL before the payload
      ['EXISTS', 'new'],
      ['RESTORE', 'new'],
      ['RESTORE', 'new', '0'],
      ['DUMP'],
      ['DUMP', 'a', 'b'],
      ['restore', 'new', '0', p, 'replace', 'absttl', 'idletime', '0'],
      ['GET', 'new'],
      ['RESTORE-ASKING', 'asked', '0', p],
      ['RESTORE-ASKING', 'asked', '0', p],
      ['RESTORE-ASKING', 'asked', '0', 'bad', 'REPLACE'],
      ['GET', 'asked'],
      ['COMMAND', 'INFO', 'RESTORE', 'DUMP', 'RESTORE-ASKING'],
    ]);
  });

  it('REPLACE, TTL, ABSTTL, already expired TTLs', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [['SET', 'src', 'value'], ['RPUSH', 'lst', 'a', 'b']]);
    const p = Buffer.from(bulk(await r.call('DUMP', 'src')) as string, 'latin1');
    const pl = Buffer.from(bulk(await r.call('DUMP', 'lst')) as string, 'latin1');
    await expectSame(r, k, [
      ['RESTORE', 'a', '0', p],
      ['TTL', 'a'],
      ['RESTORE', 'a', '0', pl, 'REPLACE'],
      ['TYPE', 'a'],
      ['LRANGE', 'a', '0', '-1'],
      ['RESTORE', 'b', '100000000', p],
      ['TTL', 'b'],
      ['RESTORE', 'c', '32503680000000', p, 'ABSTTL'],
      ['PEXPIRETIME', 'c'],
      ['RESTORE', 'c', '0', p, 'REPLACE', 'ABSTTL'],
      ['PEXPIRETIME', 'c'],
      // A deadline in the past: OK, and no key (an existing one is deleted with REPLACE).
      ['RESTORE', 'd', '1000', p, 'ABSTTL'],
      ['EXISTS', 'd'],
      ['SET', 'e', 'old'],
      ['RESTORE', 'e', '1', p, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'e'],
      // A TTL that overflows when added to the current time wraps and is already expired.
      ['RESTORE', 'f', '9223372036854775807', p],
      ['EXISTS', 'f'],
      ['RESTORE', 'g', '9223372036854775807', p, 'ABSTTL'],
      ['PEXPIRETIME', 'g'],
      ['RESTORE', 'h', '0', p, 'ABSTTL'],
      ['TTL', 'h'],
    ]);
  });

  it('IDLETIME under LRU, FREQ under LFU', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [['SET', 'src', 'value']]);
    const p = Buffer.from(bulk(await r.call('DUMP', 'src')) as string, 'latin1');
    // The LRU clock ticks every second on both servers: allow one tick between the two commands.
    const about = (n: number) => (bytes: string) => {
      const v = Number((decode(bytes) as { int: string }).int);
      return v >= n && v <= n + 1 ? `~${n}` : v;
    };
    const aboutFreq = (n: number) => (bytes: string) => {
      const v = Number((decode(bytes) as { int: string }).int);
      return v <= n && v >= n - 1 ? `~${n}` : v;
    };
    await expectSame(r, k, [
      ['RESTORE', 'a', '0', p, 'IDLETIME', '1000'],
      { cmd: ['OBJECT', 'IDLETIME', 'a'], normalize: about(1000) },
      ['RESTORE', 'b', '0', p, 'IDLETIME', '0'],
      { cmd: ['OBJECT', 'IDLETIME', 'b'], normalize: about(0) },
      ['RESTORE', 'c', '0', p, 'FREQ', '100'], // ignored under an LRU policy
      { cmd: ['OBJECT', 'IDLETIME', 'c'], normalize: about(0) },
      ['GET', 'a'],
      { cmd: ['OBJECT', 'IDLETIME', 'a'], normalize: about(0) },
      // More idle time than the 24-bit LRU clock has run: half-way round the clock.
      ['RESTORE', 'u', '0', p, 'IDLETIME', '100000000'],
      { cmd: ['OBJECT', 'IDLETIME', 'u'], normalize: about(8388608) },
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['RESTORE', 'd', '0', p, 'FREQ', '100'],
      { cmd: ['OBJECT', 'FREQ', 'd'], normalize: aboutFreq(100) },
      ['RESTORE', 'e', '0', p, 'FREQ', '0'],
      { cmd: ['OBJECT', 'FREQ', 'e'], normalize: aboutFreq(0) },
      ['RESTORE', 'f', '0', p, 'FREQ', '255'],
      { cmd: ['OBJECT', 'FREQ', 'f'], normalize: aboutFreq(255) },
      ['RESTORE', 'g', '0', p, 'IDLETIME', '1000'], // ignored under an LFU policy: a new key's counter
      { cmd: ['OBJECT', 'FREQ', 'g'], normalize: aboutFreq(5) },
      ['OBJECT', 'IDLETIME', 'g'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ]);
  });

  it("keyspace events: 'restore', and 'del' when a replaced key is restored already expired", async () => {
    const { r, k } = await pair.clients(proto);
    const { r: sr, k: sk } = await pair.clients(proto);
    await both(r, k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEg$n'], ['SET', 'src', 'v']]);
    const p = Buffer.from(bulk(await r.call('DUMP', 'src')) as string, 'latin1');
    await expectSame(sr, sk, [['PSUBSCRIBE', '__key*__:*']]);
    await both(r, k, [
      ['RESTORE', 'a', '0', p],
      ['RESTORE', 'a', '0', p, 'REPLACE'],
      ['RESTORE', 'a', '1', p, 'REPLACE', 'ABSTTL'],
      ['RESTORE', 'b', '1', p, 'ABSTTL'],
      ['RESTORE', 'c', '100000', p],
      ['SET', 'end', 'x'],
    ]);
    // Every event up to the keyevent of the final SET.
    const drain = async (c: RawClient) => {
      const out: string[] = [];
      for (;;) {
        const m = await c.read();
        out.push(m);
        if (m.includes('__keyevent@0__:set')) return out;
      }
    };
    const [er, ek] = await Promise.all([drain(sr), drain(sk)]);
    expect(ek).toEqual(er);
    expect(er.join('')).toContain('restore');
  });

  it('DUMP of a missing key, the empty key name', async () => {
    const { r, k } = await pair.clients(proto);
    await both(r, k, [['SET', 'src', 'v']]);
    const p = Buffer.from(bulk(await r.call('DUMP', 'src')) as string, 'latin1');
    await expectSame(r, k, [['DUMP', 'missing'], ['DUMP', ''], ['RESTORE', '', '0', p], ['DUMP', ''], ['GET', '']]);
  });
});

// ---- RedKit-only behaviour ------------------------------------------------------------------

describe('RedKit only', () => {
  it('a stream payload from Redis restores (more in test/differential/streams.test.ts)', async () => {
    const { r, k } = await pair.clients(2);
    await r.call('XADD', 'st', '1-1', 'f', 'v');
    const p = Buffer.from(bulk(await r.call('DUMP', 'st')) as string, 'latin1');
    expect(p[0]).toBe(19); // RDB_TYPE_STREAM_LISTPACKS_2
    expect(await k.call('RESTORE', 'st', '0', p)).toBe('+OK\r\n');
    expect(await k.call('XRANGE', 'st', '-', '+')).toBe(await r.call('XRANGE', 'st', '-', '+'));
  });

  it('a payload from a newer Redis (RDB version 11) is refused as Redis 7.0 refuses it', async () => {
    const { r, k } = await pair.clients(2);
    const p = payload(Buffer.concat([Buffer.from([0]), rdbStr('x')]), 11);
    await expectSame(r, k, [['RESTORE', 'a', '0', p]]);
  });

  it('a hash with field TTLs (Redis 7.4) dumps without them: the 7.0 format has no place for them', async () => {
    const { k } = await pair.clients(2);
    await k.call('HSET', 'h', 'a', '1', 'b', '2');
    await k.call('HEXPIRE', 'h', '1000', 'FIELDS', '1', 'a');
    const p = Buffer.from(bulk(await k.call('DUMP', 'h')) as string, 'latin1');
    expect(await k.call('RESTORE', 'h2', '0', p)).toBe('+OK\r\n');
    expect(decode(await k.call('HGETALL', 'h2'))).toEqual(['a', '1', 'b', '2']);
    expect(await k.call('HTTL', 'h2', 'FIELDS', '1', 'a')).toBe('*1\r\n:-1\r\n');
  });
});
