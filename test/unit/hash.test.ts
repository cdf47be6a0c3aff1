import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/clock/clock.js';
import { parseNotifyFlags, Store } from '../../src/store/store.js';
import { hashFieldExpiry, RHash, trackHashFieldExpiry } from '../../src/store/types/hash.js';
import { rng } from '../support/random.js';

/**
 * Redis's listpackEx, literally: a list of (field, value, ttl) triples, ttl 0
 * meaning none; fields with a TTL first in deadline order, a field getting a
 * deadline goes before the first triple with no TTL or a deadline >= its own.
 */
class ListpackExModel {
  items: Array<{ f: string; v: string; ttl: number }> = [];
  private find(f: string): number {
    return this.items.findIndex((e) => e.f === f);
  }
  private insertOrdered(e: { f: string; v: string; ttl: number }): void {
    if (e.ttl === 0) {
      this.items.push(e);
      return;
    }
    const i = this.items.findIndex((x) => x.ttl === 0 || x.ttl >= e.ttl);
    if (i < 0) this.items.push(e);
    else this.items.splice(i, 0, e);
  }
  set(f: string, v: string, keepTtl: boolean): void {
    const i = this.find(f);
    if (i < 0) {
      this.insertOrdered({ f, v, ttl: 0 });
      return;
    }
    this.items[i].v = v;
    if (!keepTtl && this.items[i].ttl !== 0) {
      const [e] = this.items.splice(i, 1);
      e.ttl = 0;
      this.items.push(e);
    }
  }
  del(f: string): void {
    const i = this.find(f);
    if (i >= 0) this.items.splice(i, 1);
  }
  expire(f: string, at: number): void {
    const i = this.find(f);
    const [e] = this.items.splice(i, 1);
    e.ttl = at;
    this.insertOrdered(e);
  }
  persist(f: string): void {
    const i = this.find(f);
    if (this.items[i].ttl === 0) return;
    const [e] = this.items.splice(i, 1);
    e.ttl = 0;
    this.items.push(e);
  }
  expireDue(now: number): void {
    while (this.items.length && this.items[0].ttl !== 0 && this.items[0].ttl < now) this.items.shift();
  }
}

