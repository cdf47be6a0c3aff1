/**
 * store/rdb-file.ts without a server: framing, chunked output, copy-on-write
 * entries, and reading back what was written (every type, TTLs, databases,
 * functions, IDLE/FREQ). The compatibility with redis-server itself is in
 * test/integration/rdb-files.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Crc64 } from '../../src/store/crc64.js';
import { RdbFileWriter, RdbLoadError, encodeValue, isRdb, readRdb, writeRdb, type DbSnapshot } from '../../src/store/rdb-file.js';
import { RHash } from '../../src/store/types/hash.js';
import { RList } from '../../src/store/types/list.js';
import { RSet } from '../../src/store/types/set.js';
import { ZSet } from '../../src/store/types/zset.js';
import type { Value } from '../../src/store/types.js';

function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A plain-data view of a value, for comparisons. */
function plain(v: Value): unknown {
  if (typeof v === 'string') return v;
  if (v instanceof RList) return { list: v.toArray() };
  if (v instanceof RHash) return { hash: [...v.entries()].sort(), enc: v.encoding() };
  if (v instanceof RSet) return { set: [...v].sort(), enc: v.encoding() };
  if (v instanceof ZSet) return { zset: [...v], enc: v.encoding() };
  return v;
}

function randomDbs(seed: number): DbSnapshot[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const str = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(256))).join('');
  const dbs: DbSnapshot[] = [];
  for (const index of [0, 1, 7]) {
    const keys: string[] = [];
    const values: Value[] = [];
    const expires = new Map<string, number | bigint>();
    for (let i = 0; i < 200; i++) {
      const key = i % 4 === 0 ? String(i) : `${index}:${i}:${str(int(8))}`;
      let v: Value;
      switch (i % 6) {
        case 0:
          v = r() < 0.5 ? String(int(1e12) - 5e11) : str(int(100));
          break;
        case 1:
          v = RList.fromArray(Array.from({ length: 1 + int(300) }, () => (r() < 0.3 ? String(int(1e6)) : str(int(40)))));
          break;
        case 2: {
          const h = new RHash();
          const n = 1 + int(r() < 0.2 ? 300 : 20);
          for (let j = 0; j < n; j++) h.set(`f${j}`, str(int(r() < 0.1 ? 100 : 20)));
          if (n > 128) h.toHashtable();
          v = h;
          break;
        }
        case 3: {
          const members = new Set<string>();
          const n = 1 + int(r() < 0.3 ? 700 : 30);
          for (let j = 0; j < n; j++) members.add(r() < 0.7 ? String(int(1e5) - 5e4) : str(1 + int(10)));
          v = RSet.fromDistinct([...members], 512);
          break;
        }
        case 4: {
          const z = new ZSet({ entries: 128, value: 64 });
          const n = 1 + int(r() < 0.3 ? 300 : 30);
          for (let j = 0; j < n; j++) z.insert(`m${j}${str(int(5))}`, [r() * 1000 - 500, int(100), Infinity, -Infinity][int(4)], { entries: 128, value: 64 });
          v = z;
          break;
        }
        default:
          v = str(int(5000));
      }
      keys.push(key);
      values.push(v);
      if (i % 7 === 0) expires.set(key, 4102444800000 + i);
      if (i === 14) expires.set(key, 9223372036854775807n);
    }
    dbs.push({ index, keys, values, expires });
  }
  return dbs;
}

