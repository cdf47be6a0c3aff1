/**
 * The HyperLogLog representation (src/store/hll.ts) against independent
 * models: MurmurHash64A in BigInt arithmetic, registers as a plain byte
 * array, a straightforward decoder of the dense and sparse formats.
 * Byte-exactness against Redis itself is proven by the differential tests.
 */
import { describe, expect, it } from 'vitest';
import {
  cachedCard,
  countHll,
  countRaw,
  decodeSparse,
  denseAddInPlace,
  Hll,
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  invalidateInPlace,
  isValidHll,
  mergeInto,
  murmurHash64A,
  patLen,
  selfTest,
  setCachedCardInPlace,
} from '../../src/store/hll.js';
import { RString } from '../../src/store/types/string.js';
import { rng } from '../support/random.js';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A as in Redis, in BigInt arithmetic. */
function refMurmur(s: string): bigint {
  const b = Buffer.from(s, 'latin1');
  const len = b.length;
  let h = (0xadc83b19n ^ (BigInt(len) * M)) & MASK;
  const end = len - (len & 7);
  for (let i = 0; i < end; i += 8) {
    let k = b.readBigUInt64LE(i);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const r = len & 7;
  if (r) {
    for (let j = r - 1; j >= 0; j--) h ^= BigInt(b[end + j]) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

function refPatLen(s: string): { index: number; count: number } {
  const h = refMurmur(s);
  const index = Number(h & 16383n);
  let rest = (h >> 14n) | (1n << 50n);
  let count = 1;
  while ((rest & 1n) === 0n) {
    count++;
    rest >>= 1n;
  }
  return { index, count };
}

function randomBinary(rand: () => number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

/** Registers of an HLL's bytes, decoded the obvious way; null when the sparse form is invalid. */
function registersOf(b: Uint8Array): Uint8Array | null {
  const regs = new Uint8Array(HLL_REGISTERS);
  if (b[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const bit = i * 6;
      let v = 0;
      for (let k = 0; k < 6; k++) {
        const pos = bit + k;
        if (b[16 + (pos >> 3)] & (1 << (pos & 7))) v |= 1 << k;
      }
      regs[i] = v;
    }
    return regs;
  }
  let idx = 0;
  for (let p = 16; p < b.length; ) {
    const op = b[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 63) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += ((op & 63) << 8) + (b[p + 1] ?? 0) + 1;
      p += 2;
    } else {
      const v = ((op >> 2) & 31) + 1;
      const n = (op & 3) + 1;
      for (let k = 0; k < n; k++) {
        if (idx >= HLL_REGISTERS) return null;
        regs[idx++] = v;
      }
      p++;
    }
  }
  return idx === HLL_REGISTERS ? regs : null;
}

/** The first register where two register arrays differ, as text ('' when equal: toEqual on 16k-element typed arrays is slow). */
function diff(a: Uint8Array | null, b: Uint8Array): string {
  if (a === null) return 'invalid HLL';
  for (let i = 0; i < HLL_REGISTERS; i++) if (a[i] !== b[i]) return `register ${i}: ${a[i]} != ${b[i]}`;
  return '';
}

const sparseOf = (ops: number[], card = [0, 0, 0, 0, 0, 0, 0, 0x80]) => Uint8Array.from([72, 89, 76, 76, HLL_SPARSE, 0, 0, 0, ...card, ...ops]);

describe('MurmurHash64A', () => {
  it('matches a BigInt implementation for every tail length and random binary input', () => {
    const rand = rng(7);
    for (let len = 0; len <= 80; len++) {
      for (let rep = 0; rep < 5; rep++) {
        const s = randomBinary(rand, len);
        expect(murmurHash64A(s), JSON.stringify(s)).toBe(refMurmur(s));
      }
    }
    for (let i = 0; i < 300; i++) {
      const s = randomBinary(rand, Math.floor(rand() * 2000));
      expect(murmurHash64A(s)).toBe(refMurmur(s));
    }
    // Bytes with the high bit set in every position of a block.
    expect(murmurHash64A('\xff'.repeat(64))).toBe(refMurmur('\xff'.repeat(64)));
    expect(murmurHash64A('\x80\x00\xff\x7f\x01\xfe\x00\x80\x81')).toBe(refMurmur('\x80\x00\xff\x7f\x01\xfe\x00\x80\x81'));
  });

  it('register index and run length (1..51) as hllPatLen', () => {
    const rand = rng(11);
    for (let i = 0; i < 5000; i++) {
      const s = i % 2 ? `element:${i}` : randomBinary(rand, 1 + Math.floor(rand() * 40));
      expect(patLen(s)).toEqual(refPatLen(s));
    }
  });
});

describe('Hll against a register model', () => {
  it('PFADD one element at a time: same registers, same return values, sparse then dense', () => {
    const rand = rng(3);
    const h = Hll.create();
    const model = new Uint8Array(HLL_REGISTERS);
    let sawSparse = 0;
    for (let i = 0; i < 6000; i++) {
      const ele = i % 3 === 0 ? randomBinary(rand, 1 + Math.floor(rand() * 20)) : `user:${Math.floor(rand() * 4000)}`;
      const { index, count } = refPatLen(ele);
      const changed = count > model[index];
      if (changed) model[index] = count;
      expect(h.add(ele, 3000)).toBe(changed ? 1 : 0);
      if (h.encoding === HLL_SPARSE) {
        sawSparse++;
        expect(h.len).toBeLessThanOrEqual(3000);
      }
      if (i % 97 === 0 || i < 300) expect(diff(registersOf(h.bytes()), model)).toBe('');
    }
    expect(sawSparse).toBeGreaterThan(500);
    expect(h.encoding).toBe(HLL_DENSE);
    expect(h.len).toBe(HLL_DENSE_SIZE);
    expect(diff(registersOf(h.bytes()), model)).toBe('');
    expect(h.count()).toBe(countRaw(model));
  });

  it('sparse splits and merges (clustered registers, small values) keep the registers right', () => {
    const rand = rng(5);
    for (let round = 0; round < 8; round++) {
      const h = Hll.create();
      const model = new Uint8Array(HLL_REGISTERS);
      const base = Math.floor(rand() * (HLL_REGISTERS - 300));
      for (let i = 0; i < 400; i++) {
        const index = rand() < 0.1 ? Math.floor(rand() * HLL_REGISTERS) : base + Math.floor(rand() * 200);
        const count = 1 + Math.floor(rand() * 4);
        const expected = count > model[index] ? 1 : 0;
        if (expected) model[index] = count;
        expect(h.set(index, count, 1e9)).toBe(expected);
        expect(h.encoding).toBe(HLL_SPARSE);
        if (i < 100 || i % 5 === 0) expect(diff(registersOf(h.bytes()), model)).toBe('');
      }
      // Runs of equal values were merged into VAL opcodes of length > 1.
      expect(decodeSparse(h.bytes())).toMatch(/v:\d+,[234]/);
      const dense = Hll.from(h.bytes());
      expect(dense.toDense()).toBe(true);
      expect(diff(registersOf(dense.bytes()), model)).toBe('');
      expect(dense.count()).toBe(h.count());
      expect(h.count()).toBe(countRaw(model));
    }
  });

  it('first, last and neighbouring registers', () => {
    const h = Hll.create();
    const model = new Uint8Array(HLL_REGISTERS);
    for (const [i, v] of [
      [0, 3],
      [16383, 5],
      [1, 3],
      [16382, 5],
      [2, 3],
      [3, 3],
      [4, 3],
      [64, 1],
      [65, 2],
      [63, 1],
      [16381, 6],
    ] as const) {
      model[i] = v;
      expect(h.set(i, v, 1e9)).toBe(1);
      expect(diff(registersOf(h.bytes()), model)).toBe('');
    }
    expect(decodeSparse(h.bytes())).toBe('v:3,4 v:3,1 z:58 v:1,2 v:2,1 Z:16315 v:6,1 v:5,2');
  });

  it('promotes to dense for a value above 32, keeping the header bytes', () => {
    const h = Hll.from(sparseOf([0x7f, 0xff], [1, 2, 3, 4, 5, 6, 7, 8]));
    h.buf[5] = 9; // unused header bytes travel with the value
    expect(h.set(100, 32, 1e9)).toBe(1);
    expect(h.encoding).toBe(HLL_SPARSE);
    expect(h.set(200, 33, 1e9)).toBe(1);
    expect(h.encoding).toBe(HLL_DENSE);
    const b = h.bytes();
    expect([...b.subarray(0, 16)]).toEqual([72, 89, 76, 76, 0, 9, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0x88]);
    const regs = registersOf(b) as Uint8Array;
    expect(regs[100]).toBe(32);
    expect(regs[200]).toBe(33);
  });

  it('promotes to dense when a split would pass hll-sparse-max-bytes (checked before merging neighbours)', () => {
    let h = Hll.create(); // 18 bytes
    expect(h.set(1000, 1, 21)).toBe(1); // XZERO VAL XZERO: 21 bytes
    expect(h.encoding).toBe(HLL_SPARSE);
    expect(h.len).toBe(21);
    // VAL XZERO in place of XZERO needs 22 bytes before v:1,1 v:1,1 merge back to 21: promoted.
    expect(h.set(1001, 1, 21)).toBe(1);
    expect(h.encoding).toBe(HLL_DENSE);
    let regs = registersOf(h.bytes()) as Uint8Array;
    expect([regs[1000], regs[1001]]).toEqual([1, 1]);

    h = Hll.create();
    expect(h.set(1000, 1, 22)).toBe(1);
    expect(h.set(1001, 1, 22)).toBe(1);
    expect(h.encoding).toBe(HLL_SPARSE);
    expect(h.len).toBe(21);
    expect(decodeSparse(h.bytes())).toBe('Z:1000 v:1,2 Z:15382');
    expect(h.set(5000, 2, 22)).toBe(1); // would need 24 bytes
    expect(h.encoding).toBe(HLL_DENSE);
    regs = registersOf(h.bytes()) as Uint8Array;
    expect([regs[1000], regs[1001], regs[5000]]).toEqual([1, 1, 2]);
  });

  it('estimates within a few standard errors and agrees between encodings', () => {
    for (const n of [1, 10, 100, 1000, 20000]) {
      const h = Hll.create();
      const model = new Uint8Array(HLL_REGISTERS);
      for (let i = 0; i < n; i++) {
        h.add(`n${n}:${i}`, 3000);
        const { index, count } = refPatLen(`n${n}:${i}`);
        if (count > model[index]) model[index] = count;
      }
      const c = h.count();
      expect(c).toBe(countRaw(model));
      expect(Math.abs(c - n)).toBeLessThanOrEqual(Math.max(1, Math.ceil(n * 0.0081 * 5)));
    }
    expect(countRaw(new Uint8Array(HLL_REGISTERS))).toBe(0);
  });
});

describe('in-place changes to a stored RString (PFADD on dense, PFCOUNT cache)', () => {
  it('denseAddInPlace on an RString gives the bytes and return values of the working copy', () => {
    const h = Hll.create();
    for (let i = 0; i < 3000; i++) h.add(`seed:${i}`, 3000);
    expect(h.encoding).toBe(HLL_DENSE);
    const r = RString.fromBuffer(Buffer.from(h.bytes()));
    const before = r.toString(); // a cached string form must not go stale
    const rand = rng(21);
    for (let round = 0; round < 50; round++) {
      const els = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => (rand() < 0.3 ? `seed:${Math.floor(rand() * 3000)}` : randomBinary(rand, 1 + Math.floor(rand() * 16))));
      let expected = 0;
      for (const e of els) expected += h.add(e, 3000);
      expect(denseAddInPlace(r, ['key', ...els], 1)).toBe(expected);
      expect(r.toString() === h.bytes().latin1Slice(), `round ${round}`).toBe(true);
    }
    expect(r.toString()).not.toBe(before);
    invalidateInPlace(r);
    expect(r.byteAt(15) & 0x80).toBe(0x80);
    setCachedCardInPlace(r, 4000);
    expect(cachedCard(Buffer.from(r.toString(), 'latin1'))).toBe(4000);
    expect(countHll(Buffer.from(r.toString(), 'latin1'))).toBe(h.count());
  });
});

describe('validation, corruption, cache, merge', () => {
  it('isValidHll: magic, encoding, dense length', () => {
    expect(isValidHll(Hll.create().bytes())).toBe(true);
    expect(isValidHll(Buffer.from('HYLL'))).toBe(false);
    expect(isValidHll(sparseOf([]))).toBe(true); // header only: valid for the type check
    const bad = sparseOf([0x7f, 0xff]);
    bad[4] = 2;
    expect(isValidHll(bad)).toBe(false);
    bad[4] = 0;
    expect(isValidHll(bad)).toBe(false); // dense of the wrong length
    const dense = Buffer.alloc(HLL_DENSE_SIZE);
    dense.latin1Write('HYLL', 0);
    expect(isValidHll(dense)).toBe(true);
    expect(isValidHll(dense.subarray(0, HLL_DENSE_SIZE - 1))).toBe(false);
    dense[0] = 104; // 'h'
    expect(isValidHll(dense)).toBe(false);
  });

  it('sparse values that do not cover exactly 16384 registers are corrupted', () => {
    for (const ops of [[], [0x7f, 0xfe], [0x7f, 0xff, 0x00], [0x7f], [0xff, 0x7f, 0xff]]) {
      const b = sparseOf(ops);
      expect(countHll(b), JSON.stringify(ops)).toBe(-1);
      expect(mergeInto(new Uint8Array(HLL_REGISTERS), b)).toBe(false);
      expect(Hll.from(b).toDense()).toBe(false);
    }
    // Opcodes past register 16384 are rejected too (Redis with the CVE-2025-32023 fix).
    for (const ops of [
      [0x7f, 0xfe, 0x84, 0x80],
      [0x7f, 0xff, 0x40, 0x00],
    ]) {
      const b = sparseOf(ops);
      expect(countHll(b)).toBe(-1);
      expect(mergeInto(new Uint8Array(HLL_REGISTERS), b)).toBe(false);
      expect(Hll.from(b).toDense()).toBe(false);
    }
    // A register past the covered range cannot be set; registers inside it can.
    const short = Hll.from(sparseOf([0x7f, 0xfe]));
    expect(short.set(16383, 1, 3000)).toBe(-1);
    expect(short.set(10, 1, 3000)).toBe(1);
    expect(short.set(10, 40, 3000)).toBe(-1); // promotion fails
    expect(short.encoding).toBe(HLL_SPARSE);
    expect(Hll.from(sparseOf([])).set(0, 1, 3000)).toBe(-1);
  });

  it('cached cardinality: valid bit, little endian, beyond 2^53 as bigint', () => {
    expect(cachedCard(sparseOf([0x7f, 0xff], [3, 0, 0, 0, 0, 0, 0, 0]))).toBe(3);
    expect(cachedCard(sparseOf([0x7f, 0xff], [3, 0, 0, 0, 0, 0, 0, 0x80]))).toBe(null);
    expect(cachedCard(sparseOf([0x7f, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]))).toBe(2 ** 53 - 1);
    expect(cachedCard(sparseOf([0x7f, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBe(2n ** 63n - 1n);
    const h = Hll.create();
    h.setCachedCard(0x123456789a);
    expect([...h.bytes().subarray(8, 16)]).toEqual([0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0, 0]);
    h.invalidateCache();
    expect(h.bytes()[15]).toBe(0x80);
  });

  it('mergeInto takes the maximum of dense and sparse registers', () => {
    const a = Hll.create();
    const b = Hll.create();
    const model = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < 3000; i++) {
      const e = `m:${i}`;
      (i % 2 ? a : b).add(e, 3000);
      const { index, count } = refPatLen(e);
      if (count > model[index]) model[index] = count;
    }
    expect(a.encoding).toBe(HLL_SPARSE);
    expect(b.toDense()).toBe(true);
    const max = new Uint8Array(HLL_REGISTERS);
    expect(mergeInto(max, a.bytes())).toBe(true);
    expect(mergeInto(max, b.bytes())).toBe(true);
    expect(diff(max, model)).toBe('');
  });

  it('decodeSparse', () => {
    expect(decodeSparse(Hll.create().bytes())).toBe('Z:16384');
    expect(decodeSparse(sparseOf([]))).toBe('');
    expect(decodeSparse(sparseOf([0x00, 0x3f, 0x80, 0xff, 0x40, 0x00, 0x7f]))).toBe('z:1 z:64 v:1,1 v:32,4 Z:1 Z:16129');
  });
});

describe('PFSELFTEST', () => {
  it('passes (register access, 10M elements dense vs sparse, error bounds)', () => {
    expect(selfTest(3000, rng(99))).toBe(null);
  });
});
