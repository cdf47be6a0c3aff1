/**
 * The set type against a model: a JS Set for the members, plus Redis 7.0's
 * encoding rules (intset while every member is a canonical int64 and the
 * size stays within set-max-intset-entries; one-way conversion).
 */
import { describe, expect, it } from 'vitest';
import { compareIntMembers, isIntsetMember, RSet } from '../../src/store/types/set.js';
import { rng } from '../support/random.js';

const byValue = (a: string, b: string) => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

describe('isIntsetMember (string2ll rules, int64 range)', () => {
  it('accepts canonical integers', () => {
    for (const s of ['0', '1', '-1', '9', '10', '-10', '123456789', '9223372036854775807', '-9223372036854775808', '1000000000000000000', '-999999999999999999']) {
      expect(isIntsetMember(s), s).toBe(true);
    }
  });
  it('rejects everything else', () => {
    for (const s of ['', '-', '+1', '01', '-0', '00', '-01', ' 1', '1 ', '1.0', '1e3', '0x10', 'a', '9223372036854775808', '-9223372036854775809', '99999999999999999999', '-99999999999999999999', '123456789012345678901', '１']) {
      expect(isIntsetMember(s), JSON.stringify(s)).toBe(false);
    }
  });
  it('agrees with BigInt on the 19/20-character boundary', () => {
    const rand = rng(1);
    for (let i = 0; i < 2000; i++) {
      let s = String(1 + Math.floor(rand() * 9));
      const len = 17 + Math.floor(rand() * 4);
      while (s.length < len) s += String(Math.floor(rand() * 10));
      if (rand() < 0.5) s = '-' + s;
      const v = BigInt(s);
      expect(isIntsetMember(s), s).toBe(v >= -(2n ** 63n) && v < 2n ** 63n);
    }
  });
});

describe('compareIntMembers', () => {
  it('orders canonical integers by value', () => {
    const rand = rng(2);
    const pool = ['0', '1', '-1', '9', '10', '-9', '-10', '9223372036854775807', '-9223372036854775808'];
    for (let i = 0; i < 500; i++) {
      const mag = Math.floor(rand() * 10 ** Math.floor(rand() * 16));
      pool.push(String(rand() < 0.5 ? -mag : mag));
    }
    for (let i = 0; i < 5000; i++) {
      const a = pool[Math.floor(rand() * pool.length)];
      const b = pool[Math.floor(rand() * pool.length)];
      expect(Math.sign(compareIntMembers(a, b)), `${a} vs ${b}`).toBe(byValue(a, b));
    }
  });
});

