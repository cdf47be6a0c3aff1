/**
 * Unit tests for the DUMP/RESTORE serialization: CRC64, LZF, listpack,
 * intset/ziplist/zipmap decoding and whole-value round trips.
 *
 * Expected bytes come from Redis's own test vectors (crc64.c) or were taken
 * from DUMP replies of redis-server 7.0.15; the differential tests compare
 * with a live redis-server.
 */
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../src/store/crc64.js';
import { parseIntStrict } from '../../src/resp/format.js';
import { ListpackWriter, decodeListpack, encodeListpack, listpackEntrySize } from '../../src/store/listpack.js';
import { lzfCompress, lzfDecompress } from '../../src/store/lzf.js';
import { RDB_TYPE, cloneViaDump, createDumpPayload, encodeIntset, loadDumpPayload, quicklistNodes, verifyDumpPayload } from '../../src/store/rdb.js';
import { RHash } from '../../src/store/types/hash.js';
import { RList } from '../../src/store/types/list.js';
import { RSet } from '../../src/store/types/set.js';
import { ZSet } from '../../src/store/types/zset.js';
import type { Value } from '../../src/store/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bin = (s: string) => Buffer.from(s, 'latin1');

/** A deterministic byte generator (xorshift32). */
function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Wrap a type byte and value bytes into a payload with a valid footer. */
function payload(body: Buffer, version = 10): Buffer {
  const b = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  new Crc64().update(b).writeLE(crc, 0);
  return Buffer.concat([b, crc]);
}

