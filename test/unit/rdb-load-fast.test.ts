/**
 * The file loader's fast paths (store/rdb.ts readObject with an Interner,
 * ZSet.fromSorted, RList.adopt, oneNodeIsCanonical): what they build must be
 * what the element-by-element paths built. The byte-level compatibility with
 * redis-server is in test/integration/rdb-files.test.ts and the differential
 * persistence / dump tests.
 */
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../src/store/crc64.js';
import { Interner, decodeListpack, encodeListpack } from '../../src/store/listpack.js';
import { createDumpPayload } from '../../src/store/rdb.js';
import { readRdb, writeRdb } from '../../src/store/rdb-file.js';
import { RHash } from '../../src/store/types/hash.js';
import { RList } from '../../src/store/types/list.js';
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

const pairsOf = (z: ZSet): Array<[string, number]> => [...z].map(([m, s]) => [m, s]);

describe('ZSet.fromSorted', () => {
  for (const n of [1, 2, 63, 64, 65, 129, 1000, 4097, 70000]) {
    it(`builds the same set as inserting ${n} members one by one, and stays consistent under changes`, () => {
      const rand = rng(n);
      const pairs: Array<[string, number]> = [];
      for (let i = 0; i < n; i++) pairs.push([`m${i}:${Math.floor(rand() * 1e6)}`, Math.floor(rand() * 50) / 2]);
      const ref = ZSet.from(pairs);
      const sorted = pairsOf(ref);
      const z = ZSet.fromSorted(sorted.map((p) => p[0]), sorted.map((p) => p[1]), n <= 128) as ZSet;
      expect(z).not.toBeNull();
      z.checkInvariants();
      expect(z.size).toBe(n);
      expect(pairsOf(z)).toEqual(sorted);
      expect(z.encoding()).toBe(n <= 128 ? 'listpack' : 'skiplist');
      for (let k = 0; k < 50; k++) {
        const r = Math.floor(rand() * n);
        expect(z.at(r)).toEqual(sorted[r]);
        expect(z.rank(sorted[r][0])).toBe(r);
      }
      // Random changes on both: same contents, tree still valid.
      for (let k = 0; k < Math.min(3000, n * 3); k++) {
        const m = `m${Math.floor(rand() * n * 1.2)}:x`;
        const existing = sorted[Math.floor(rand() * n)][0];
        const op = rand();
        if (op < 0.4) {
          z.add(m, rand() * 100);
          ref.add(m, z.score(m) as number);
        } else if (op < 0.7) {
          z.delete(existing);
          ref.delete(existing);
        } else {
          const s = Math.floor(rand() * 100);
          z.add(existing, s);
          ref.add(existing, s);
        }
      }
      z.checkInvariants();
      expect(pairsOf(z)).toEqual(pairsOf(ref));
    });
  }

  it('refuses a repeated member, and stores -0 as 0 when listpack-encoded', () => {
    expect(ZSet.fromSorted(['a', 'a'], [1, 2], true)).toBeNull();
    const z = ZSet.fromSorted(['a', 'b'], [-0, 1], true) as ZSet;
    expect(Object.is(z.score('a'), 0)).toBe(true);
    const s = ZSet.fromSorted(['a', 'b'], [-0, 1], false) as ZSet;
    expect(Object.is(s.score('a'), -0)).toBe(true);
  });
});

describe('Interner', () => {
  it('returns equal strings for equal bytes, the same string for a repeat, and never mixes up different bytes', () => {
    const it = new Interner();
    const rand = rng(7);
    const seen = new Map<string, string>();
    for (let k = 0; k < 20000; k++) {
      const len = Math.floor(rand() * 30);
      const bytes = Buffer.alloc(len + 4);
      for (let i = 0; i < len; i++) bytes[i + 2] = rand() < 0.5 ? 97 + Math.floor(rand() * 3) : Math.floor(rand() * 256);
      const s = it.get(bytes, 2, len);
      expect(s).toBe(bytes.latin1Slice(2, 2 + len));
      seen.set(s, s);
    }
    const buf = Buffer.from('xxnamexx', 'latin1');
    const a = it.get(buf, 2, 4);
    const b = it.get(Buffer.from('name', 'latin1'), 0, 4);
    expect(a).toBe('name');
    expect(b).toBe('name');
  });

  it('decodeListpack with a range and an interner reads what the plain decoder reads', () => {
    const items = ['name', 'user1', '42', '-7', 'x'.repeat(70), '', '9223372036854775807', 'city', 'é'];
    const lp = encodeListpack(items);
    const framed = Buffer.concat([Buffer.from('abc'), lp, Buffer.from('zz')]);
    expect(decodeListpack(framed, 3, 3 + lp.length, new Interner())).toEqual(decodeListpack(lp));
    expect(decodeListpack(framed, 2, 3 + lp.length, new Interner())).toBeNull();
  });
});

