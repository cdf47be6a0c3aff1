/**
 * Packed values of a loaded file (store/lazy.ts): a lazy load gives exactly
 * the values, encodings, memory figures and errors of an eager one
 * (lazy: false), whatever is read first, and the table is a plain Map again
 * once no packed value remains. Replies against redis-server after loading
 * its own file: test/differential/rdb-lazy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LazyKeyspace, packedCount } from '../../src/store/lazy.js';
import { encodeListpack } from '../../src/store/listpack.js';
import { keyContribution } from '../../src/store/memory.js';
import { createDumpPayload } from '../../src/store/rdb.js';
import { RdbLoadError, readRdb, writeRdb, type DbSnapshot } from '../../src/store/rdb-file.js';
import { RHash } from '../../src/store/types/hash.js';
import { RList } from '../../src/store/types/list.js';
import { RSet } from '../../src/store/types/set.js';
import { ZSet } from '../../src/store/types/zset.js';
import { encodingOf, type Value } from '../../src/store/types.js';

function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Small collections of every kind the loader packs, and some it does not. */
function smallDbs(seed: number, n = 120, repetitive = false): DbSnapshot[] {
  const r = rng(seed);
  const int = (k: number) => Math.floor(r() * k);
  // Random bytes: LZF leaves most payloads uncompressed (compressed ones are decoded at load).
  const str = (k: number) => Array.from({ length: k }, () => String.fromCharCode(int(256))).join('');
  // Repetitive elements: LZF compresses the listpacks (packed from the arena).
  const el = () => (r() < 0.3 ? String(int(2e6) - 1e6) : r() < 0.1 ? String(2 ** 40 + int(1000)) : repetitive ? `e${int(5)}${'x'.repeat(int(30))}` : str(int(12)));
  const keys: string[] = [];
  const values: Value[] = [];
  for (let i = 0; i < n; i++) {
    keys.push(`k${i}`);
    switch (i % 5) {
      case 0: {
        const h = new RHash();
        const m = 1 + int(r() < 0.2 ? 30 : 8);
        for (let j = 0; j < m; j++) h.set(r() < 0.3 ? String(int(100)) : `f${j}`, el());
        values.push(h);
        break;
      }
      case 1:
        values.push(RList.fromArray(Array.from({ length: 1 + int(r() < 0.1 ? 400 : 10) }, el)));
        break;
      case 2: {
        const z = new ZSet({ entries: 128, value: 64 });
        const m = 1 + int(r() < 0.2 ? 30 : 8);
        for (let j = 0; j < m; j++) z.insert(r() < 0.3 ? String(int(1000)) : `m${j}`, [int(100), r() * 10, Infinity, -Infinity, 2.5][int(5)], { entries: 128, value: 64 });
        values.push(z);
        break;
      }
      case 3:
        values.push(RSet.fromDistinct([...new Set(Array.from({ length: 1 + int(10) }, () => String(int(100))))], 512));
        break;
      default:
        values.push(`v${i}`);
    }
  }
  return [{ index: 0, keys, values, expires: null }];
}

const dumpOf = (v: Value) => createDumpPayload(v).toString('hex');

