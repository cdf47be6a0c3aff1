/**
 * The hash value: field -> value (binary strings), with optional per-field
 * expiry (Redis 7.4 hash field expiration), and the store-wide machinery that
 * expires fields actively on the server's clock.
 *
 * Storage is one Map (O(1) field access). What Redis makes observable is
 * modelled on top of it:
 *
 * - Encoding. A new hash is 'listpack'; the first HEXPIRE-family command on it
 *   makes it 'listpackex' (a listpack whose entries carry a TTL); past
 *   hash-max-listpack-entries fields or a field/value longer than
 *   hash-max-listpack-value bytes it becomes 'hashtable'. Conversions are
 *   one-way, as in Redis. The limits are passed in by the commands, which read
 *   them from CONFIG at the moment of the change, as Redis does.
 *
 * - Order. A listpack keeps fields in insertion order (an update keeps the
 *   position), which is what a JS Map does, so HGETALL/HKEYS/HSCAN of a small
 *   hash match Redis byte for byte. A listpackex keeps the fields that have a
 *   TTL first, ordered by deadline (a field whose deadline is set goes before
 *   those with an equal deadline), then the fields without a TTL in their
 *   order; a field that loses its TTL (HSET over it, HPERSIST) moves to the
 *   end. A hashtable's order is unspecified (Map order is used).
 *
 * - Expiry. A field whose deadline has passed (deadline < now, the same rule
 *   as keys) must never be seen: commands call expireDue(now) before reading,
 *   and HashFieldExpiry removes due fields actively when the clock reaches
 *   them (timers on the clock, and on every virtual clock jump), emitting
 *   `hexpired` and, when the hash empties, `del` — as Redis does.
 */
import type { ClockTimer } from '../../clock/clock.js';
import type { Database } from '../database.js';
import { ExpiryHeap } from '../heap.js';
import { NOTIFY, type Store } from '../store.js';
import type { RObject, Value } from '../types.js';

const LISTPACK = 0;
const LISTPACK_EX = 1;
const HASHTABLE = 2;
type Enc = typeof LISTPACK | typeof LISTPACK_EX | typeof HASHTABLE;
const ENCODING_NAMES = ['listpack', 'listpackex', 'hashtable'] as const;

/** Deadline of a field plus the order in which deadlines were set (listpackex order). */
interface FieldTtl {
  at: number;
  seq: number;
}

export class RHash implements RObject {
  readonly type = 'hash' as const;
  /** field -> value. Read it directly for iteration where order does not matter. */
  readonly map = new Map<string, string>();
  private enc: Enc = LISTPACK;
  /** field -> deadline, only for fields that have one. */
  private ttl: Map<string, FieldTtl> | null = null;
  /** Deadlines (lazy: entries whose field changed or lost its TTL are skipped). */
  private heap: ExpiryHeap | null = null;
  private seq = 0;
  /** Field names as an array, for random picks (rebuilt after inserts/deletes). */
  private keyCache: string[] | null = null;

  /** Active-expiry registration (managed by HashFieldExpiry): the keyspace map and key it is queued under. */
  regData: Map<string, Value> | null = null;
  regKey = '';
  regAt = Infinity;

  get size(): number {
    return this.map.size;
  }

  encoding(): string {
    return ENCODING_NAMES[this.enc];
  }

  /** Still a listpack (plain or with TTLs): small-hash rules apply (HSCAN in one go, conversions). */
  get isListpack(): boolean {
    return this.enc !== HASHTABLE;
  }

  /** Convert to a hashtable (one-way). */
  toHashtable(): void {
    this.enc = HASHTABLE;
  }

  /** HEXPIRE & co. on a plain listpack make it a listpackex. */
  allowExpiry(): void {
    if (this.enc === LISTPACK) this.enc = LISTPACK_EX;
  }

