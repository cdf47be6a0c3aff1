/**
 * RString (store/types/string.ts): the in-place string value, checked against
 * a plain-string model through random sequences of changes that cross the
 * small (JS string) / large (Buffer) boundary.
 */
import { describe, expect, it } from 'vitest';
import { RString } from '../../src/store/types/string.js';

function prng(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

const bytes = (rnd: (n: number) => number, n: number) => Array.from({ length: n }, () => String.fromCharCode(rnd(256))).join('');

/** The model of write(): zero-pad up to off, then overwrite. */
function modelWrite(s: string, off: number, data: string): string {
  if (off > s.length) s += '\0'.repeat(off - s.length);
  return s.slice(0, off) + data + s.slice(off + data.length);
}

describe('RString', () => {
  it('from / zeros / fromBuffer / toString', () => {
    expect(RString.from('abc').toString()).toBe('abc');
    expect(RString.from('x'.repeat(1000)).toString()).toBe('x'.repeat(1000));
    expect(RString.zeros(3).toString()).toBe('\0\0\0');
    expect(RString.zeros(500).toString()).toBe('\0'.repeat(500));
    expect(RString.fromBuffer(Buffer.from([1, 255])).toString()).toBe('\x01\xff');
    expect(RString.fromBuffer(Buffer.alloc(100, 7)).length).toBe(100);
    expect(String(RString.from('q'))).toBe('q');
  });

  it('encoding: raw, or embstr until changed', () => {
    expect(RString.from('a').encoding()).toBe('raw');
    const e = RString.from('3', 'embstr');
    expect(e.encoding()).toBe('embstr');
    expect(e.clone().encoding()).toBe('embstr');
    e.append('');
    expect(e.encoding()).toBe('raw');
    const f = RString.from('3', 'embstr');
    f.write(0, '4');
    expect(f.encoding()).toBe('raw');
  });

  it('clone is independent', () => {
    const a = RString.from('hello world, a value long enough for buffer mode ............................');
    const b = a.clone();
    a.write(0, 'J');
    a.append('!');
    expect(b.toString().startsWith('hello')).toBe(true);
    expect(a.toString().startsWith('Jello')).toBe(true);
    expect(b.length).toBe(a.length - 1);
  });

  it('matches a string model under random appends, writes, grows and byte sets', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed);
      let model = bytes(rnd, rnd(10));
      const r = RString.from(model);
      for (let step = 0; step < 400; step++) {
        const op = rnd(6);
        if (op === 0) {
          const d = bytes(rnd, rnd(40));
          r.append(d);
          model += d;
        } else if (op === 1) {
          const off = rnd(model.length + 60);
          const d = bytes(rnd, rnd(30));
          r.write(off, d);
          model = modelWrite(model, off, d);
        } else if (op === 2) {
          const n = rnd(model.length + 80);
          r.growZero(n);
          if (n > model.length) model += '\0'.repeat(n - model.length);
        } else if (op === 3 && model.length > 0) {
          const i = rnd(model.length);
          const v = rnd(256);
          r.setByte(i, v);
          model = model.slice(0, i) + String.fromCharCode(v) + model.slice(i + 1);
        } else if (op === 4) {
          expect(r.toString()).toBe(model);
        } else if (model.length > 0) {
          const a = rnd(model.length);
          const b = a + rnd(model.length - a + 1);
          expect(r.slice(a, b)).toBe(model.slice(a, b));
          expect(r.view(a, b).latin1Slice()).toBe(model.slice(a, b));
          expect(r.byteAt(a)).toBe(model.charCodeAt(a));
        }
        expect(r.length).toBe(model.length);
      }
      expect(r.toString()).toBe(model);
    }
  });

  it('write past the end of a large value zero-fills the gap', () => {
    const r = RString.from('a'.repeat(100));
    r.write(200, 'z');
    expect(r.length).toBe(201);
    expect(r.toString()).toBe('a'.repeat(100) + '\0'.repeat(100) + 'z');
    // Capacity beyond the length stays zero: growing again exposes zeros only.
    r.growZero(300);
    expect(r.slice(201, 300)).toBe('\0'.repeat(99));
  });

  it('large appends are amortised: capacity grows geometrically', () => {
    const r = RString.from('');
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 64; i++) r.append(chunk);
    expect(r.length).toBe(64 * chunk.length);
    expect(r.slice(r.length - 3, r.length)).toBe('xxx');
  });
});