describe('RHash', () => {
  it('set / get / delete / size, new versus updated fields', () => {
    const h = new RHash();
    expect(h.type).toBe('hash');
    expect(h.set('a', '1')).toBe(true);
    expect(h.set('b', '2')).toBe(true);
    expect(h.set('a', '3')).toBe(false);
    expect(h.get('a')).toBe('3');
    expect(h.get('nope')).toBeUndefined();
    expect(h.has('b')).toBe(true);
    expect(h.size).toBe(2);
    expect(h.delete('a')).toBe(true);
    expect(h.delete('a')).toBe(false);
    expect(h.size).toBe(1);
    expect(h.flat()).toEqual(['b', '2']);
  });

  it('keeps insertion order; updates keep the place; deleted and re-added fields go last', () => {
    const h = new RHash();
    for (const f of ['c', 'a', 'b']) h.set(f, f);
    h.set('a', 'A');
    expect(h.fieldsInOrder()).toEqual(['c', 'a', 'b']);
    h.delete('c');
    h.set('c', 'C');
    expect(h.fieldsInOrder()).toEqual(['a', 'b', 'c']);
    expect(h.valuesInOrder()).toEqual(['A', 'b', 'C']);
    expect([...h.entries()]).toEqual([
      ['a', 'A'],
      ['b', 'b'],
      ['c', 'C'],
    ]);
  });

  it('encodings: listpack, listpackex, hashtable; conversions are one-way', () => {
    const h = new RHash();
    expect(h.encoding()).toBe('listpack');
    h.convertForLengths(64, 'x'.repeat(64), 'y'.repeat(64));
    h.set('a', '1');
    h.convertForSize(1);
    expect(h.encoding()).toBe('listpack');
    h.allowExpiry();
    expect(h.encoding()).toBe('listpackex');
    expect(h.isListpack).toBe(true);
    h.set('b', '2');
    h.convertForSize(1);
    expect(h.encoding()).toBe('hashtable');
    expect(h.isListpack).toBe(false);
    h.delete('b');
    h.convertForSize(1);
    h.allowExpiry();
    expect(h.encoding()).toBe('hashtable');
    const g = new RHash();
    g.convertForLengths(64, 'short', 'x'.repeat(65));
    expect(g.encoding()).toBe('hashtable');
    const k = new RHash();
    k.convertForLengths(3, 'abcd');
    expect(k.encoding()).toBe('hashtable');
  });

  it('field deadlines: nextExpiry skips stale entries, expireDue removes what is past', () => {
    const h = new RHash();
    for (const f of ['a', 'b', 'c', 'd']) h.set(f, f);
    expect(h.hasTtl).toBe(false);
    expect(h.nextExpiry()).toBe(Infinity);
    h.setFieldTtl('a', 100);
    h.setFieldTtl('b', 50);
    h.setFieldTtl('c', 200);
    expect(h.hasTtl).toBe(true);
    expect(h.nextExpiry()).toBe(50);
    h.setFieldTtl('b', 300); // moved later: the old entry is stale
    expect(h.nextExpiry()).toBe(100);
    expect(h.persistField('a')).toBe(true);
    expect(h.persistField('a')).toBe(false);
    expect(h.persistField('d')).toBe(false);
    expect(h.nextExpiry()).toBe(200);
    expect(h.fieldTtl('b')).toBe(300);
    expect(h.fieldTtl('a')).toBeUndefined();
    // A field at its deadline is alive; one millisecond later it is gone.
    expect(h.expireDue(200)).toBe(0);
    expect(h.expireDue(201)).toBe(1);
    expect(h.has('c')).toBe(false);
    // HSET drops the deadline; an increment keeps it.
    h.set('b', 'x', true);
    expect(h.fieldTtl('b')).toBe(300);
    h.set('b', 'y');
    expect(h.fieldTtl('b')).toBeUndefined();
    expect(h.expireDue(1e9)).toBe(0);
    expect(h.size).toBe(3);
    // A deleted field's deadline is forgotten, even if re-added.
    h.setFieldTtl('d', 10);
    h.delete('d');
    h.set('d', 'again');
    expect(h.expireDue(1e9)).toBe(0);
    expect(h.get('d')).toBe('again');
    expect(h.hasTtl).toBe(false);
  });

  it('listpackex order matches a literal model of Redis listpackEx under random operations', () => {
    const rand = rng(42);
    for (let round = 0; round < 20; round++) {
      const h = new RHash();
      h.allowExpiry();
      const m = new ListpackExModel();
      let now = 1000;
      for (let i = 0; i < 400; i++) {
        const f = `f${Math.floor(rand() * 12)}`;
        const op = Math.floor(rand() * 7);
        const exists = h.has(f);
        if (op <= 1) {
          const keep = rand() < 0.3;
          h.set(f, `v${i}`, keep);
          m.set(f, `v${i}`, keep);
        } else if (op === 2) {
          h.delete(f);
          m.del(f);
        } else if (op === 3 && exists) {
          // Coarse deadlines so that ties happen.
          const at = now + 10 * Math.floor(rand() * 5);
          h.setFieldTtl(f, at);
          m.expire(f, at);
        } else if (op === 4 && exists) {
          h.persistField(f);
          m.persist(f);
        } else if (op === 5) {
          now += Math.floor(rand() * 15);
          h.expireDue(now);
          m.expireDue(now);
        } else {
          expect(h.get(f)).toBe(m.items.find((e) => e.f === f)?.v);
        }
        expect(h.fieldsInOrder()).toEqual(m.items.map((e) => e.f));
      }
      expect(h.flat()).toEqual(m.items.flatMap((e) => [e.f, e.v]));
      expect(h.valuesInOrder()).toEqual(m.items.map((e) => e.v));
      expect([...h.entries()]).toEqual(m.items.map((e) => [e.f, e.v]));
    }
  });

  it('fieldArray follows inserts and deletes', () => {
    const h = new RHash();
    h.set('a', '1');
    const a1 = h.fieldArray();
    expect(a1).toEqual(['a']);
    h.set('a', '2');
    expect(h.fieldArray()).toBe(a1);
    h.set('b', '1');
    expect(h.fieldArray()).toEqual(['a', 'b']);
    h.delete('a');
    expect(h.fieldArray()).toEqual(['b']);
    h.setFieldTtl('b', 5);
    h.expireDue(10);
    expect(h.fieldArray()).toEqual([]);
  });

  it('clone is deep: values, encoding, deadlines and order', () => {
    const h = new RHash();
    h.set('a', '1');
    h.set('b', '2');
    h.set('c', '3');
    h.allowExpiry();
    h.setFieldTtl('c', 100);
    const c = h.clone();
    expect(c).toBeInstanceOf(RHash);
    expect(c.encoding()).toBe('listpackex');
    expect(c.fieldsInOrder()).toEqual(['c', 'a', 'b']);
    expect(c.fieldTtl('c')).toBe(100);
    c.set('a', 'changed');
    c.setFieldTtl('a', 50);
    expect(h.get('a')).toBe('1');
    expect(h.fieldTtl('a')).toBeUndefined();
    expect(h.expireDue(101)).toBe(1);
    expect(c.has('c')).toBe(true);
    expect(c.expireDue(101)).toBe(2);
    expect(c.flat()).toEqual(['b', '2']);
    // A clone is not registered for active expiry.
    expect(c.regData).toBe(null);
  });
});