describe('lazy load', () => {
  for (const repetitive of [false, true])
  it(`packs the small collections${repetitive ? ' (LZF-compressed)' : ''}, and every value, encoding and memory figure equals the eager load whatever is read first`, () => {
    const file = writeRdb(smallDbs(1, 120, repetitive));
    const eager = readRdb(file, { lazy: false }).dbs[0].data;
    for (const order of ['forward', 'backward', 'iterate'] as const) {
      const lazy = readRdb(file).dbs[0].data;
      expect(Object.getPrototypeOf(lazy)).toBe(LazyKeyspace.prototype);
      const packed = packedCount(lazy);
      expect(packed).toBeGreaterThan(40);
      expect(lazy.size).toBe(eager.size);
      const keys = [...eager.keys()];
      if (order === 'backward') keys.reverse();
      if (order === 'iterate') {
        let seen = 0;
        for (const [k, v] of lazy) {
          expect(dumpOf(v), k).toBe(dumpOf(eager.get(k) as Value));
          seen++;
        }
        expect(seen).toBe(eager.size);
      } else {
        let left = packed;
        for (const k of keys) {
          const wasPacked = packedCount(lazy) > 0;
          const v = lazy.get(k) as Value;
          expect(dumpOf(v), k).toBe(dumpOf(eager.get(k) as Value));
          expect(encodingOf(v), k).toBe(encodingOf(eager.get(k) as Value));
          expect(keyContribution(k, v, -2), k).toBe(keyContribution(k, eager.get(k) as Value, -2));
          if (wasPacked && packedCount(lazy) < left) left = packedCount(lazy);
          // A second read returns the same object (built once, stored in place).
          expect(lazy.get(k)).toBe(v);
        }
      }
      expect(packedCount(lazy)).toBe(0);
      expect(Object.getPrototypeOf(lazy)).toBe(Map.prototype);
      expect([...lazy.keys()]).toEqual([...eager.keys()]);
    }
  });

  it('packed values read a copy of the file: the caller may reuse its buffer', () => {
    const dbs = smallDbs(4, 40, true);
    const file = writeRdb(dbs);
    const eager = readRdb(file, { lazy: false }).dbs[0].data;
    const bytes = Buffer.from(file);
    const lazy = readRdb(bytes).dbs[0].data;
    expect(packedCount(lazy)).toBeGreaterThan(10);
    bytes.fill(0xff);
    for (const [k, v] of eager) expect(dumpOf(lazy.get(k) as Value), k).toBe(dumpOf(v));
  });

  it('set, delete and clear over packed values keep the count; the table turns plain after the last', () => {
    const file = writeRdb(smallDbs(2, 20));
    const m = readRdb(file).dbs[0].data;
    const n = packedCount(m);
    expect(n).toBeGreaterThan(5);
    const packedKeys = [...m.keys()].filter((k) => ['0', '1', '2'].includes(String(Number(k.slice(1)) % 5)));
    m.set(packedKeys[0], 'overwritten');
    expect(packedCount(m)).toBe(n - 1);
    expect(m.get(packedKeys[0])).toBe('overwritten');
    expect(m.delete(packedKeys[1])).toBe(true);
    expect(m.has(packedKeys[1])).toBe(false);
    expect(packedCount(m)).toBe(n - 2);
    m.set('new', 'x');
    expect(packedCount(m)).toBe(n - 2);
    const values = [...m.values()];
    expect(values.every((v) => typeof v === 'string' || typeof v.encoding === 'function')).toBe(true);
    expect(Object.getPrototypeOf(m)).toBe(Map.prototype);
    const m2 = readRdb(file).dbs[0].data;
    m2.clear();
    expect(packedCount(m2)).toBe(0);
    expect(Object.getPrototypeOf(m2)).toBe(Map.prototype);
    const m3 = readRdb(file).dbs[0].data;
    const got: string[] = [];
    m3.forEach((v, k) => got.push(k + (typeof v === 'string' ? '' : ':' + v.type)));
    expect(got.length).toBe(m3.size);
    expect(packedCount(m3)).toBe(0);
  });

  for (const repetitive of [false, true])
  it(`a corrupt or altered file${repetitive ? ' (LZF-compressed values)' : ''}: the lazy load refuses exactly what the eager load refuses, with the same error, else builds the same values`, () => {
    const good = writeRdb(smallDbs(3, 60, repetitive), { checksum: false });
    const r = rng(42);
    let refused = 0;
    let loaded = 0;
    for (let t = 0; t < 400; t++) {
      const b = Buffer.from(good);
      const flips = 1 + Math.floor(r() * 2);
      for (let f = 0; f < flips; f++) {
        const at = 9 + Math.floor(r() * (b.length - 17));
        b[at] ^= 1 + Math.floor(r() * 255);
      }
      let eagerErr: unknown = null;
      let lazyErr: unknown = null;
      let eager: Map<string, Value>[] = [];
      let lazy: Map<string, Value>[] = [];
      try {
        eager = readRdb(b, { checksum: false, lazy: false }).dbs.map((d) => d.data);
      } catch (e) {
        eagerErr = e;
      }
      try {
        lazy = readRdb(b, { checksum: false }).dbs.map((d) => d.data);
      } catch (e) {
        lazyErr = e;
      }
      if (eagerErr !== null) {
        expect(lazyErr).toBeInstanceOf(RdbLoadError);
        expect((lazyErr as Error).message).toBe((eagerErr as Error).message);
        refused++;
        continue;
      }
      expect(lazyErr).toBeNull();
      loaded++;
      expect(lazy.length).toBe(eager.length);
      for (let i = 0; i < eager.length; i++) {
        expect([...lazy[i].keys()]).toEqual([...eager[i].keys()]);
        for (const [k, v] of eager[i]) expect(dumpOf(lazy[i].get(k) as Value), k).toBe(dumpOf(v));
        expect(lazy[i].size).toBe(eager[i].size);
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
  });

  it('a listpack hash whose fields repeat only once decoded (string "5" and integer 5) is still refused at load', () => {
    // Redis never writes "5" as a string entry; a hand-made file can.
    const h = new RHash();
    h.set('x', 'a');
    h.set('y', 'b');
    const ok = writeRdb([{ index: 0, keys: ['h'], values: [h], expires: null }], { checksum: false });
    const lp = encodeListpack(['x', 'a', 'y', 'b']);
    const at = ok.indexOf(lp);
    expect(ok[at - 1]).toBe(lp.length);
    // "5" as a string entry, "a", 5 as an integer entry, "b"
    const entries = Buffer.from([0x81, 0x35, 2, 0x81, 0x61, 2, 0x05, 1, 0x81, 0x62, 2, 0xff]);
    const forged = Buffer.concat([Buffer.alloc(6), entries]);
    forged.writeUInt32LE(forged.length, 0);
    forged.writeUInt16LE(4, 4);
    const file = Buffer.concat([ok.subarray(0, at - 1), Buffer.from([forged.length]), forged, ok.subarray(at + lp.length)]);
    expect(() => readRdb(file, { checksum: false, lazy: false })).toThrow(RdbLoadError);
    expect(() => readRdb(file, { checksum: false })).toThrow(RdbLoadError);
    // "6" and 5 are told apart only by decoding: built at load.
    forged[6 + 1] = 0x36;
    const decoded = Buffer.concat([ok.subarray(0, at - 1), Buffer.from([forged.length]), forged, ok.subarray(at + lp.length)]);
    const m6 = readRdb(decoded, { checksum: false }).dbs[0].data;
    expect(packedCount(m6)).toBe(0);
    expect([...(m6.get('h') as RHash).map]).toEqual([['6', 'a'], ['5', 'b']]);
    // "z" and 5: packed.
    forged[6 + 1] = 0x7a;
    const fine = Buffer.concat([ok.subarray(0, at - 1), Buffer.from([forged.length]), forged, ok.subarray(at + lp.length)]);
    const m = readRdb(fine, { checksum: false }).dbs[0].data;
    expect(packedCount(m)).toBe(1);
    expect([...(m.get('h') as RHash).map]).toEqual([['z', 'a'], ['5', 'b']]);
  });
});
