/**
 * The stream data structure (store/types/stream.ts) against plain models:
 * entries in a sorted array, PELs in a sorted array, with random operations
 * (enough entries to fill many nodes), IDs across the whole 64-bit range.
 */
import { describe, expect, it } from 'vitest';
import { cmpId, decrId, IdMap, incrId, MAX_ID, MIN_ID, RStream, u64, U64_MAX, type StreamID, type U64 } from '../../src/store/types/stream.js';
import { string2ull } from '../../src/commands/streams.js';
import { ENCODED_NESTED, EncodedArray } from '../../src/resp/reply.js';
import { rng } from '../support/random.js';

interface MEntry {
  ms: bigint;
  seq: bigint;
  fv: string[];
  deleted: boolean;
}

const big = (id: StreamID): [bigint, bigint] => [BigInt(id.ms), BigInt(id.seq)];
const mcmp = (a: [bigint, bigint], b: [bigint, bigint]) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : 0);

function modelRange(m: MEntry[], start: StreamID, end: StreamID, count: number, rev: boolean): string[] {
  const s = big(start);
  const e = big(end);
  let out = m.filter((x) => !x.deleted && mcmp([x.ms, x.seq], s) >= 0 && mcmp([x.ms, x.seq], e) <= 0);
  if (rev) out = out.reverse();
  if (count > 0) out = out.slice(0, count);
  return out.map((x) => `${x.ms}-${x.seq}:${x.fv.join(',')}`);
}
const show = (r: Array<{ ms: U64; seq: U64; fv: string[] }>) => r.map((x) => `${x.ms}-${x.seq}:${x.fv.join(',')}`);

describe('u64 IDs', () => {
  it('canonical numbers below 2^53, bigints above; incr/decr across the boundaries', () => {
    expect(u64(9007199254740991n)).toBe(9007199254740991);
    expect(u64(9007199254740992n)).toBe(9007199254740992n);
    expect(incrId({ ms: 5, seq: 9007199254740991 })).toEqual({ ms: 5, seq: 9007199254740992n });
    expect(incrId({ ms: 5, seq: U64_MAX })).toEqual({ ms: 6, seq: 0 });
    expect(incrId(MAX_ID)).toBeNull();
    expect(decrId(MIN_ID)).toBeNull();
    expect(decrId({ ms: 7, seq: 0 })).toEqual({ ms: 6, seq: U64_MAX });
    expect(decrId({ ms: 9007199254740992n, seq: 0 })).toEqual({ ms: 9007199254740991, seq: U64_MAX });
    expect(cmpId(1, 9007199254740992n, 1, 9007199254740991)).toBe(1);
    expect(cmpId(U64_MAX, 0, 2, 5)).toBe(1);
  });

  it('string2ull follows Redis (string2ll, then strtoull)', () => {
    expect(string2ull('0')).toBe(0);
    expect(string2ull('18446744073709551615')).toBe(U64_MAX);
    expect(string2ull('18446744073709551616')).toBeNull();
    expect(string2ull('-1')).toBeNull();
    expect(string2ull('007')).toBe(7);
    expect(string2ull(' +7')).toBe(7);
    expect(string2ull('-0')).toBe(0);
    expect(string2ull('-05')).toBe(18446744073709551611n);
    expect(string2ull('')).toBeNull();
    expect(string2ull('1x')).toBeNull();
    expect(string2ull('12\0junk')).toBe(12);
  });
});

