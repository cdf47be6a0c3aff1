import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/clock/clock.js';
import { AccessLog } from '../../src/store/access-log.js';
import { Store } from '../../src/store/store.js';

/** The LRU access log must give every key the time of its last access, across compactions. */
describe('LRU access log', () => {
  it('matches a model of last-access times through many accesses, deletes and compactions', () => {
    const clock = new Clock('frozen');
    clock.set(1_700_000_000_000);
    const store = new Store(clock, 1);
    const db = store.dbs[0];
    const model = new Map<string, number>();
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const sec = () => Math.floor(clock.now() / 1000);
    for (let step = 0; step < 60_000; step++) {
      const key = `k${rnd(500)}`;
      const op = rnd(10);
      if (op < 4) {
        db.set(key, 'v');
        model.set(key, sec());
      } else if (op < 8) {
        if (db.get(key) !== undefined) model.set(key, sec());
      } else if (op < 9) {
        db.delete(key);
        model.delete(key);
      } else {
        clock.advance(rnd(3) * 1000);
        store.refreshLru();
      }
      if (step % 5000 === 0 || step === 59_999) {
        const now = sec();
        for (const [k, at] of model) expect(db.idleSeconds(k), k).toBe(now - at);
      }
    }
  });

  it('stays bounded: about three times the key count at most', () => {
    const clock = new Clock('frozen');
    const store = new Store(clock, 1);
    const db = store.dbs[0];
    for (let i = 0; i < 100; i++) db.set(`k${i}`, 'v');
    for (let round = 0; round < 1000; round++) for (let i = 0; i < 100; i++) {
      clock.advance(1000);
      store.refreshLru();
      db.get(`k${i}`);
    }
    const log = (db as unknown as { accessLog: AccessLog }).accessLog;
    // Compaction is incremental: while it runs, new accesses add up to 1/8 of the old log.
    expect(log.length).toBeLessThanOrEqual(Math.ceil((3 * 100 + 1024 + 1) * (1 + 1 / 8)) + 1);
    expect(db.idleSeconds('k99')).toBe(0);
    expect(db.idleSeconds('k0')).toBe(99);
  });
});

describe('incremental compaction', () => {
  it('no access walks the whole log; last accesses stay right while a compaction is half done', () => {
    const clock = new Clock('frozen');
    clock.set(1_700_000_000_000);
    const store = new Store(clock, 1);
    const db = store.dbs[0];
    const n = 20_000;
    for (let i = 0; i < n; i++) db.set(`k${i}`, 'v');
    const log = (db as unknown as { accessLog: AccessLog }).accessLog;
    const model = new Map<string, number>();
    const sec = () => Math.floor(clock.now() / 1000);
    for (let i = 0; i < n; i++) model.set(`k${i}`, sec());
    let maxLen = 0;
    const checked = new Set<object>();
    for (let step = 0; step < 200_000; step++) {
      if (step % 7000 === 0) {
        clock.advance(1000);
        store.refreshLru();
      }
      const k = `k${(step * 7919) % n}`;
      db.get(k);
      model.set(k, sec());
      maxLen = Math.max(maxLen, log.length);
      // Check in the middle of each compaction too (not only between them).
      const running = (log as unknown as { old: { i: number; keys: string[] } | null }).old;
      if (running !== null && running.i < running.keys.length / 2 && !checked.has(running)) {
        checked.add(running);
        for (const [key, at] of model) expect(db.idleSeconds(key), key).toBe(sec() - at);
      }
    }
    expect(maxLen).toBeLessThanOrEqual(Math.ceil((3 * n + 1024 + 1) * (1 + 1 / 8)) + 1);
    expect(checked.size).toBeGreaterThanOrEqual(3); // compactions happened and were checked mid-way
    for (const [key, at] of model) expect(db.idleSeconds(key), key).toBe(sec() - at);
  });
});

describe('accesses within one LRU tick', () => {
  it('a key accessed again in the same tick is logged once; deletes, re-creates and compactions keep idle times right', () => {
    const clock = new Clock('frozen');
    clock.set(1_700_000_000_000);
    const store = new Store(clock, 1);
    const db = store.dbs[0];
    const log = (db as unknown as { accessLog: AccessLog }).accessLog;
    for (let round = 0; round < 100; round++) for (let i = 0; i < 10; i++) db.get(`k${i}`) ?? db.set(`k${i}`, 'v');
    expect(log.length).toBe(10);
    // Many keys created in this tick, most deleted: the next logged access starts a compaction,
    // which drops the deleted keys' entries; keys re-created before and after that start must keep their times.
    for (let i = 0; i < 2000; i++) db.set(`d${i}`, 'v');
    for (let i = 0; i < 1990; i++) db.delete(`d${i}`);
    db.set('d5', 'v'); // re-created in the same tick, before the compaction
    clock.advance(2000);
    store.refreshLru();
    db.set('new', 'v'); // starts the compaction
    expect((log as unknown as { old: unknown }).old).not.toBeNull();
    db.set('d7', 'v'); // re-created while the compaction runs
    for (let i = 0; i < 3000; i++) db.set(`e${i}`, 'v'); // logged accesses walk the old log to its end
    db.get('k3');
    expect((log as unknown as { old: unknown }).old).toBeNull();
    clock.advance(3000);
    store.refreshLru();
    expect(db.idleSeconds('d5')).toBe(5);
    expect(db.idleSeconds('d1995')).toBe(5);
    expect(db.idleSeconds('d7')).toBe(3);
    expect(db.idleSeconds('new')).toBe(3);
    expect(db.idleSeconds('k3')).toBe(3);
  });
});

describe('random keys', () => {
  it('the per-tick set stops being used once it fills up with fewer repeats than keys, until the next tick', () => {
    const log = new AccessLog();
    const live = new Map<string, unknown>();
    for (let i = 0; i < 10_000; i++) live.set(`k${i}`, 1);
    for (let i = 0; i < 5000; i++) log.record(`k${i}`, 1, live);
    expect(log.length).toBe(5000);
    for (let i = 0; i < 10; i++) log.record('k1', 1, live);
    expect(log.length).toBe(5010); // not deduplicated any more in this tick
    for (let i = 0; i < 10; i++) log.record('k1', 2, live);
    expect(log.length).toBe(5011); // a new tick uses it again
    // mostly repeats: it stays in use
    for (let i = 0; i < 20_000; i++) log.record(`k${i % 5000 < 4000 ? i % 10 : i % 5000}`, 2, live);
    const before = log.length;
    for (let i = 0; i < 10; i++) log.record('k3', 2, live);
    expect(log.length).toBe(before);
    expect(log.lastClock('k1')).toBe(2);
    expect(log.lastClock('k4999')).toBe(2);
    expect(log.lastClock('k6000')).toBeUndefined();
  });
});