  /**
   * Convert to a hashtable if any of the strings is longer than `maxValue`
   * (hashTypeTryConversion / the length check of hashTypeSet).
   */
  convertForLengths(maxValue: number, a: string, b?: string): void {
    if (this.enc === HASHTABLE) return;
    if (a.length > maxValue || (b !== undefined && b.length > maxValue)) this.enc = HASHTABLE;
  }

  /** Convert to a hashtable when the listpack holds more than `maxEntries` fields. */
  convertForSize(maxEntries: number): void {
    if (this.enc !== HASHTABLE && this.map.size > maxEntries) this.enc = HASHTABLE;
  }

  get(field: string): string | undefined {
    return this.map.get(field);
  }

  has(field: string): boolean {
    return this.map.has(field);
  }

  /**
   * Set a field. An existing field keeps its place; its TTL is cleared unless
   * keepTtl (HINCRBY & co. keep it, HSET drops it). Returns true when the field is new.
   */
  set(field: string, value: string, keepTtl = false): boolean {
    const map = this.map;
    if (this.ttl === null) {
      // No field TTLs: one lookup, and the size says whether the field is new.
      const n = map.size;
      map.set(field, value);
      if (map.size === n) return false;
      this.keyCache = null;
      return true;
    }
    if (map.has(field)) {
      const ttl = this.ttl;
      if (!keepTtl && ttl !== null && ttl.delete(field) && this.enc === LISTPACK_EX) {
        // listpackex: a field that loses its TTL moves behind the others.
        map.delete(field);
      }
      map.set(field, value);
      return false;
    }
    map.set(field, value);
    this.keyCache = null;
    return true;
  }

  delete(field: string): boolean {
    if (!this.map.delete(field)) return false;
    if (this.ttl !== null) this.ttl.delete(field);
    this.keyCache = null;
    return true;
  }

  // ---- field expiry -----------------------------------------------------------------

  /** True when some field has a deadline. */
  get hasTtl(): boolean {
    return this.ttl !== null && this.ttl.size !== 0;
  }

  /** Deadline (ms) of a field, or undefined when it has none. */
  fieldTtl(field: string): number | undefined {
    return this.ttl === null ? undefined : this.ttl.get(field)?.at;
  }

  /** Give an existing field a deadline. */
  setFieldTtl(field: string, at: number): void {
    if (this.ttl === null) this.ttl = new Map();
    if (this.heap === null) this.heap = new ExpiryHeap();
    this.ttl.set(field, { at, seq: ++this.seq });
    this.heap.push(at, field);
    if (this.heap.size > 64 && this.heap.size > this.ttl.size * 4) this.rebuildHeap();
  }

  /** Remove a field's deadline; returns whether it had one. */
  persistField(field: string): boolean {
    if (this.ttl === null || !this.ttl.delete(field)) return false;
    if (this.enc === LISTPACK_EX) {
      // Moves behind the fields that have a TTL, after the other persistent ones.
      const v = this.map.get(field) as string;
      this.map.delete(field);
      this.map.set(field, v);
    }
    return true;
  }

  /** The earliest field deadline, or Infinity. */
  nextExpiry(): number {
    const heap = this.heap;
    const ttl = this.ttl;
    if (heap === null || ttl === null || ttl.size === 0) return Infinity;
    while (heap.size !== 0) {
      const f = heap.peekKey() as string;
      const at = heap.peekAt();
      if (ttl.get(f)?.at === at) return at;
      heap.pop(); // stale: the field changed, lost its TTL or was deleted
    }
    return Infinity;
  }

  /** Delete every field whose deadline is before `now`. Returns how many were deleted. */
  expireDue(now: number): number {
    const heap = this.heap;
    const ttl = this.ttl;
    if (heap === null || ttl === null || ttl.size === 0) return 0;
    let n = 0;
    while (heap.size !== 0 && heap.peekAt() < now) {
      const f = heap.peekKey() as string;
      const at = heap.peekAt();
      heap.pop();
      if (ttl.get(f)?.at === at) {
        ttl.delete(f);
        this.map.delete(f);
        n++;
      }
    }
    if (n !== 0) this.keyCache = null;
    return n;
  }