describe('RStream against a model', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random appends, deletes, trims and ranges (seed ${seed})`, () => {
      const r = rng(seed);
      const s = new RStream();
      const m: MEntry[] = [];
      const limits = { maxEntries: 1 + Math.floor(r() * 20), maxBytes: seed === 4 ? 300 : 4096 };
      // IDs start small, or near 2^53, or near 2^64.
      let ms = seed === 2 ? 9007199254740900n : seed === 3 ? U64_MAX - 5000n : 1n;
      let seq = 0n;
      const ids: Array<[bigint, bigint]> = [];
      for (let step = 0; step < 3000; step++) {
        const op = r();
        if (op < 0.55) {
          if (r() < 0.5) ms += BigInt(1 + Math.floor(r() * 3));
          seq = r() < 0.3 ? seq + 1n : r() < 0.5 ? 0n : seq + BigInt(Math.floor(r() * 1e6));
          if (r() < 0.02) seq = 9007199254740990n + BigInt(Math.floor(r() * 5));
          const last = m.length ? [m[m.length - 1].ms, m[m.length - 1].seq] : [0n, 0n];
          if (mcmp([ms, seq], last as [bigint, bigint]) <= 0) continue;
          const nf = 1 + Math.floor(r() * 3);
          const fv: string[] = [];
          for (let i = 0; i < nf; i++) fv.push(r() < 0.7 ? `f${i}` : `g${Math.floor(r() * 3)}`, r() < 0.1 ? 'x'.repeat(Math.floor(r() * 200)) : String(Math.floor(r() * 1000)));
          s.append(u64(ms), u64(seq), fv, 0, limits);
          m.push({ ms, seq, fv, deleted: false });
          ids.push([ms, seq]);
        } else if (op < 0.7 && ids.length) {
          const [a, b] = ids[Math.floor(r() * ids.length)];
          const e = m.find((x) => x.ms === a && x.seq === b)!;
          expect(s.deleteEntry(u64(a), u64(b))).toBe(!e.deleted);
          e.deleted = true;
        } else if (op < 0.73) {
          const live = m.filter((x) => !x.deleted).length;
          const maxlen = Math.floor(r() * live);
          const removed = s.trim(maxlen, null, false, 0);
          let toDel = live - maxlen;
          expect(removed).toBe(Math.max(0, toDel));
          for (const x of m) {
            if (toDel <= 0) break;
            if (!x.deleted) {
              x.deleted = true;
              toDel--;
            }
          }
        } else if (op < 0.75 && ids.length) {
          const [a, b] = ids[Math.floor(r() * ids.length)];
          const removed = s.trim(0, { ms: u64(a), seq: u64(b) }, false, 0);
          let n = 0;
          for (const x of m) if (!x.deleted && mcmp([x.ms, x.seq], [a, b]) < 0) (x.deleted = true), n++;
          expect(removed).toBe(n);
        } else if (ids.length) {
          const pick = (): StreamID => {
            const c = r();
            if (c < 0.1) return MIN_ID;
            if (c < 0.2) return MAX_ID;
            const [a, b] = ids[Math.floor(r() * ids.length)];
            return { ms: u64(a), seq: u64(c < 0.6 ? b : b + 1n) };
          };
          const a = pick();
          const b = pick();
          const count = r() < 0.5 ? 0 : 1 + Math.floor(r() * 15);
          const rev = r() < 0.4;
          expect(show(s.range(a, b, count, rev))).toEqual(modelRange(m, a, b, count, rev));
          expect(s.rangeReply(a, b, count, rev).map(([id, fv]) => `${id}:${fv.join(',')}`)).toEqual(modelRange(m, a, b, count, rev));
          if (!rev && count > 0) {
            for (let t = 0; t < 2; t++) {
              const enc = s.encodedRange(a, b, count);
              if (enc !== null) {
                const got = new EncodedArray(enc.count, enc.segments, ENCODED_NESTED).toReplies() as Array<[string, string[]]>;
                expect(got.map(([id, fv]) => `${id}:${fv.join(',')}`)).toEqual(modelRange(m, a, b, count, rev));
              }
            }
          }
        }
        expect(s.length).toBe(m.filter((x) => !x.deleted).length);
        const lastLive = [...m].reverse().find((x) => !x.deleted);
        const lv = s.lastValidId();
        expect(lastLive ? `${lastLive.ms}-${lastLive.seq}` : '0-0').toBe(`${lv.ms}-${lv.seq}`);
      }
      // Node invariants: entries per node within the limit, live/dead counts add up.
      let total = 0;
      for (const n of s.nodes) {
        expect(n.live + n.dead).toBeLessThanOrEqual(limits.maxEntries);
        let live = 0;
        let dead = 0;
        RStream.forEachRaw(n, (flags) => {
          if (flags & 1) dead++;
          else live++;
        });
        expect([live, dead]).toEqual([n.live, n.dead]);
        total += live;
      }
      expect(total).toBe(s.length);
      expect(s.encBytes).toBe(s.nodes.reduce((a, n) => a + (n.enc?.buf.length ?? 0), 0));
      const c = s.clone();
      expect(show(c.range(MIN_ID, MAX_ID, 0))).toEqual(show(s.range(MIN_ID, MAX_ID, 0)));
    });
  }

  it('appended bytes read back exactly: binary values of every length class, reads and XDEL between appends', () => {
    // The tail node takes appends in a buffer and makes its string on reads (StreamNode.data):
    // read after every append, delete in the tail, then append again.
    const s = new RStream();
    const m: Array<{ id: string; fv: string[] }> = [];
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const lens = [0, 1, 31, 32, 33, 127, 128, 129, 300, 5000, 20000];
    let ms = 1_700_000_000_000;
    for (let i = 0; i < 400; i++) {
      ms += i % 3 === 0 ? 1 : 0;
      const len = lens[i % lens.length];
      const v = all.repeat(Math.ceil(len / 256) + 1).slice(i % 256, (i % 256) + len);
      const fv = i % 5 === 0 ? ['other', v, 'f\xff', all.slice(200)] : ['field', v];
      s.append(ms, i, fv, 0, { maxEntries: 100, maxBytes: 4096 });
      m.push({ id: `${ms}-${i}`, fv });
      if (i % 7 === 0) {
        const got = s.range(MIN_ID, MAX_ID, 0);
        expect(got.length).toBe(m.length);
        expect(show(got.slice(-3))).toEqual(m.slice(-3).map((x) => `${x.id}:${x.fv.join(',')}`));
      }
      if (i % 11 === 5) {
        const [a, b] = m[m.length - 2].id.split('-').map(Number);
        expect(s.deleteEntry(a, b)).toBe(true);
        m.splice(m.length - 2, 1);
      }
    }
    expect(show(s.range(MIN_ID, MAX_ID, 0))).toEqual(m.map((x) => `${x.id}:${x.fv.join(',')}`));
    expect(show(s.clone().range(MIN_ID, MAX_ID, 0, true))).toEqual(m.map((x) => `${x.id}:${x.fv.join(',')}`).reverse());
  });

  it('a node is closed at stream-node-max-entries (live and deleted) or max-bytes', () => {
    const s = new RStream();
    for (let i = 1; i <= 250; i++) s.append(i, 0, ['f', 'v']);
    expect(s.radixTreeKeys()).toBe(3);
    const b = new RStream();
    for (let i = 1; i <= 10; i++) b.append(i, 0, ['f', 'x'.repeat(1000)]);
    // What redis-server 7.0.15 reports for the same XADDs.
    expect(b.radixTreeKeys()).toBe(3);
    expect(b.radixTreeNodes()).toBe(8);
    expect(new RStream().radixTreeNodes()).toBe(1);
    const one = new RStream();
    one.append(1, 1, ['a', 'b']);
    expect(one.radixTreeNodes()).toBe(2);
  });
});

describe('cached entry encodings', () => {
  it('are built on the second read of an unchanged node, and decode to the same entries', () => {
    const s = new RStream();
    for (let i = 1; i <= 30; i++) s.append(i, 0, i % 3 ? ['f', String(i)] : ['g', 'x'.repeat(i), 'h', '']);
    s.deleteEntry(4, 0);
    const from = { ms: 2, seq: 0 };
    expect(s.encodedRange(from, MAX_ID, 6)).toBeNull();
    const e = s.encodedRange(from, MAX_ID, 6)!;
    expect(e).not.toBeNull();
    expect(e.count).toBe(6);
    const decoded = new EncodedArray(e.count, e.segments, ENCODED_NESTED).toReplies();
    expect(decoded).toEqual(s.rangeReply(from, MAX_ID, 6));
    // A change invalidates: the next read builds again only on its second time.
    s.append(31, 0, ['f', '31']);
    expect(s.encodedRange(from, MAX_ID, 6)).toBeNull();
    expect(new EncodedArray(6, s.encodedRange(from, MAX_ID, 6)!.segments, ENCODED_NESTED).toReplies()).toEqual(s.rangeReply(from, MAX_ID, 6));
    // A stream keeps at most ~1 MiB of them.
    const big = new RStream();
    for (let i = 1; i <= 5000; i++) big.append(i, 0, ['f', 'x'.repeat(500)]);
    for (let i = 1; i <= 5000; i += 10) for (let t = 0; t < 2; t++) big.encodedRange({ ms: i, seq: 0 }, MAX_ID, 10);
    expect(big.encBytes).toBeLessThan((1 << 20) + 64 * 1024);
    expect(big.encBytes).toBeGreaterThan(0);
    // Large or unbounded reads never use (or build) encodings.
    expect(s.encodedRange(MIN_ID, MAX_ID, 0)).toBeNull();
    expect(s.encodedRange(MIN_ID, MAX_ID, 5000)).toBeNull();
  });
});

describe('IdMap against a sorted array', () => {
  it('random inserts, deletes, lookups and ordered walks', () => {
    const r = rng(9);
    const map = new IdMap<number>();
    const model = new Map<string, number>();
    const key = (ms: number, seq: number) => `${String(ms).padStart(6, '0')}-${String(seq).padStart(3, '0')}`;
    for (let i = 0; i < 20000; i++) {
      const ms = Math.floor(r() * 3000);
      const seq = Math.floor(r() * 5);
      const op = r();
      if (op < 0.55) {
        expect(map.set(ms, seq, i)).toBe(!model.has(key(ms, seq)));
        model.set(key(ms, seq), i);
      } else if (op < 0.9) {
        const had = model.get(key(ms, seq));
        expect(map.delete(ms, seq)).toBe(had);
        model.delete(key(ms, seq));
      } else {
        expect(map.get(ms, seq)).toBe(model.get(key(ms, seq)));
      }
      expect(map.size).toBe(model.size);
    }
    const sorted = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const walked: Array<[string, number]> = [];
    map.forEach((ms, seq, v) => {
      walked.push([key(ms as number, seq as number), v]);
    });
    expect(walked).toEqual(sorted);
    const from: string[] = [];
    map.forEachFrom(1500, 2, (ms, seq) => {
      from.push(key(ms as number, seq as number));
      return from.length < 10;
    });
    expect(from).toEqual(sorted.filter(([k]) => k >= key(1500, 2)).slice(0, 10).map(([k]) => k));
    const f = sorted[0][0].split('-').map(Number);
    expect(map.first()).toEqual({ ms: f[0], seq: f[1] });
  });
});