describe('HashFieldExpiry', () => {
  function setup() {
    const clock = new Clock('frozen');
    clock.set(10_000);
    const store = new Store(clock);
    const events: string[] = [];
    store.notifyFlags = parseNotifyFlags('KEA') as number;
    store.hooks.publish = (channel, message) => {
      if (channel.startsWith('__keyevent')) events.push(`${channel.slice(channel.indexOf(':') + 1)} ${message}`);
    };
    return { clock, store, events, db: store.db(0), fx: hashFieldExpiry(store) };
  }

  it('expires fields when the clock passes them, and deletes emptied hashes', () => {
    const { clock, store, events, db, fx } = setup();
    const h = new RHash();
    h.set('a', '1');
    h.set('b', '2');
    db.set('h', h);
    h.setFieldTtl('a', 10_100);
    h.setFieldTtl('b', 10_200);
    fx.track(db, 'h', h);
    expect(hashFieldExpiry(store)).toBe(fx);
    clock.advance(100);
    expect(h.size).toBe(2);
    clock.advance(1);
    expect(h.size).toBe(1);
    expect(db.data.has('h')).toBe(true);
    clock.advance(99);
    expect(db.data.has('h')).toBe(true);
    clock.advance(1);
    expect(db.data.has('h')).toBe(false);
    expect(events.filter((e) => !e.startsWith('new'))).toEqual(['hexpired h', 'hexpired h', 'del h']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('registers under the new key after a move, ignores stale entries and values of other types', () => {
    const { clock, db, store } = setup();
    const h = new RHash();
    h.set('a', '1');
    h.set('b', '2');
    h.setFieldTtl('a', 10_050);
    db.set('old', h);
    trackHashFieldExpiry(store, db, 'old', h);
    // Moved by hand (as RENAME does), and the old key reused by a string.
    db.data.delete('old');
    db.set('new', h);
    db.set('old', 'a string');
    trackHashFieldExpiry(store, db, 'new', h);
    trackHashFieldExpiry(store, db, 'x', 'not a hash');
    clock.advance(51);
    expect(h.has('a')).toBe(false);
    expect(db.data.get('old')).toBe('a string');
    expect(db.data.get('new')).toBe(h);
  });

  it('a hash whose key has expired is left to key expiry', () => {
    const { clock, db, fx, events } = setup();
    const h = new RHash();
    h.set('a', '1');
    h.setFieldTtl('a', 10_050);
    db.set('h', h);
    db.setExpire('h', 10_010);
    fx.track(db, 'h', h);
    clock.advance(100);
    expect(db.data.has('h')).toBe(false);
    expect(events.filter((e) => !e.startsWith('new'))).toEqual(['expired h']);
  });

  it('many deadlines: every field goes at its time, in any order of registration', () => {
    const { clock, db, fx } = setup();
    const rand = rng(7);
    const hashes: RHash[] = [];
    const deadlines = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const h = new RHash();
      for (let j = 0; j < 20; j++) {
        h.set(`f${j}`, 'v');
        if (rand() < 0.7) {
          const at = 10_000 + 1 + Math.floor(rand() * 1000);
          h.setFieldTtl(`f${j}`, at);
          deadlines.set(`${i}/f${j}`, at);
        }
      }
      db.set(`h${i}`, h);
      fx.track(db, `h${i}`, h);
      hashes.push(h);
    }
    for (let t = 10_000; t <= 11_100; t += 37) {
      clock.set(t);
      for (let i = 0; i < 50; i++) {
        for (let j = 0; j < 20; j++) {
          const at = deadlines.get(`${i}/f${j}`);
          const alive = at === undefined || at >= t;
          expect(hashes[i].has(`f${j}`), `h${i} f${j} at ${t}`).toBe(alive);
        }
        expect(db.data.has(`h${i}`)).toBe(hashes[i].size > 0);
      }
    }
  });
});