describe('writeRdb / readRdb', () => {
  it('round-trips every type, TTL (including beyond 2^53), database and function library', () => {
    const dbs = randomDbs(5);
    const bytes = writeRdb(dbs, { functions: ['#!lua name=a\nreturn 1', '#!lua name=b\n'], ctime: 1700000000, usedMem: 123 });
    expect(isRdb(bytes)).toBe(true);
    expect(bytes.latin1Slice(0, 9)).toBe('REDIS0010');
    const crc = new Crc64().update(bytes, 0, bytes.length - 8);
    expect(crc.matchesLE(bytes, bytes.length - 8)).toBe(true);
    const back = readRdb(bytes, { databases: 16 });
    expect(back.aux.get('redis-ver')).toBe('7.0.15');
    expect(back.aux.get('redis-bits')).toBe('64');
    expect(back.aux.get('ctime')).toBe('1700000000');
    expect(back.aux.get('used-mem')).toBe('123');
    expect(back.aux.get('aof-base')).toBe('0');
    expect(back.functions).toEqual(['#!lua name=a\nreturn 1', '#!lua name=b\n']);
    expect(back.dbs.map((d) => d.index)).toEqual([0, 1, 7]);
    for (const d of dbs) {
      const got = back.dbs.find((x) => x.index === d.index)!;
      expect([...got.data.keys()]).toEqual(d.keys);
      d.keys.forEach((k, i) => expect(plain(got.data.get(k)!), k).toEqual(plain(d.values[i])));
      expect([...got.expires]).toEqual([...(d.expires ?? new Map())]);
    }
    expect(back.keysLoaded).toBe(600);
  });

  it('keys past their deadline are counted, not loaded, when `now` is given', () => {
    const dbs: DbSnapshot[] = [{ index: 0, keys: ['old', 'new', 'none'], values: ['1', '2', '3'], expires: new Map([['old', 1000], ['new', 5000]]) }];
    const back = readRdb(writeRdb(dbs), { now: 2000 });
    expect([...back.dbs[0].data.keys()]).toEqual(['new', 'none']);
    expect(back.keysExpired).toBe(1);
  });

  it('chunked output (take) equals the one-buffer file', () => {
    const dbs = randomDbs(9);
    const whole = writeRdb(dbs, { ctime: 1 });
    const f = new RdbFileWriter({ ctime: 1 });
    const parts: Buffer[] = [];
    f.header();
    for (const d of dbs) {
      f.selectDb(d.index, d.keys.length, d.expires?.size ?? 0);
      d.keys.forEach((k, i) => {
        f.entry(k, d.values[i], d.expires?.get(k));
        if (i % 17 === 0) parts.push(f.take());
      });
    }
    parts.push(f.end());
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });

  it('a pre-encoded value (copy on write) is written as it was when encoded', () => {
    const list = RList.fromArray(['a', 'b']);
    const f = new RdbFileWriter({ ctime: 1 });
    f.preEncoded = new Map([[list, encodeValue(list, {})]]);
    list.pushTail('changed later');
    f.header();
    f.selectDb(0, 1, 0);
    f.entry('l', list, undefined);
    const back = readRdb(Buffer.concat([f.end()]));
    expect((back.dbs[0].data.get('l') as RList).toArray()).toEqual(['a', 'b']);
  });

  it('IDLE and FREQ opcodes are written before the value and read back', () => {
    const dbs: DbSnapshot[] = [{ index: 0, keys: ['a', 'b'], values: ['1', '2'], expires: null, idle: [100, 0], freq: [7, 255] }];
    const back = readRdb(writeRdb(dbs));
    expect([...back.dbs[0].idle]).toEqual([['a', 100], ['b', 0]]);
    expect([...back.dbs[0].freq]).toEqual([['a', 7], ['b', 255]]);
  });

  it('rdbchecksum no: a zero checksum is written and accepted', () => {
    const bytes = writeRdb([{ index: 0, keys: ['k'], values: ['v'], expires: null }], { checksum: false });
    expect(bytes.subarray(bytes.length - 8).equals(Buffer.alloc(8))).toBe(true);
    expect(readRdb(bytes).keysLoaded).toBe(1);
  });

  it('every truncation of a file is refused with an RdbLoadError, never another exception', () => {
    const bytes = writeRdb(randomDbs(3).map((d) => ({ ...d, keys: d.keys.slice(0, 20), values: d.values.slice(0, 20) })), { ctime: 1 });
    const step = Math.max(1, Math.floor(bytes.length / 400));
    const cuts = [...Array.from({ length: 400 }, (_, i) => i * step), ...Array.from({ length: 40 }, (_, i) => bytes.length - 1 - i)];
    for (const n of cuts) {
      if (n < 0 || n >= bytes.length) continue;
      expect(() => readRdb(bytes.subarray(0, n)), `${n} bytes`).toThrow(RdbLoadError);
    }
  });

  it('flipped bytes are refused with an RdbLoadError (checksum off: the structure is what fails)', () => {
    const good = writeRdb(randomDbs(4).map((d) => ({ ...d, keys: d.keys.slice(0, 30), values: d.values.slice(0, 30) })), { ctime: 1, checksum: false });
    const r = rng(99);
    let refused = 0;
    for (let t = 0; t < 150; t++) {
      const b = Buffer.from(good);
      const at = 9 + Math.floor(r() * (b.length - 17));
      b[at] ^= 1 + Math.floor(r() * 255);
      try {
        readRdb(b, { checksum: false });
      } catch (e) {
        expect(e).toBeInstanceOf(RdbLoadError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
