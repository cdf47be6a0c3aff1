/**
 * The skip list against a sorted-array model, with random operations.
 */
import { describe, expect, it } from 'vitest';
import { LEX_MAX, LEX_MIN, ZSet, type LexBound, type LexRange, type ScoreRange } from '../../src/store/types/zset.js';

type Pair = [string, number];

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cmp = (a: Pair, b: Pair): number => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

class Model {
  items: Pair[] = [];
  find(m: string): number {
    return this.items.findIndex((p) => p[0] === m);
  }
  add(m: string, s: number): boolean {
    const i = this.find(m);
    if (i >= 0 && this.items[i][1] === s) return false; // equal (0 == -0): unchanged, as Redis
    if (i >= 0) this.items.splice(i, 1);
    this.items.push([m, s]);
    this.items.sort(cmp);
    return i < 0;
  }
  delete(m: string): boolean {
    const i = this.find(m);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  inScore(s: number, r: ScoreRange): boolean {
    return (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max);
  }
}

function lexCmp(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
const inLex = (m: string, r: LexRange) => (r.minex ? lexCmp(m, r.min) > 0 : lexCmp(m, r.min) >= 0) && (r.maxex ? lexCmp(m, r.max) < 0 : lexCmp(m, r.max) <= 0);

function checkSame(z: ZSet, model: Model): void {
  expect(z.size).toBe(model.items.length);
  expect([...z]).toEqual(model.items);
  expect([...z.entries(true)]).toEqual([...model.items].reverse());
  // Spans: every rank resolves to the right node, and ranks round-trip.
  for (let i = 0; i < model.items.length; i++) {
    const n = z.nodeAt(i);
    expect(n?.member).toBe(model.items[i][0]);
    expect(z.rank(model.items[i][0])).toBe(i);
    expect(z.rank(model.items[i][0], true)).toBe(model.items.length - 1 - i);
  }
  expect(z.nodeAt(model.items.length)).toBeNull();
  expect(z.nodeAt(-1)).toBeNull();
  // Backward links.
  let prev = null;
  for (let x = z.first(); x !== null; x = x.forward) {
    expect(x.backward).toBe(prev);
    prev = x;
  }
  expect(z.last()).toBe(prev);
}

const SCORES = [-Infinity, -2.5, -1, -0, 0, 0.5, 1, 1, 2, 3, 1e9, Infinity];

describe('ZSet skip list vs sorted array', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random operations (seed ${seed})`, () => {
      const r = rng(seed);
      const z = new ZSet({ entries: 1e9, value: 1e9 });
      z.convertToSkiplist();
      const m = new Model();
      const member = () => 'm' + Math.floor(r() * 60);
      const score = () => (r() < 0.6 ? SCORES[Math.floor(r() * SCORES.length)] : Math.round((r() * 20 - 10) * 4) / 4);
      const range = (): ScoreRange => {
        let a = score();
        let b = score();
        if (r() < 0.8 && a > b) [a, b] = [b, a];
        return { min: a, max: b, minex: r() < 0.3, maxex: r() < 0.3 };
      };
      for (let step = 0; step < 1500; step++) {
        const op = r();
        if (op < 0.45) {
          const mm = member();
          const s = score();
          expect(z.add(mm, s)).toBe(m.add(mm, s));
        } else if (op < 0.6) {
          const mm = member();
          expect(z.delete(mm)).toBe(m.delete(mm));
        } else if (op < 0.7) {
          const rg = range();
          const expected = m.items.filter((p) => m.inScore(p[1], rg));
          const first = z.firstInRange(rg);
          const last = z.lastInRange(rg);
          expect(first?.member ?? null).toBe(expected.length ? expected[0][0] : null);
          expect(last?.member ?? null).toBe(expected.length ? expected[expected.length - 1][0] : null);
          expect(z.countInRange(rg)).toBe(expected.length);
        } else if (op < 0.75) {
          const rg = range();
          const n = m.items.filter((p) => m.inScore(p[1], rg)).length;
          m.items = m.items.filter((p) => !m.inScore(p[1], rg));
          expect(z.deleteRangeByScore(rg)).toBe(n);
        } else if (op < 0.8) {
          const len = m.items.length;
          if (len > 0) {
            const a = 1 + Math.floor(r() * len);
            const b = a + Math.floor(r() * 5);
            const end = Math.min(b, len);
            const n = end - a + 1;
            m.items.splice(a - 1, n);
            expect(z.deleteRangeByRank(a, end)).toBe(n);
          }
        } else if (op < 0.85) {
          const max = r() < 0.5;
          const node = z.pop(max);
          const expected = max ? m.items.pop() : m.items.shift();
          expect(node ? [node.member, node.score] : undefined).toEqual(expected);
        } else if (op < 0.9) {
          const mm = member();
          const i = m.find(mm);
          expect(z.score(mm)).toBe(i < 0 ? undefined : m.items[i][1]);
          expect(z.rank(mm)).toBe(i);
        } else if (op < 0.95) {
          // Score update of an existing member, possibly in place.
          if (m.items.length) {
            const [mm, s] = m.items[Math.floor(r() * m.items.length)];
            const ns = r() < 0.5 ? s + (r() < 0.5 ? 0.001 : -0.001) : score();
            z.add(mm, ns);
            m.add(mm, ns);
          }
        } else {
          const c = z.clone();
          checkSame(c, m);
        }
        if (step % 50 === 0) checkSame(z, m);
      }
      checkSame(z, m);
      z.clear();
      expect(z.size).toBe(0);
      expect([...z]).toEqual([]);
    });
  }

  it('keeps -0 in a skip list and turns it into 0 in a listpack', () => {
    const a = new ZSet();
    a.add('x', -0);
    expect(Object.is(a.score('x'), 0)).toBe(true);
    const b = new ZSet({ entries: 0, value: 64 });
    b.add('x', -0);
    expect(b.encoding()).toBe('skiplist');
    expect(Object.is(b.score('x'), -0)).toBe(true);
    b.convertToListpackIfFits({ entries: 128, value: 64 });
    expect(b.encoding()).toBe('listpack');
    expect(Object.is(b.score('x'), 0)).toBe(true);
  });

  it('converts one way when the listpack limits are exceeded', () => {
    const z = new ZSet({ entries: 3, value: 4 });
    z.add('a', 1);
    z.add('b', 2);
    z.add('c', 3);
    expect(z.encoding()).toBe('listpack');
    z.add('c', 4); // update: no conversion
    expect(z.encoding()).toBe('listpack');
    z.add('d', 5);
    expect(z.encoding()).toBe('skiplist');
    z.delete('d');
    z.delete('c');
    expect(z.encoding()).toBe('skiplist');
    const y = new ZSet({ entries: 3, value: 4 });
    y.add('abcde', 1);
    expect(y.encoding()).toBe('skiplist');
    expect(y.clone().encoding()).toBe('skiplist');
  });

  for (const listpack of [true, false]) {
    it(`lex ranges over equal scores (${listpack ? 'listpack' : 'skiplist'})`, () => {
      const r = rng(listpack ? 11 : 12);
      for (let round = 0; round < 40; round++) {
        const z = new ZSet({ entries: 1000, value: 1000 });
        if (!listpack) z.convertToSkiplist();
        const m = new Model();
        const alphabet = ['', 'a', 'aa', 'ab', 'b', 'ba', 'c', 'z', '\x00', '\xff', 'a\x00'];
        const n = Math.floor(r() * alphabet.length);
        for (let i = 0; i < n; i++) {
          const mm = alphabet[Math.floor(r() * alphabet.length)];
          z.add(mm, 7);
          m.add(mm, 7);
        }
        const bound = (): LexBound => {
          const x = r();
          if (x < 0.1) return LEX_MIN;
          if (x < 0.2) return LEX_MAX;
          return alphabet[Math.floor(r() * alphabet.length)];
        };
        for (let q = 0; q < 20; q++) {
          const min = bound();
          const max = bound();
          const rg: LexRange = { min, max, minex: typeof min !== 'string' || r() < 0.4, maxex: typeof max !== 'string' || r() < 0.4 };
          const expected = m.items.filter((p) => inLex(p[0], rg));
          expect(z.firstInLexRange(rg)?.member ?? null).toBe(expected.length ? expected[0][0] : null);
          expect(z.lastInLexRange(rg)?.member ?? null).toBe(expected.length ? expected[expected.length - 1][0] : null);
          expect(z.countInLexRange(rg)).toBe(expected.length);
        }
        const min = bound();
        const max = bound();
        const rg: LexRange = { min, max, minex: typeof min !== 'string', maxex: typeof max !== 'string' };
        const expected = m.items.filter((p) => inLex(p[0], rg)).length;
        m.items = m.items.filter((p) => !inLex(p[0], rg));
        expect(z.deleteRangeByLex(rg)).toBe(expected);
        checkSame(z, m);
      }
    });
  }

  it('grows and shrinks large sets with flat rank cost', () => {
    const z = new ZSet();
    const n = 20000;
    for (let i = 0; i < n; i++) z.add('k' + i, (i * 7919) % n);
    expect(z.size).toBe(n);
    expect(z.encoding()).toBe('skiplist');
    for (let i = 0; i < n; i += 997) {
      const node = z.nodeAt(i);
      expect(node?.score).toBe(i);
      expect(z.rank(node!.member)).toBe(i);
    }
    expect(z.deleteRangeByRank(1, n / 2)).toBe(n / 2);
    expect(z.first()?.score).toBe(n / 2);
    expect(z.size).toBe(n / 2);
  });
});