  private rebuildHeap(): void {
    const heap = this.heap as ExpiryHeap;
    heap.clear();
    for (const [f, t] of this.ttl as Map<string, FieldTtl>) heap.push(t.at, f);
  }

  // ---- iteration ----------------------------------------------------------------------

  /**
   * Field names in the order Redis keeps them, or null when that is simply
   * the Map's order (anything but a listpackex with deadlines).
   */
  private listpackExOrder(): string[] | null {
    if (this.enc !== LISTPACK_EX || !this.hasTtl) return null;
    const ttl = this.ttl as Map<string, FieldTtl>;
    const timed = [...ttl].sort((a, b) => a[1].at - b[1].at || b[1].seq - a[1].seq);
    const out: string[] = [];
    for (const [f] of timed) out.push(f);
    for (const f of this.map.keys()) if (!ttl.has(f)) out.push(f);
    return out;
  }

  /** field/value pairs in the order Redis would return them (HGETALL, HSCAN of a listpack...). */
  entries(): Iterable<[string, string]> {
    const order = this.listpackExOrder();
    if (order === null) return this.map;
    const map = this.map;
    return order.map((f): [string, string] => [f, map.get(f) as string]);
  }

  /** field, value, field, value... in Redis's order (HGETALL). */
  flat(): string[] {
    const out: string[] = [];
    const order = this.listpackExOrder();
    if (order === null) {
      for (const [f, v] of this.map) out.push(f, v);
    } else {
      for (const f of order) out.push(f, this.map.get(f) as string);
    }
    return out;
  }

  /** Field names in Redis's order (HKEYS). */
  fieldsInOrder(): string[] {
    return this.listpackExOrder() ?? [...this.map.keys()];
  }

  /** Values in Redis's order (HVALS). */
  valuesInOrder(): string[] {
    const order = this.listpackExOrder();
    if (order === null) return [...this.map.values()];
    return order.map((f) => this.map.get(f) as string);
  }

  /** Field names as an array (shared; do not modify). For random picks. */
  fieldArray(): string[] {
    if (this.keyCache === null) this.keyCache = [...this.map.keys()];
    return this.keyCache;
  }

  clone(): RHash {
    const c = new RHash();
    for (const [f, v] of this.map) c.map.set(f, v);
    c.enc = this.enc;
    c.seq = this.seq;
    if (this.ttl !== null && this.ttl.size !== 0) {
      c.ttl = new Map();
      c.heap = new ExpiryHeap();
      for (const [f, t] of this.ttl) {
        c.ttl.set(f, { at: t.at, seq: t.seq });
        c.heap.push(t.at, f);
      }
    }
    return c;
  }
}

/**
 * Active expiry of hash fields for one Store: a heap of (deadline, key) per
 * keyspace map, run when the clock reaches the earliest deadline and on every
 * clock jump (advance/set), like the Store's own key expiry. Heaps follow the
 * Database's `data` map, so SWAPDB carries them along.
 *
 * Entries are hints: whenever one comes due, the hash now at that key (if
 * any) loses its due fields. A hash that moved to another key (RENAME, MOVE,
 * COPY) is registered again by the next hash command that touches it; code
 * that moves values should call trackHashFieldExpiry() to register it at once.
 */
export class HashFieldExpiry {
  private readonly heaps = new Map<Map<string, Value>, ExpiryHeap>();
  private readonly compactAt = new Map<Map<string, Value>, number>();
  private timer: ClockTimer | null = null;
  private timerAt = Infinity;
  private running = false;

  constructor(readonly store: Store) {
    store.clock.onChange(() => this.run());
  }

