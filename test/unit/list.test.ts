import { describe, expect, it } from 'vitest';
import { RList } from '../../src/store/types/list.js';
import { rng } from '../support/random.js';

/** LRANGE on a plain array. */
function modelRange(a: string[], start: number, stop: number): string[] {
  const n = a.length;
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return [];
  if (stop >= n) stop = n - 1;
  return a.slice(start, stop + 1);
}

function modelRemoveValue(a: string[], v: string, limit: number, fromTail: boolean): number {
  let removed = 0;
  if (!fromTail) {
    for (let i = 0; i < a.length; ) {
      if (a[i] === v && (limit === 0 || removed < limit)) {
        a.splice(i, 1);
        removed++;
      } else i++;
    }
  } else {
    for (let i = a.length - 1; i >= 0; i--) {
      if (a[i] === v && (limit === 0 || removed < limit)) {
        a.splice(i, 1);
        removed++;
      }
    }
  }
  return removed;
}

describe('RList basics', () => {
  it('is a list with quicklist encoding', () => {
    const l = new RList();
    expect(l.type).toBe('list');
    expect(l.encoding()).toBe('quicklist');
    l.pushTail('a');
    expect(l.encoding()).toBe('quicklist');
  });

  it('push and pop at both ends', () => {
    const l = new RList();
    expect(l.popHead()).toBeUndefined();
    expect(l.popTail()).toBeUndefined();
    expect(l.pushTail('b')).toBe(1);
    expect(l.pushHead('a')).toBe(2);
    expect(l.pushTail('c')).toBe(3);
    expect(l.toArray()).toEqual(['a', 'b', 'c']);
    expect(l.first()).toBe('a');
    expect(l.last()).toBe('c');
    expect(l.popHead()).toBe('a');
    expect(l.popTail()).toBe('c');
    expect(l.popTail()).toBe('b');
    expect(l.length).toBe(0);
    expect(l.first()).toBeUndefined();
    expect(l.last()).toBeUndefined();
  });

  it('at/set with negative indexes and out of range', () => {
    const l = RList.fromArray(['a', 'b', 'c']);
    expect(l.at(0)).toBe('a');
    expect(l.at(-1)).toBe('c');
    expect(l.at(-3)).toBe('a');
    expect(l.at(-4)).toBeUndefined();
    expect(l.at(3)).toBeUndefined();
    expect(l.at(9e18)).toBeUndefined();
    expect(l.at(-9e18)).toBeUndefined();
    expect(l.set(-1, 'z')).toBe(true);
    expect(l.set(3, 'q')).toBe(false);
    expect(l.set(-4, 'q')).toBe(false);
    expect(l.toArray()).toEqual(['a', 'b', 'z']);
  });

  it('wraps around the ring buffer', () => {
    const l = new RList();
    for (let i = 0; i < 4; i++) l.pushTail(String(i));
    const cap = l.capacity;
    // Rotate many times without growing: head moves all around the buffer.
    for (let r = 0; r < 10; r++) {
      l.pushTail(l.popHead() as string);
      expect(l.capacity).toBe(cap);
    }
    expect(l.toArray()).toEqual(['2', '3', '0', '1']);
    for (let r = 0; r < 7; r++) l.pushHead(l.popTail() as string);
    expect(l.toArray()).toEqual(['3', '0', '1', '2']);
    expect(l.range(1, 2)).toEqual(['0', '1']);
    expect(l.range(-3, -1)).toEqual(['0', '1', '2']);
  });

  it('grows from either end and keeps order', () => {
    const l = new RList();
    const model: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) {
        l.pushHead(`h${i}`);
        model.unshift(`h${i}`);
      } else {
        l.pushTail(`t${i}`);
        model.push(`t${i}`);
      }
    }
    expect(l.toArray()).toEqual(model);
    expect(l.capacity).toBeGreaterThanOrEqual(1000);
    expect(l.capacity).toBeLessThanOrEqual(2048);
  });

  it('shrinks as it empties', () => {
    const l = new RList();
    for (let i = 0; i < 10000; i++) l.pushTail(String(i));
    const big = l.capacity;
    for (let i = 0; i < 9990; i++) l.popHead();
    expect(l.capacity).toBeLessThan(big / 100);
    expect(l.toArray()).toEqual(['9990', '9991', '9992', '9993', '9994', '9995', '9996', '9997', '9998', '9999']);
    while (l.length) l.popTail();
    expect(l.capacity).toBeLessThanOrEqual(16);
  });

  it('inserts in the middle on either side', () => {
    const l = RList.fromArray(['a', 'b', 'c', 'd', 'e']);
    l.insert(1, 'x'); // front half
    l.insert(5, 'y'); // back half
    l.insert(0, 'H');
    l.insert(l.length, 'T');
    expect(l.toArray()).toEqual(['H', 'a', 'x', 'b', 'c', 'd', 'y', 'e', 'T']);
    expect(() => l.insert(-1, 'z')).toThrow(RangeError);
    expect(() => l.insert(l.length + 1, 'z')).toThrow(RangeError);
  });

  it('removes from the middle on either side', () => {
    const l = RList.fromArray(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(l.remove(1)).toBe('b');
    expect(l.remove(3)).toBe('e');
    expect(l.remove(0)).toBe('a');
    expect(l.remove(l.length - 1)).toBe('f');
    expect(l.toArray()).toEqual(['c', 'd']);
    expect(() => l.remove(2)).toThrow(RangeError);
  });

  it('range follows LRANGE', () => {
    const l = RList.fromArray(['a', 'b', 'c', 'd']);
    expect(l.range(0, -1)).toEqual(['a', 'b', 'c', 'd']);
    expect(l.range(-100, 100)).toEqual(['a', 'b', 'c', 'd']);
    expect(l.range(2, 1)).toEqual([]);
    expect(l.range(4, 10)).toEqual([]);
    expect(l.range(-2, -1)).toEqual(['c', 'd']);
    expect(l.range(0, -5)).toEqual([]);
    expect(new RList().range(0, -1)).toEqual([]);
  });

  it('trim follows LTRIM', () => {
    const l = RList.fromArray(['a', 'b', 'c', 'd', 'e']);
    l.trim(1, -2);
    expect(l.toArray()).toEqual(['b', 'c', 'd']);
    l.trim(0, 100);
    expect(l.toArray()).toEqual(['b', 'c', 'd']);
    l.trim(5, 10);
    expect(l.length).toBe(0);
  });

  it('removeValue from head and tail with limits', () => {
    const src = ['a', 'x', 'b', 'x', 'c', 'x'];
    let l = RList.fromArray(src);
    expect(l.removeValue('x', 2)).toBe(2);
    expect(l.toArray()).toEqual(['a', 'b', 'c', 'x']);
    l = RList.fromArray(src);
    expect(l.removeValue('x', 2, true)).toBe(2);
    expect(l.toArray()).toEqual(['a', 'x', 'b', 'c']);
    l = RList.fromArray(src);
    expect(l.removeValue('x')).toBe(3);
    expect(l.toArray()).toEqual(['a', 'b', 'c']);
    expect(l.removeValue('nope')).toBe(0);
    expect(l.removeValue('nope', 0, true)).toBe(0);
  });

  it('indexOf / lastIndexOf / iteration / clone', () => {
    const l = RList.fromArray(['a', 'b', 'a']);
    expect(l.indexOf('a')).toBe(0);
    expect(l.indexOf('a', 1)).toBe(2);
    expect(l.indexOf('z')).toBe(-1);
    expect(l.lastIndexOf('a')).toBe(2);
    expect(l.lastIndexOf('a', 1)).toBe(0);
    expect([...l]).toEqual(['a', 'b', 'a']);
    const c = l.clone();
    c.pushTail('q');
    expect(l.length).toBe(3);
    expect(c.toArray()).toEqual(['a', 'b', 'a', 'q']);
  });

  it('fromArray copies its input', () => {
    const src = ['a', 'b'];
    const l = RList.fromArray(src);
    src.push('c');
    l.pushHead('z');
    expect(l.toArray()).toEqual(['z', 'a', 'b']);
    expect(src).toEqual(['a', 'b', 'c']);
  });

  it('binary strings round-trip', () => {
    const bin = '\x00\xff\r\n\x80';
    const l = new RList();
    l.pushTail(bin);
    expect(l.at(0)).toBe(bin);
    expect(l.indexOf(bin)).toBe(0);
  });
});

