/**
 * The sorted set's B+ tree against a sorted-array model, with random
 * operations (including enough members to split and merge nodes).
 */
import { describe, expect, it } from 'vitest';
import { DoubleReply } from '../../src/resp/reply.js';
import { ENC_MEMBERS, ENC_WITHSCORES_2, ENC_WITHSCORES_3, LEX_MAX, LEX_MIN, ZSet, type LexBound, type LexRange, type ScoreRange } from '../../src/store/types/zset.js';
import { rng } from '../support/random.js';

type Pair = [string, number];

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
  z.checkInvariants();
  // Counts: every rank resolves to the right member, and ranks round-trip.
  for (let i = 0; i < model.items.length; i++) {
    expect(z.at(i)).toEqual(model.items[i]);
    expect(z.rank(model.items[i][0])).toBe(i);
    expect(z.rank(model.items[i][0], true)).toBe(model.items.length - 1 - i);
  }
  expect(z.at(model.items.length)).toBeUndefined();
  expect(z.cursor(-1)).toBeNull();
  expect(z.first()).toEqual(model.items[0]);
  expect(z.last()).toEqual(model.items[model.items.length - 1]);
  // Cursors walk both ways from any rank.
  if (model.items.length) {
    const mid = model.items.length >> 1;
    const c = z.cursor(mid)!;
    const fwd: Pair[] = [];
    do fwd.push([c.member, c.score]);
    while (c.next());
    expect(fwd).toEqual(model.items.slice(mid));
    const b = z.cursor(mid)!;
    const back: Pair[] = [];
    do back.push([b.member, b.score]);
    while (b.prev());
    expect(back).toEqual(model.items.slice(0, mid + 1).reverse());
  }
}

const SCORES = [-Infinity, -2.5, -1, -0, 0, 0.5, 1, 1, 2, 3, 1e9, Infinity];