  /** Make sure the hash at db/key is expired actively at its next field deadline. */
  track(db: Database, key: string, h: RHash): void {
    const at = h.nextExpiry();
    if (at === Infinity) return;
    const data = db.data;
    if (h.regData === data && h.regKey === key && h.regAt <= at) return;
    let heap = this.heaps.get(data);
    if (heap === undefined) {
      heap = new ExpiryHeap();
      this.heaps.set(data, heap);
    }
    heap.push(at, key);
    h.regData = data;
    h.regKey = key;
    h.regAt = at;
    if (heap.size > (this.compactAt.get(data) ?? 1024)) this.compact(data, heap);
    // A field is gone one millisecond after its deadline.
    this.schedule(at + 1);
  }

  /**
   * Delete the due fields of the hash at db/key, with Redis's events
   * (`hexpired`, then `del` when the hash is left empty). Returns true when
   * the key was deleted.
   */
  expireFields(db: Database, key: string, h: RHash, now: number): boolean {
    if (h.expireDue(now) === 0) return false;
    const store = this.store;
    store.notify(NOTIFY.HASH, 'hexpired', key, db.id);
    if (h.size === 0) {
      store.notify(NOTIFY.GENERIC, 'del', key, db.id);
      db.delete(key);
      return true;
    }
    db.touch(key);
    return false;
  }

  /** Expire every due field in every database and schedule the next run. */
  run(): void {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.store.clock.now();
      let next = Infinity;
      for (const [data, heap] of this.heaps) {
        if (heap.size === 0 || heap.peekAt() >= now) {
          if (heap.peekAt() < next) next = heap.peekAt();
          continue;
        }
        const db = this.store.dbs.find((d) => d.data === data);
        if (db === undefined) {
          // The map left the store (a Database replaced its map): nothing to expire there.
          this.heaps.delete(data);
          this.compactAt.delete(data);
          continue;
        }
        while (heap.size !== 0 && heap.peekAt() < now) {
          const key = heap.peekKey() as string;
          const at = heap.peekAt();
          heap.pop();
          const v = data.get(key);
          if (!(v instanceof RHash)) continue;
          // A key that itself expired is the key expiry's business.
          const keyAt = db.getExpire(key);
          if (keyAt !== undefined && keyAt < now) continue;
          if (v.regData === data && v.regKey === key && v.regAt === at) v.regAt = Infinity;
          if (!this.expireFields(db, key, v, now)) this.track(db, key, v);
        }
        if (heap.peekAt() < next) next = heap.peekAt();
      }
      if (next !== Infinity) this.schedule(next + 1);
    } finally {
      this.running = false;
    }
  }

  private schedule(at: number): void {
    if (at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.store.clock.at(at, () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    });
  }

  /** Drop heap entries that no longer stand for a registered hash. */
  private compact(data: Map<string, Value>, heap: ExpiryHeap): void {
    const live = new Map<string, number>();
    for (const [k, v] of data) if (v instanceof RHash && v.regData === data && v.regKey === k && v.regAt !== Infinity) live.set(k, v.regAt);
    heap.rebuild(live);
    this.compactAt.set(data, Math.max(1024, heap.size * 2));
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
    this.heaps.clear();
  }
}

const managers = new WeakMap<Store, HashFieldExpiry>();

/** The field-expiry manager of a store (created on first use). */
export function hashFieldExpiry(store: Store): HashFieldExpiry {
  let m = managers.get(store);
  if (m === undefined) {
    m = new HashFieldExpiry(store);
    managers.set(store, m);
  }
  return m;
}

/**
 * Register a value that was just stored at db/key by code other than the hash
 * commands (RENAME, MOVE, COPY, RESTORE, fixtures...): a hash with field
 * deadlines is then expired actively at its new place. No-op for anything else.
 */
export function trackHashFieldExpiry(store: Store, db: Database, key: string, value: unknown): void {
  if (value instanceof RHash && value.hasTtl) hashFieldExpiry(store).track(db, key, value);
}