describe('RList against a plain-array model', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`random operations (seed ${seed})`, () => {
      const rand = rng(seed);
      const l = new RList();
      const m: string[] = [];
      const val = () => String.fromCharCode(97 + Math.floor(rand() * 4)); // small alphabet: many duplicates
      const idx = (extra = 0) => Math.floor(rand() * (m.length + extra));
      for (let step = 0; step < 5000; step++) {
        // Bias towards growth early, shrinking later, so the buffer grows, wraps and shrinks.
        const phase = step < 2000 ? 0.3 : step < 3500 ? 0 : -0.3;
        const r = rand() + phase;
        const op = Math.floor(rand() * 12);
        if (r > 0.5 && op < 6) {
          const v = val();
          if (op % 2) {
            expect(l.pushHead(v)).toBe(m.unshift(v));
          } else {
            expect(l.pushTail(v)).toBe(m.push(v));
          }
          continue;
        }
        switch (op) {
          case 0:
            expect(l.popHead()).toBe(m.shift());
            break;
          case 1:
            expect(l.popTail()).toBe(m.pop());
            break;
          case 2: {
            const i = idx(1);
            const v = val();
            l.insert(i, v);
            m.splice(i, 0, v);
            break;
          }
          case 3:
            if (m.length) {
              const i = idx();
              expect(l.remove(i)).toBe(m.splice(i, 1)[0]);
            }
            break;
          case 4: {
            const i = idx(2) - Math.floor(m.length / 2);
            const v = val();
            const ok = l.set(i, v);
            const j = i < 0 ? i + m.length : i;
            expect(ok).toBe(j >= 0 && j < m.length);
            if (ok) m[j] = v;
            break;
          }
          case 5: {
            const a = Math.floor(rand() * (m.length + 4)) - Math.floor(m.length / 2) - 2;
            const b = Math.floor(rand() * (m.length + 4)) - Math.floor(m.length / 2) - 2;
            expect(l.range(a, b)).toEqual(modelRange(m, a, b));
            break;
          }
          case 6: {
            const v = val();
            const limit = Math.floor(rand() * 3);
            const fromTail = rand() < 0.5;
            expect(l.removeValue(v, limit, fromTail)).toBe(modelRemoveValue(m, v, limit, fromTail));
            break;
          }
          case 7:
            if (rand() < 0.1) {
              const a = Math.floor(rand() * 6) - 3;
              const b = m.length - Math.floor(rand() * 6);
              l.trim(a, b);
              const kept = modelRange(m, a, b);
              m.length = 0;
              m.push(...kept);
            }
            break;
          case 8: {
            const s = idx();
            const c = Math.floor(rand() * 5);
            const removed = l.removeRange(s, c);
            const expected = m.splice(s, c).length;
            expect(removed).toBe(expected);
            break;
          }
          case 9: {
            const v = val();
            expect(l.indexOf(v)).toBe(m.indexOf(v));
            expect(l.lastIndexOf(v)).toBe(m.lastIndexOf(v));
            break;
          }
          default: {
            const i = idx(1) - Math.floor(m.length / 2);
            expect(l.at(i)).toBe(m.at(i));
          }
        }
        expect(l.length).toBe(m.length);
        expect(l.capacity).toBeGreaterThanOrEqual(m.length);
        if (m.length > 8) expect(l.capacity).toBeLessThanOrEqual(m.length * 4);
        if (step % 97 === 0) expect(l.toArray()).toEqual(m);
      }
      expect(l.toArray()).toEqual(m);
    });
  }
});