/** Load a file holding `values` under keys k0, k1... */
function roundTrip(values: Value[]): Map<string, Value> {
  const keys = values.map((_, i) => `k${i}`);
  const file = writeRdb([{ index: 0, keys, values, expires: null }]);
  return readRdb(file).dbs[0].data;
}

describe('loading collections from a file', () => {
  it('many similar hashes, lists and sorted sets load with their contents and encodings', () => {
    const values: Value[] = [];
    for (let i = 0; i < 300; i++) {
      const h = new RHash();
      h.set('name', `user${i}`);
      h.set('age', String(i % 90));
      h.set('city', 'somewhere');
      values.push(h);
      const l = new RList();
      for (const e of ['a', 'b', String(i), 'd']) l.pushTail(e);
      values.push(l);
      values.push(ZSet.from([['one', 1], ['two', 2.5], ['three', i]]));
    }
    const big = new ZSet();
    for (let i = 0; i < 500; i++) big.add(`member:${i}`, (i * 7919) % 1000);
    values.push(big);
    const bigHash = new RHash();
    for (let i = 0; i < 200; i++) bigHash.set(`f${i}`, `v${i}`);
    bigHash.toHashtable();
    values.push(bigHash);
    const longList = new RList();
    for (let i = 0; i < 5000; i++) longList.pushTail(`element-${i}`);
    values.push(longList);
    const loaded = roundTrip(values);
    values.forEach((v, i) => {
      const got = loaded.get(`k${i}`) as Value;
      if (v instanceof RHash) {
        expect([...(got as RHash).entries()]).toEqual([...v.entries()]);
        expect((got as RHash).encoding()).toBe(v.encoding());
      } else if (v instanceof RList) {
        expect((got as RList).toArray()).toEqual(v.toArray());
      } else if (v instanceof ZSet) {
        (got as ZSet).checkInvariants();
        expect(pairsOf(got as ZSet)).toEqual(pairsOf(v));
        expect((got as ZSet).encoding()).toBe(v.encoding());
      }
    });
    // A loaded list is its own: pushing to one leaves the others alone.
    const l0 = loaded.get('k1') as RList;
    const l1 = loaded.get('k4') as RList;
    l0.pushTail('more');
    expect(l1.toArray()).toEqual(['a', 'b', '1', 'd']);
    // The file written back from what was loaded is the same file.
    const keys = values.map((_, i) => `k${i}`);
    expect(writeRdb([{ index: 0, keys, values: keys.map((k) => (k === 'k1' ? values[1] : (loaded.get(k) as Value))), expires: null }], { ctime: 1 }).equals(
      writeRdb([{ index: 0, keys, values, expires: null }], { ctime: 1 }),
    )).toBe(true);
  });
});

describe('Crc64 word-at-a-time loop', () => {
  /** Bit by bit, reflected Jones polynomial (the definition). */
  function reference(b: Uint8Array): bigint {
    let crc = 0n;
    for (const byte of b) {
      crc ^= BigInt(byte);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
    }
    return crc;
  }

  it('equals the bitwise definition at every alignment and length, in one call or in pieces', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    const rand = rng(99);
    const big = Buffer.alloc(700);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rand() * 256);
    for (let start = 0; start < 9; start++) {
      for (const len of [0, 1, 7, 8, 9, 63, 64, 65, 130, 500]) {
        const want = reference(big.subarray(start, start + len));
        expect(crc64(big, start, start + len)).toBe(want);
        const cut = start + Math.floor(len / 3);
        expect(new Crc64().update(big, start, cut).update(big, cut, start + len).digest()).toBe(want);
      }
    }
  });
});