describe('ZSet skip list vs sorted array', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random operations (seed ${seed})`, () => {
      const r = rng(seed);
      const z = new ZSet({ entries: 1e9, value: 1e9 });
      z.convertToSkiplist();
      const m = new Model();
      const universe = seed <= 2 ? 60 : 3000;
      const member = () => 'm' + Math.floor(r() * universe);
      const score = () => (r() < 0.6 ? SCORES[Math.floor(r() * SCORES.length)] : Math.round((r() * 20 - 10) * 4) / 4);
      const range = (): ScoreRange => {
        let a = score();
        let b = score();
        if (r() < 0.8 && a > b) [a, b] = [b, a];
        return { min: a, max: b, minex: r() < 0.3, maxex: r() < 0.3 };
      };
      for (let step = 0; step < (seed <= 2 ? 1500 : 12000); step++) {
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
          expect(first < 0 ? null : z.at(first)![0]).toBe(expected.length ? expected[0][0] : null);
          expect(last < 0 ? null : z.at(last)![0]).toBe(expected.length ? expected[expected.length - 1][0] : null);
          expect(z.countInRange(rg)).toBe(expected.length);
          // The one-descent cursors agree with the ranks.
          const fc = z.firstInRangeCursor(rg);
          const lc = z.lastInRangeCursor(rg);
          expect(fc === null ? null : [fc.rank, fc.member]).toEqual(first < 0 ? null : [first, z.at(first)![0]]);
          expect(lc === null ? null : [lc.rank, lc.member]).toEqual(last < 0 ? null : [last, z.at(last)![0]]);
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
          const popped = z.pop(max);
          const expected = max ? m.items.pop() : m.items.shift();
          expect(popped).toEqual(expected);
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
        if (step % (seed <= 2 ? 50 : 1000) === 0) checkSame(z, m);
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
          const first = z.firstInLexRange(rg);
          const last = z.lastInLexRange(rg);
          expect(first < 0 ? null : z.at(first)![0]).toBe(expected.length ? expected[0][0] : null);
          expect(last < 0 ? null : z.at(last)![0]).toBe(expected.length ? expected[expected.length - 1][0] : null);
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
      const [member, score] = z.at(i)!;
      expect(score).toBe(i);
      expect(z.rank(member)).toBe(i);
    }
    z.checkInvariants();
    expect(z.deleteRangeByRank(1, n / 2)).toBe(n / 2);
    z.checkInvariants();
    expect(z.first()?.[1]).toBe(n / 2);
    expect(z.size).toBe(n / 2);
    expect(z.deleteRangeByScore({ min: n * 0.6, max: n * 0.8, minex: false, maxex: true })).toBe(n * 0.2);
    z.checkInvariants();
    // Drain from both ends down to nothing: merges and root collapse.
    let k = 0;
    while (z.size) {
      z.pop(k++ % 2 === 0);
      if (k % 500 === 0) z.checkInvariants();
    }
    z.checkInvariants();
    expect([...z]).toEqual([]);
    z.add('again', 1);
    expect([...z]).toEqual([['again', 1]]);
  });

  it('random deletions from a large set keep the tree balanced and consistent', () => {
    const r = rng(77);
    const z = new ZSet();
    const m = new Model();
    const n = 12000;
    const pairs: Pair[] = [];
    for (let i = 0; i < n; i++) pairs.push([`k${i}`, Math.floor(r() * 300)]);
    for (const [mm, s] of pairs) z.add(mm, s);
    m.items = [...pairs].sort(cmp);
    z.checkInvariants();
    const order = pairs.map((p) => p[0]).sort(() => r() - 0.5);
    for (let i = 0; i < order.length; i++) {
      expect(z.delete(order[i])).toBe(true);
      if (i % 1500 === 0) {
        z.checkInvariants();
        const left = new Set(order.slice(i + 1));
        expect([...z.members()]).toEqual(m.items.filter((p) => left.has(p[0])).map((p) => p[0]));
      }
    }
    z.checkInvariants();
    expect(z.size).toBe(0);
    // Bulk rank deletions across many leaves.
    for (const [mm, s] of pairs) z.add(mm, s);
    expect(z.deleteRank(100, 5000)).toBe(5000);
    z.checkInvariants();
    expect(z.deleteRank(z.size - 10, 100)).toBe(10);
    z.checkInvariants();
    expect(z.size).toBe(n - 5010);
    expect([...z.members()]).toEqual([...m.items.slice(0, 100), ...m.items.slice(5100, n - 10)].map((p) => p[0]));
  });
});

describe('encoded range replies', () => {
  it('encodedForward needs a second read of an unchanged set, and decodes back to the values ZRANGE returns', () => {
    const z = new ZSet({ entries: 1e9, value: 1e9 });
    const members = Array.from({ length: 150 }, (_, i) => `m${i}`);
    members.forEach((m, i) => z.add(m, i === 149 ? Infinity : i / 2));
    const read = (kind: number) => z.encodedForward(z.cursor(60)!, 80, null, kind);
    expect(read(ENC_MEMBERS)).toBeNull(); // first read: marks the leaves
    const m = read(ENC_MEMBERS)!;
    expect(m.count).toBe(80);
    expect(m.toReplies()).toEqual(members.slice(60, 140));
    const ws2 = read(ENC_WITHSCORES_2)!;
    expect(ws2.count).toBe(160);
    expect(ws2.toReplies()).toEqual(members.slice(60, 140).flatMap((x, i) => [x, new DoubleReply((60 + i) / 2)]));
    const ws3 = read(ENC_WITHSCORES_3)!;
    expect(ws3.count).toBe(80);
    expect(ws3.toReplies()).toEqual(members.slice(60, 140).map((x, i) => [x, new DoubleReply((60 + i) / 2)]));
    // inf decodes back.
    const tail = () => z.encodedForward(z.cursor(147)!, -1, null, ENC_WITHSCORES_3);
    // (its leaf may already count as read: the mark is per leaf, not per kind)
    expect((tail() ?? tail())!.toReplies()).toEqual([['m147', new DoubleReply(73.5)], ['m148', new DoubleReply(74)], ['m149', new DoubleReply(Infinity)]]);
    // A write makes every encoding stale: the next read is a first read again.
    z.add('m200', 100);
    expect(read(ENC_MEMBERS)).toBeNull();
    expect(read(ENC_MEMBERS)!.toReplies()).toEqual(members.slice(60, 140));
  });
});