/** An RDB string element: 6/14/32-bit length then the bytes. */
function rdbStr(s: string): Buffer {
  const n = s.length;
  const len = n < 64 ? Buffer.from([n]) : n < 16384 ? Buffer.from([0x40 | (n >> 8), n & 0xff]) : Buffer.from([0x80, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return Buffer.concat([len, bin(s)]);
}

describe('crc64', () => {
  it("matches Redis's test vectors", () => {
    expect(crc64(bin('123456789')).toString(16)).toBe('e9c6d914c4b8d9ca');
    // crc64.c's second vector: the Lorem ipsum text with its NUL terminator (sizeof(li))
    const li =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed ' +
      'do eiusmod tempor incididunt ut labore et dolore magna ' +
      'aliqua. Ut enim ad minim veniam, quis nostrud exercitation ' +
      'ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis ' +
      'aute irure dolor in reprehenderit in voluptate velit esse ' +
      'cillum dolore eu fugiat nulla pariatur. Excepteur sint ' +
      'occaecat cupidatat non proident, sunt in culpa qui officia ' +
      'deserunt mollit anim id est laborum.\0';
    expect(crc64(bin(li)).toString(16)).toBe('c7794709e69683b3');
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('is incremental and writes little-endian', () => {
    const data = bin('123456789');
    const c = new Crc64().update(data, 0, 4).update(data, 4);
    expect(c.digest()).toBe(0xe9c6d914c4b8d9can);
    const out = Buffer.alloc(8);
    c.writeLE(out, 0);
    expect(hex(out)).toBe('cad9b8c414d9c6e9');
    expect(c.matchesLE(out, 0)).toBe(true);
    out[7] ^= 1;
    expect(c.matchesLE(out, 0)).toBe(false);
  });
});

describe('lzf', () => {
  it('compresses runs and repeats to the bytes Redis writes', () => {
    // DUMP of SET k <'a' x 100> on redis-server 7.0.15: 00 c3 09 40 64 <016161e05700016161> 0a00 <crc>
    expect(hex(lzfCompress(bin('a'.repeat(100)), 96) as Buffer)).toBe('016161e05700016161');
    const c = lzfCompress(bin('a'.repeat(100)), 96) as Buffer;
    expect(lzfDecompress(c, 100)?.latin1Slice()).toBe('a'.repeat(100));
  });

  it('gives up when the output would not fit', () => {
    const r = rng(7);
    const noise = Buffer.from(Array.from({ length: 200 }, () => Math.floor(r() * 256)));
    expect(lzfCompress(noise, noise.length - 4)).toBeNull();
    expect(lzfCompress(bin('abcdefghijklmnopqrstuvwxyz'), 22)).toBeNull();
  });

  it('round-trips random and repetitive inputs', () => {
    const r = rng(42);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(r() * 3000);
      const alphabet = 1 + Math.floor(r() * 8);
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = r() < 0.1 ? Math.floor(r() * 256) : 97 + Math.floor(r() * alphabet);
      const c = lzfCompress(buf, n + 64);
      expect(c).not.toBeNull();
      expect(lzfDecompress(c as Buffer, n)?.equals(buf)).toBe(true);
    }
  });

  it('rejects corrupt input', () => {
    const c = lzfCompress(bin('hello hello hello hello hello'), 40) as Buffer;
    expect(lzfDecompress(c, 28)).toBeNull(); // wrong length
    expect(lzfDecompress(c, 30)).toBeNull();
    expect(lzfDecompress(Buffer.from([0xe0, 0x05, 0x00]), 10)).toBeNull(); // reference before start
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toBeNull(); // truncated literal
  });
});

describe('listpack', () => {
  it('listpack integers (lpStringToInt64 = parseIntStrict) follow string2ll', () => {
    expect(parseIntStrict('0')).toBe(0);
    expect(parseIntStrict('-0')).toBeNull();
    expect(parseIntStrict('01')).toBeNull();
    expect(parseIntStrict('+1')).toBeNull();
    expect(parseIntStrict(' 1')).toBeNull();
    expect(parseIntStrict('')).toBeNull();
    expect(parseIntStrict('-')).toBeNull();
    expect(parseIntStrict('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseIntStrict('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseIntStrict('9223372036854775808')).toBeNull();
    expect(parseIntStrict('-9223372036854775809')).toBeNull();
  });

  it('encodes each integer width at its boundaries', () => {
    const one = (s: string) => hex(encodeListpack([s])).slice(12, -2); // entry bytes only
    expect(one('0')).toBe('0001');
    expect(one('127')).toBe('7f01');
    expect(one('128')).toBe('c08002');
    expect(one('-1')).toBe('dfff02');
    expect(one('4095')).toBe('cfff02');
    expect(one('-4096')).toBe('d00002');
    expect(one('4096')).toBe('f1001003');
    expect(one('-4097')).toBe('f1ffef03');
    expect(one('32767')).toBe('f1ff7f03');
    expect(one('-32768')).toBe('f1008003');
    expect(one('32768')).toBe('f200800004');
    expect(one('8388607')).toBe('f2ffff7f04');
    expect(one('-8388608')).toBe('f200008004');
    expect(one('8388608')).toBe('f30000800005');
    expect(one('2147483647')).toBe('f3ffffff7f05');
    expect(one('-2147483648')).toBe('f30000008005');
    expect(one('2147483648')).toBe('f4000000800000000009');
    expect(one('9223372036854775807')).toBe('f4ffffffffffffff7f09');
    expect(one('-9223372036854775808')).toBe('f4000000000000008009');
  });

  it('encodes strings with 6/12/32-bit lengths and multi-byte backlens', () => {
    const lp = (s: string) => encodeListpack([s]);
    expect(hex(lp(''))).toBe('09000000010080' + '01ff');
    expect(hex(lp('a'))).toBe('0a00000001008161' + '02ff');
    const s63 = lp('x'.repeat(63));
    expect(s63[6]).toBe(0x80 | 63);
    expect(s63[6 + 64]).toBe(64); // backlen
    const s64 = lp('x'.repeat(64));
    expect([s64[6], s64[7]]).toEqual([0xe0, 64]);
    // entry of 66 bytes: backlen 66 in one byte
    expect(s64[6 + 66]).toBe(66);
    const s200 = lp('y'.repeat(200));
    // 202 bytes: backlen 2 bytes: 202>>7 = 1, (202&127)|128 = 0xca
    expect([s200[6 + 202], s200[6 + 203]]).toEqual([1, 0xca]);
    const s4095 = lp('z'.repeat(4095));
    expect([s4095[6], s4095[7]]).toEqual([0xef, 0xff]);
    const s4096 = lp('z'.repeat(4096));
    expect(hex(s4096.subarray(6, 11))).toBe('f000100000');
    const s20000 = lp('w'.repeat(20000));
    // 20005 bytes: backlen 3 bytes
    expect(hex(s20000.subarray(6 + 20005, 6 + 20008))).toBe(Buffer.from([20005 >> 14, ((20005 >> 7) & 127) | 128, (20005 & 127) | 128]).toString('hex'));
    for (const s of ['', 'a', 'x'.repeat(63), 'x'.repeat(64), 'y'.repeat(200), 'z'.repeat(4095), 'z'.repeat(4096), 'w'.repeat(20000)]) {
      const b = lp(s);
      expect(b.readUInt32LE(0)).toBe(b.length);
      expect(decodeListpack(b)).toEqual([s]);
      expect(b.length).toBe(7 + listpackEntrySize(s));
    }
  });

  it('round-trips mixed entries and reports integers as numbers or bigints', () => {
    const items = ['1', 'a', '-5000', '123456789012', '9223372036854775807', '', 'hello world', '007', '-0', '3.14'];
    const b = encodeListpack(items);
    expect(b.readUInt16LE(4)).toBe(items.length);
    expect(decodeListpack(b)).toEqual([1, 'a', -5000, 123456789012, 9223372036854775807n, '', 'hello world', '007', '-0', '3.14']);
  });

  it('caps the header count at 65535', () => {
    const w = new ListpackWriter();
    for (let i = 0; i < 70000; i++) w.append('1');
    const b = w.finish();
    expect(b.readUInt16LE(4)).toBe(65535);
    expect(decodeListpack(b)?.length).toBe(70000);
  });

  it('rejects corrupt listpacks', () => {
    const good = encodeListpack(['a', '1', 'hello']);
    expect(decodeListpack(good)).not.toBeNull();
    const bad = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return decodeListpack(b);
    };
    expect(bad((b) => b.writeUInt32LE(99, 0))).toBeNull(); // total bytes
    expect(bad((b) => (b[b.length - 1] = 0))).toBeNull(); // terminator
    expect(bad((b) => b.writeUInt16LE(2, 4))).toBeNull(); // count
    expect(bad((b) => (b[8] = 0x05))).toBeNull(); // backlen of the first entry
    expect(bad((b) => (b[6] = 0xf7))).toBeNull(); // no such encoding
    expect(decodeListpack(good.subarray(0, 5))).toBeNull();
    const unknown = Buffer.from(good);
    unknown.writeUInt16LE(65535, 4);
    expect(decodeListpack(unknown)).toEqual(['a', 1, 'hello']);
  });
});

describe('intset', () => {
  it('picks the narrowest width', () => {
    expect(hex(encodeIntset(['-1', '1', '32767']))).toBe('02000000' + '03000000' + 'ffff' + '0100' + 'ff7f');
    expect(hex(encodeIntset(['32768']))).toBe('04000000' + '01000000' + '00800000');
    expect(hex(encodeIntset(['-2147483649']))).toBe('08000000' + '01000000' + 'ffffff7fffffffff');
  });
});

describe('quicklist node splits (list-max-listpack-size)', () => {
  it('fills 8KB nodes under -2 and counts under positive fills', () => {
    const small = Array.from({ length: 5000 }, (_, i) => `v${i}`);
    const nodes = quicklistNodes(small, -2);
    expect(nodes.length).toBeGreaterThan(1);
    for (const n of nodes) expect(n.data.length).toBeLessThanOrEqual(8192);
    expect(nodes.flatMap((n) => decodeListpack(n.data)?.map(String))).toEqual(small);
    expect(quicklistNodes(small, 100).length).toBe(50);
    expect(quicklistNodes(small, -1).every((n) => n.data.length <= 4096)).toBe(true);
    expect(quicklistNodes(['x'.repeat(10000), 'a', 'b'], -2).map((n) => decodeListpack(n.data)?.length)).toEqual([1, 2]);
  });
});

describe('payloads', () => {
  const all: Array<[string, Value]> = [];
  it('strings: integer encodings, LZF, verbatim', () => {
    const body = (v: string) => createDumpPayload(v).subarray(0, -10);
    expect(hex(body('0'))).toBe('00c000');
    expect(hex(body('-128'))).toBe('00c080');
    expect(hex(body('127'))).toBe('00c07f');
    expect(hex(body('128'))).toBe('00c18000');
    expect(hex(body('-32768'))).toBe('00c10080');
    expect(hex(body('32768'))).toBe('00c200800000');
    expect(hex(body('2147483647'))).toBe('00c2ffffff7f');
    expect(hex(body('2147483648'))).toBe('000a' + hex(bin('2147483648')));
    expect(hex(body('-2147483648'))).toBe('00c200000080');
    expect(hex(body('-2147483649'))).toBe('000b' + hex(bin('-2147483649')));
    expect(hex(body('007'))).toBe('0003' + hex(bin('007')));
    expect(hex(body('a'.repeat(20)))).toBe('0014' + '61'.repeat(20));
    expect(body('a'.repeat(21))[1]).toBe(0xc3); // LZF
    expect(hex(body(''))).toBe('0000');
    // the footer: version 10, then the CRC of everything before it
    const p = createDumpPayload('hello');
    expect(hex(p.subarray(-10, -8))).toBe('0a00');
    expect(verifyDumpPayload(p)).toBe(true);
    all.push(['s', 'a'.repeat(1000)], ['i', '12345']);
  });

  it('verifyDumpPayload checks length, version and checksum', () => {
    const p = createDumpPayload('hello');
    expect(verifyDumpPayload(p.subarray(0, 9))).toBe(false);
    const v11 = payload(Buffer.from([0, 1, 0x61]), 11);
    expect(verifyDumpPayload(v11)).toBe(false);
    const v9 = payload(Buffer.from([0, 1, 0x61]), 9);
    expect(verifyDumpPayload(v9)).toBe(true);
    const flipped = Buffer.from(p);
    flipped[2] ^= 1;
    expect(verifyDumpPayload(flipped)).toBe(false);
  });

  it('round-trips every type', () => {
    const h = new RHash();
    h.set('f', 'v');
    h.set('n', '12');
    const big = new RHash();
    for (let i = 0; i < 300; i++) big.set(`field:${i}`, `value:${i}`);
    big.toHashtable();
    const z = new ZSet();
    for (const [m, s] of [['a', 1], ['b', 1.5], ['c', -Infinity], ['d', 1e100]] as const) z.add(m, s);
    const zs = new ZSet();
    zs.convertToSkiplist();
    zs.add('neg0', -0);
    zs.add('x', 3);
    const values: Array<[Value, string]> = [
      ['plain', 'embstr'],
      ['x'.repeat(5000), 'raw'],
      [RList.fromArray(Array.from({ length: 3000 }, (_, i) => String(i % 7 === 0 ? i : `e${i}`))), 'quicklist'],
      [h, 'listpack'],
      [big, 'hashtable'],
      [RSet.fromDistinct(['1', '-70000', '5000000000']), 'intset'],
      [RSet.fromDistinct(['a', 'b', '1']), 'hashtable'],
      [z, 'listpack'],
      [zs, 'listpack'], // a small skip list is converted back after loading, as Redis does
    ];
    for (const [v, enc] of values) {
      const back = loadDumpPayload(createDumpPayload(v), { hashMaxListpackEntries: 128 }) as Value;
      expect(back).not.toBeNull();
      if (typeof v === 'string') {
        expect(back).toBe(v);
        continue;
      }
      expect((back as { encoding(): string }).encoding()).toBe(enc);
      if (v instanceof RList) expect((back as RList).toArray()).toEqual(v.toArray());
      if (v instanceof RHash) expect([...(back as RHash).entries()].sort()).toEqual([...v.entries()].sort());
      if (v instanceof RSet) expect([...(back as RSet)].sort()).toEqual([...v].sort());
      if (v instanceof ZSet) expect([...(back as ZSet)].map(([m, sc]) => [m, sc + 0])).toEqual([...v].map(([m, sc]) => [m, sc + 0]));
    }
    // -0 survives in a skip list (binary double), becomes 0 in a listpack
    const keepSkiplist = { zsetLimits: { entries: 1, value: 64 } };
    expect(Object.is((loadDumpPayload(createDumpPayload(zs), keepSkiplist) as ZSet).score('neg0'), -0)).toBe(true);
    expect((loadDumpPayload(createDumpPayload(zs), keepSkiplist) as ZSet).encoding()).toBe('skiplist');
    expect(Object.is((loadDumpPayload(createDumpPayload(zs)) as ZSet).score('neg0'), 0)).toBe(true);
    expect(cloneViaDump(h)).not.toBe(h);
  });

  it('loads the older encodings Redis 7.0 still reads', () => {
    const lim = {};
    // RDB_TYPE_LIST: count + strings (one int-encoded)
    const l = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.LIST, 3]), rdbStr('a'), Buffer.from([0xc0, 5]), rdbStr('c')])), lim) as RList;
    expect(l.toArray()).toEqual(['a', '5', 'c']);
    // RDB_TYPE_ZSET with text scores (and the inf markers)
    const z = loadDumpPayload(
      payload(Buffer.concat([Buffer.from([RDB_TYPE.ZSET, 3]), rdbStr('a'), Buffer.from([3]), bin('1.5'), rdbStr('b'), Buffer.from([254]), rdbStr('c'), Buffer.from([255])])),
      lim,
    ) as ZSet;
    expect([...z]).toEqual([['c', -Infinity], ['a', 1.5], ['b', Infinity]]);
    expect(z.encoding()).toBe('listpack');
    // NaN score: refused
    expect(loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.ZSET, 1]), rdbStr('a'), Buffer.from([253])])))).toBeNull();
    // intsets of each width
    for (const members of [['1', '2'], ['1', '100000'], ['-1', '10000000000']]) {
      const blob = encodeIntset(members);
      const s = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.SET_INTSET]), rdbStr(blob.latin1Slice())]))) as RSet;
      expect(s.toArray()).toEqual(members);
      expect(s.encoding()).toBe('intset');
    }
    // unsorted or empty intsets are corrupt
    const unsorted = Buffer.from('02000000020000000200' + '0100', 'hex');
    expect(loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.SET_INTSET]), rdbStr(unsorted.latin1Slice())])))).toBeNull();
    // ziplist list: "a", 12 (immediate), 300 (int16), "hello"
    const zl = ziplist(['s:a', 'imm:12', 'i16:300', 's:hello']);
    const zlist = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.LIST_ZIPLIST]), rdbStr(zl.latin1Slice())]))) as RList;
    expect(zlist.toArray()).toEqual(['a', '12', '300', 'hello']);
    const zhash = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.HASH_ZIPLIST]), rdbStr(ziplist(['s:f', 'i16:300', 's:g', 's:v']).latin1Slice())]))) as RHash;
    expect([...zhash.entries()]).toEqual([['f', '300'], ['g', 'v']]);
    const zz = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.ZSET_ZIPLIST]), rdbStr(ziplist(['s:m', 's:2.5', 's:n', 'imm:1']).latin1Slice())]))) as ZSet;
    expect([...zz]).toEqual([['n', 1], ['m', 2.5]]);
    // duplicate hash fields in a ziplist: corrupt
    expect(loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.HASH_ZIPLIST]), rdbStr(ziplist(['s:f', 's:1', 's:f', 's:2']).latin1Slice())])))).toBeNull();
    // quicklist v1: a count of ziplist nodes
    const ql = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.LIST_QUICKLIST, 2]), rdbStr(zl.latin1Slice()), rdbStr(ziplist(['s:z']).latin1Slice())]))) as RList;
    expect(ql.toArray()).toEqual(['a', '12', '300', 'hello', 'z']);
    // zipmap hash (Redis 2.4): count 2, "f"->"v" with one free byte, "g"->"w"
    const zm = Buffer.from([2, 1, 0x66, 1, 1, 0x76, 0x00, 1, 0x67, 1, 0, 0x77, 0xff]);
    const zmh = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.HASH_ZIPMAP]), rdbStr(zm.latin1Slice())]))) as RHash;
    expect([...zmh.entries()]).toEqual([['f', 'v'], ['g', 'w']]);
  });

  it('a restored quicklist keeps its node layout for DUMP until the list changes', () => {
    // Three nodes of one element each: not how RPUSH would split them.
    const one = (e: string) => Buffer.concat([Buffer.from([2]), rdbStr(encodeListpack([e]).latin1Slice())]);
    const p = payload(Buffer.concat([Buffer.from([RDB_TYPE.LIST_QUICKLIST_2, 3]), one('a'), one('b'), one('c')]));
    const l = loadDumpPayload(p) as RList;
    expect(l.toArray()).toEqual(['a', 'b', 'c']);
    expect(createDumpPayload(l).equals(p)).toBe(true);
    l.pushTail('d');
    const q = createDumpPayload(l);
    expect(q[1]).toBe(1); // one node now
    l.popTail();
    expect(createDumpPayload(l)[1]).toBe(1); // the layout is gone for good
    // A plain node stays plain.
    const plain = payload(Buffer.concat([Buffer.from([RDB_TYPE.LIST_QUICKLIST_2, 2, 1]), rdbStr('big'), one('x')]));
    expect(createDumpPayload(loadDumpPayload(plain) as RList).equals(plain)).toBe(true);
  });

  it('a restored intset keeps its width while it stays an intset', () => {
    const p = payload(Buffer.concat([Buffer.from([RDB_TYPE.SET_INTSET]), rdbStr(encodeIntset(['1', '2'], 8).latin1Slice())]));
    const s = loadDumpPayload(p) as RSet;
    expect(createDumpPayload(s).equals(p)).toBe(true);
    s.add('3');
    const wide3 = loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.SET_INTSET]), rdbStr(encodeIntset(['1', '2', '3'], 8).latin1Slice())]))) as RSet;
    expect(createDumpPayload(s).equals(createDumpPayload(wide3))).toBe(true);
    expect(createDumpPayload(s).equals(createDumpPayload(RSet.fromDistinct(['1', '2', '3'])))).toBe(false);
  });

  it('compresses interior quicklist nodes under list-compress-depth', () => {
    const items = Array.from({ length: 4000 }, (_, i) => `value-${i % 50}`);
    const l = RList.fromArray(items);
    const plain = createDumpPayload(l, { compression: false });
    const deep = createDumpPayload(l, { compression: false, listCompressDepth: 1 });
    expect(deep.length).toBeLessThan(plain.length);
    expect((loadDumpPayload(deep) as RList).toArray()).toEqual(items);
  });

  it('refuses modules, empty values and unknown types', () => {
    for (const t of [6, 7, 8, 20, 255]) expect(loadDumpPayload(payload(Buffer.from([t, 0, 0, 0])))).toBeNull();
    expect(loadDumpPayload(payload(Buffer.from([RDB_TYPE.LIST, 0])))).toBeNull();
    expect(loadDumpPayload(payload(Buffer.from([RDB_TYPE.SET, 0])))).toBeNull();
    expect(loadDumpPayload(payload(Buffer.from([RDB_TYPE.HASH_LISTPACK, 7, 7, 0, 0, 0, 0, 0, 0xff])))).toBeNull();
    // duplicate set members
    expect(loadDumpPayload(payload(Buffer.concat([Buffer.from([RDB_TYPE.SET, 2]), rdbStr('a'), rdbStr('a')])))).toBeNull();
    // a string longer than the payload
    expect(loadDumpPayload(payload(Buffer.from([0, 50, 0x61])))).toBeNull();
    // but reading into the footer is allowed, as Redis's rio buffer allows it
    expect(loadDumpPayload(payload(Buffer.from([0, 3, 0x61])))).toBe('a\n\0');
  });
});

/** Build a ziplist from 's:<text>' / 'imm:<0-12>' / 'i16:<n>' entries. */
function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const e of entries) {
    const [kind, val] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
    let enc: Buffer;
    if (kind === 's') enc = Buffer.concat([Buffer.from([val.length]), bin(val)]);
    else if (kind === 'imm') enc = Buffer.from([0xf1 + Number(val)]);
    else {
      enc = Buffer.alloc(3);
      enc[0] = 0xc0;
      enc.writeInt16LE(Number(val), 1);
    }
    const entry = Buffer.concat([Buffer.from([prev]), enc]);
    parts.push(entry);
    tail = off;
    off += entry.length;
    prev = entry.length;
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(entries.length ? tail : 10, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}