describe('RSet', () => {
  it('starts as an empty intset', () => {
    const s = new RSet();
    expect(s.type).toBe('set');
    expect(s.size).toBe(0);
    expect(s.encoding()).toBe('intset');
    expect(s.toArray()).toEqual([]);
  });

  it('keeps an intset sorted by value and converts on a non-integer', () => {
    const s = new RSet();
    for (const m of ['3', '-5', '10', '1', '2', '10', '-100']) s.add(m);
    expect(s.toArray()).toEqual(['-100', '-5', '1', '2', '3', '10']);
    expect(s.encoding()).toBe('intset');
    expect(s.add('01')).toBe(true);
    expect(s.encoding()).toBe('hashtable');
    expect(s.size).toBe(7);
    expect(s.has('01')).toBe(true);
    expect(s.has('1')).toBe(true);
    s.delete('01');
    expect(s.encoding()).toBe('hashtable');
  });

  it('converts past set-max-intset-entries, and 0 means never an intset once it has a member', () => {
    const s = new RSet();
    for (let i = 0; i < 3; i++) s.add(String(i), 3);
    expect(s.encoding()).toBe('intset');
    s.add('1', 3); // already there: no change
    expect(s.encoding()).toBe('intset');
    s.add('3', 3);
    expect(s.encoding()).toBe('hashtable');
    expect(s.size).toBe(4);
    const z = new RSet();
    z.add('1', 0);
    expect(z.encoding()).toBe('hashtable');
  });

  it('matches a model under random operations (membership, size, order, encoding)', () => {
    for (const max of [0, 1, 5, 64, 512]) {
      const rand = rng(100 + max);
      const s = new RSet();
      const model = new Set<string>();
      let converted = false;
      const member = () => {
        const r = rand();
        if (r < 0.8) return String(Math.floor(rand() * 200) - 100);
        if (r < 0.9) return ['a', 'b', '', '01', '-0', '+3'][Math.floor(rand() * 6)];
        return ['9223372036854775807', '-9223372036854775808', '9223372036854775808'][Math.floor(rand() * 3)];
      };
      for (let i = 0; i < 4000; i++) {
        const m = member();
        const op = rand();
        if (op < 0.55) {
          const had = model.has(m);
          expect(s.add(m, max)).toBe(!had);
          if (!had) {
            model.add(m);
            if (!converted && (!isIntsetMember(m) || model.size > max)) converted = true;
          }
        } else if (op < 0.85) {
          expect(s.delete(m)).toBe(model.delete(m));
        } else if (op < 0.95) {
          if (model.size > 0) {
            const p = s.popRandom();
            expect(model.delete(p)).toBe(true);
          }
        } else {
          expect(s.has(m)).toBe(model.has(m));
        }
        expect(s.size).toBe(model.size);
        expect(s.encoding()).toBe(converted ? 'hashtable' : 'intset');
      }
      const arr = s.toArray();
      expect(new Set(arr)).toEqual(model);
      expect(arr.length).toBe(model.size);
      if (s.isIntset) expect(arr).toEqual([...model].sort(byValue));
      for (const m of model) expect(s.has(m)).toBe(true);
    }
  });

  it('random() and popRandom() pick every member, roughly uniformly', () => {
    for (const members of [['1', '2', '3', '4'], ['a', 'b', 'c', 'd']]) {
      const s = RSet.fromDistinct(members);
      const counts = new Map<string, number>();
      for (let i = 0; i < 8000; i++) {
        const m = s.random();
        counts.set(m, (counts.get(m) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...members].sort());
      for (const n of counts.values()) expect(n).toBeGreaterThan(1500);
      const popped: string[] = [];
      while (s.size > 0) popped.push(s.popRandom());
      expect(popped.sort()).toEqual([...members].sort());
    }
  });

  it('fromDistinct encodes as a set built by adding to an empty intset', () => {
    expect(RSet.fromDistinct(['3', '1', '2']).encoding()).toBe('intset');
    expect(RSet.fromDistinct(['3', '1', '2']).toArray()).toEqual(['1', '2', '3']);
    expect(RSet.fromDistinct(['3', '1', 'x']).encoding()).toBe('hashtable');
    expect(RSet.fromDistinct(['1', '2', '3'], 2).encoding()).toBe('hashtable');
    expect(RSet.fromDistinct(['1', '2'], 2).encoding()).toBe('intset');
    expect(RSet.fromDistinct([], 0).encoding()).toBe('intset');
    const big = Array.from({ length: 513 }, (_, i) => String(i));
    expect(RSet.fromDistinct(big).encoding()).toBe('hashtable');
    expect(RSet.fromDistinct(big.slice(0, 512)).encoding()).toBe('intset');
    // The input array is not taken over.
    const input = ['2', '1'];
    RSet.fromDistinct(input);
    expect(input).toEqual(['2', '1']);
  });

  it('clone() is a deep copy with the same encoding', () => {
    const a = RSet.fromDistinct(['5', '1']);
    const b = a.clone();
    expect(b.encoding()).toBe('intset');
    b.add('x');
    expect(b.encoding()).toBe('hashtable');
    expect(a.encoding()).toBe('intset');
    expect(a.toArray()).toEqual(['1', '5']);
    const h = RSet.fromDistinct(['a', 'b']);
    const h2 = h.clone();
    h2.delete('a');
    expect(h.has('a')).toBe(true);
    expect(h2.encoding()).toBe('hashtable');
    // A hashtable of integers stays a hashtable when copied (COPY keeps the encoding).
    const hi = new RSet();
    for (let i = 0; i < 600; i++) hi.add(String(i));
    for (let i = 5; i < 600; i++) hi.delete(String(i));
    expect(hi.clone().encoding()).toBe('hashtable');
  });

  it('view() and toArray(): a live view versus a copy', () => {
    const s = RSet.fromDistinct(['a', 'b']);
    const view = s.view();
    const copy = s.toArray();
    s.add('c');
    expect(view.length).toBe(3);
    expect(copy).toEqual(['a', 'b']);
    expect([...s]).toEqual(s.toArray());
  });

  it('liveIterator() survives changes: members present throughout are all visited once', () => {
    const s = new RSet();
    for (let i = 0; i < 1000; i++) s.add(`m${i}`);
    const it = s.liveIterator();
    const seen: string[] = [];
    for (let i = 0; i < 300; i++) seen.push(it.next().value as string);
    for (let i = 900; i < 1000; i++) s.delete(`m${i}`);
    for (let i = 0; i < 200; i++) s.popRandom();
    const present = new Set(s.toArray());
    for (let i = 0; i < 100; i++) s.add(`n${i}`);
    for (let r = it.next(); !r.done; r = it.next()) seen.push(r.value);
    expect(new Set(seen).size).toBe(seen.length);
    for (const m of present) expect(seen.includes(m), m).toBe(true);
  });

  it('stays consistent at 100k members (swap-removal keeps slots dense)', () => {
    const s = new RSet();
    const n = 100_000;
    for (let i = 0; i < n; i++) s.add(`k${i}`);
    expect(s.size).toBe(n);
    for (let i = 0; i < n; i += 2) s.delete(`k${i}`);
    expect(s.size).toBe(n / 2);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (s.has(`k${i}`) !== (i % 2 === 1)) wrong++;
    expect(wrong).toBe(0);
    const all = s.toArray();
    expect(new Set(all).size).toBe(n / 2);
    let missing = 0;
    for (let i = 0; i < 1000; i++) if (!s.has(s.random())) missing++;
    expect(missing).toBe(0);
  });
});