describe('one-node quicklists', () => {
  it('a node larger than the loading fill would make keeps its layout (DUMP gives the same node back)', () => {
    const l = new RList();
    for (const e of ['a', 'b', 'c', 'd', 'e']) l.pushTail(e);
    // Written with fill 8 (one node of five), loaded under fill 2.
    const file = writeRdb([{ index: 0, keys: ['l'], values: [l], expires: null }], { listMaxListpackSize: 8 });
    const got = readRdb(file, { listMaxListpackSize: 2 }).dbs[0].data.get('l') as RList;
    expect(got.toArray()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(createDumpPayload(got, { listMaxListpackSize: 2 }).equals(createDumpPayload(l, { listMaxListpackSize: 8 }))).toBe(true);
    // Loaded under a fill that makes the same node: nothing to remember, DUMP under that fill is the same.
    const same = readRdb(file, { listMaxListpackSize: 8 }).dbs[0].data.get('l') as RList;
    expect(createDumpPayload(same, { listMaxListpackSize: 8 }).equals(createDumpPayload(l, { listMaxListpackSize: 8 }))).toBe(true);
    // A node at the byte limit: elements of 2000 bytes, four fit in 8 KB under -2 only as the payload has them.
    const big = new RList();
    for (let i = 0; i < 4; i++) big.pushTail(String.fromCharCode(97 + i).repeat(2000));
    const f2 = writeRdb([{ index: 0, keys: ['b'], values: [big], expires: null }], { listMaxListpackSize: -3 });
    const got2 = readRdb(f2, { listMaxListpackSize: -2 }).dbs[0].data.get('b') as RList;
    expect(createDumpPayload(got2, { listMaxListpackSize: -2 }).equals(createDumpPayload(big, { listMaxListpackSize: -3 }))).toBe(true);
  });
});

describe('deadlines of a loaded file', () => {
  it('keys keep their TTLs (bulk path), expire on the clock, and a deadline past 2^53 stays exact', async () => {
    const { startRedKit } = await import('../../src/index.js');
    const k = await startRedKit({ clock: 'frozen' });
    try {
      const now = k.clock.now();
      const keys: string[] = [];
      const values: Value[] = [];
      const expires = new Map<string, number | bigint>();
      for (let i = 0; i < 1000; i++) {
        keys.push(`k${i}`);
        values.push(`v${i}`);
        if (i % 2 === 0) expires.set(`k${i}`, now + 1000 + i);
      }
      keys.push('far');
      values.push('x');
      expires.set('far', 9223372036854775000n);
      keys.push('neg');
      values.push('y');
      // Already past: skipped by the load.
      expires.set('neg', now - 5);
      const loaded = k.loadRdb(writeRdb([{ index: 0, keys, values, expires }]));
      expect(loaded.keysLoaded).toBe(1001);
      expect(loaded.keysExpired).toBe(1);
      const db = k.server.store.db(0);
      expect(db.getExpire('k0')).toBe(now + 1000);
      expect(db.getExpire('k1')).toBeUndefined();
      expect(db.getExpireExact('far')).toBe(9223372036854775000n);
      expect(db.getExpire('k998')).toBe(now + 1998);
      k.clock.advance(1500);
      // Deadlines up to now + 1500 are gone (k0..k500 even), later ones and keys without TTL stay.
      expect(db.data.has('k500')).toBe(false);
      expect(db.data.has('k502')).toBe(true);
      expect(db.data.has('k1')).toBe(true);
      k.clock.advance(600);
      expect([...db.data.keys()].filter((x) => /^k\d+$/.test(x) && Number(x.slice(1)) % 2 === 0)).toEqual([]);
      expect(db.data.size).toBe(501);
    } finally {
      await k.stop();
    }
  });

  it('an 8-byte deadline cut short is a short read', () => {
    const file = writeRdb([{ index: 0, keys: ['a'], values: ['b'], expires: new Map([['a', 1893456000000]]) }]);
    // Cut inside the EXPIRETIME_MS value: the loader must refuse it with an RdbLoadError, not misread it.
    const at = file.indexOf(Buffer.from([252]));
    expect(at).toBeGreaterThan(0);
    expect(() => readRdb(file.subarray(0, at + 5))).toThrow(/Short read/);
    expect(readRdb(file).dbs[0].expires.get('a')).toBe(1893456000000);
  });
});
