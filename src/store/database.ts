/**
 * One logical database: keys to values, plus the expiry index and the
 * per-key access clock (OBJECT IDLETIME / OBJECT FREQ).
 *
 * Expired keys are never visible: every lookup checks the key's deadline, and
 * a heap of deadlines drives active expiry on the server's clock (so advancing
 * a virtual clock removes keys and emits `expired` events at once). A key is
 * gone from the millisecond of its deadline on, so `clock.advance(ttl)`
 * expires it. (Redis's keyIsExpired uses `now > when`: the key survives that
 * one millisecond, which no client of a real-time server can observe.)
 */
import { AccessLog } from './access-log.js';
import { ExpiryHeap } from './heap.js';
import { ACCESS_LFU, ACCESS_LRU, NOTIFY, type Store } from './store.js';
import type { Value } from './types.js';

export class Database {
  /** key -> value. Replaced as a whole by SWAPDB (read it through the property each time). */
  data = new Map<string, Value>();
  /** key -> absolute deadline in ms (clock time). */
  expires = new Map<string, number>();
  /**
   * Explicit access records. LFU policies: key -> (minutes << 8) | log counter,
   * as Redis packs robj.lru. LRU policies: only stamps set directly (RESTORE
   * IDLETIME), overriding the access log until the key is accessed again.
   */
  lru = new Map<string, number>();
  /** LRU access log (see AccessLog); OBJECT IDLETIME reads it. */
  private accessLog = new AccessLog();
  /**
   * Exact deadlines past Number.MAX_SAFE_INTEGER ms (PEXPIREAT k 9223372036854775807);
   * `expires` holds the nearest double for those keys. Null until needed.
   */
  private bigExpires: Map<string, bigint> | null = null;
  private heap = new ExpiryHeap();
  /**
   * The last key stamped in `lru` and the LRU clock it got: a hot key read
   * again within the same second needs no Map write. Reset whenever `lru`
   * may no longer hold that stamp.
   */
  private stampedKey: string | undefined = undefined;
  private stampedAt = -1;
  /** Clients watching keys of this db (WATCH): key -> set of watchers. Stays with the db on SWAPDB. */
  readonly watched = new Map<string, Set<Watcher>>();

  constructor(
    readonly id: number,
    readonly store: Store,
  ) {}

  get size(): number {
    this.expireDue();
    return this.data.size;
  }

  /**
   * The value at key, or undefined (expired keys are deleted on the way).
   * Counts as an access of the key (LRU/LFU), like Redis's lookupKey.
   */
  get(key: string): Value | undefined {
    const v = this.data.get(key);
    if (v === undefined) return this.miss(key);
    if (this.expires.size !== 0) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= this.store.clock.now()) {
        this.expireKey(key);
        return this.miss(key);
      }
    }
    const st = this.store;
    if (st.lookupStats) st.stats.keyspaceHits++;
    if (st.accessMode === ACCESS_LRU) {
      const c = st.lruClock;
      if (key !== this.stampedKey || c !== this.stampedAt) this.logAccess(key, c);
    } else if (st.accessMode === ACCESS_LFU && st.lfuLastKey !== key) this.lfuAccess(key);
    return v;
  }

  /** A lookup found nothing: a keyspace miss and a `keymiss` event when the command reads. */
  private miss(key: string): undefined {
    const st = this.store;
    if (st.lookupStats) {
      st.stats.keyspaceMisses++;
      if (st.notifyFlags & NOTIFY.KEY_MISS) st.notify(NOTIFY.KEY_MISS, 'keymiss', key, this.id);
    }
    return undefined;
  }

  /** Record an LRU access of key at LRU clock c. */
  private logAccess(key: string, c: number): void {
    this.stampedKey = key;
    this.stampedAt = c;
    this.accessLog.record(key, c, this.data);
    if (this.lru.size !== 0) this.lru.delete(key);
  }

  /** The LRU clock of key's last access, from an explicit stamp or the log. */
  private lastAccess(key: string): number | undefined {
    const explicit = this.lru.get(key);
    if (explicit !== undefined) return explicit;
    return this.accessLog.lastClock(key);
  }

  /** Like get() but not an access: the key's idle time is left alone (LOOKUP_NOTOUCH). */
  peek(key: string): Value | undefined {
    const v = this.data.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= this.store.clock.now()) {
        this.expireKey(key);
        return undefined;
      }
    }
    return v;
  }

  /**
   * peek() for commands that read without touching (EXISTS, TYPE, TTL,
   * OBJECT: Redis's LOOKUP_NOTOUCH): still a keyspace hit or miss, and a miss
   * sends `keymiss` unless `notifyMiss` is false (OBJECT's LOOKUP_NONOTIFY).
   */
  peekRead(key: string, notifyMiss = true): Value | undefined {
    const v = this.peek(key);
    const st = this.store;
    if (!st.lookupStats) return v;
    if (v !== undefined) st.stats.keyspaceHits++;
    else if (notifyMiss) this.miss(key);
    else st.stats.keyspaceMisses++;
    return v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Store a value (Redis setKey): replaces any value, and clears the TTL unless
   * keepTtl. Signals the key as modified for WATCH unless `signal` is false
   * (dbAdd of a value the command may still leave unchanged, as BITFIELD
   * does: it signals later, if it changed anything).
   */
  set(key: string, value: Value, keepTtl = false, signal = true): void {
    const st = this.store;
    // Keyspace event `new` (class n) when the key is created; only then is it worth a lookup.
    if (st.notifyFlags & NOTIFY.NEW && this.peek(key) === undefined) st.notify(NOTIFY.NEW, 'new', key, this.id);
    if (!st.lfuEnabled) {
      const c = st.lruClock;
      if (key !== this.stampedKey || c !== this.stampedAt) this.logAccess(key, c);
    } else if (!this.data.has(key)) this.lru.set(key, st.lfuInit());
    // An overwrite keeps the counter (dbSetValue), bumped once by the command's own lookup.
    else if (st.accessMode === ACCESS_LFU && st.lfuLastKey !== key) this.lfuAccess(key);
    if (st.keyWaiters !== 0) this.streamGone(key, this.data.get(key));
    if (st.memWatch !== null) st.memWatch.beforeChange(this, key);
    this.data.set(key, value);
    if (!keepTtl && this.expires.size !== 0) {
      this.expires.delete(key);
      if (this.bigExpires !== null) this.bigExpires.delete(key);
    }
    if (signal) this.touch(key);
  }

  /**
   * A stream left the key (deleted, expired or overwritten): clients blocked
   * in XREADGROUP on it are answered -UNBLOCKED when the key is served, as in
   * Redis 7.0 (signalDeletedKeyAsReady).
   */
  private streamGone(key: string, old: Value | undefined): void {
    if (old !== undefined && typeof old !== 'string' && old.type === 'stream') this.store.hooks.keyReady?.(this, key);
  }

  /** Replace the value in place (same key, TTL kept) without signalling. */
  replaceValue(key: string, value: Value): void {
    const st = this.store;
    if (st.memWatch !== null) st.memWatch.beforeChange(this, key);
    // Callers that do not touch() (DEBUG RELOAD's rebuilt values) change sizes all the same.
    if (st.sizeWatch !== null) st.sizeWatch.keyChanged(this, key);
    this.data.set(key, value);
  }

  /** Delete a key; returns whether it existed (and was not expired). */
  delete(key: string): boolean {
    const old = this.peek(key);
    if (old === undefined) return false;
    if (this.store.memWatch !== null) this.store.memWatch.beforeChange(this, key);
    this.data.delete(key);
    if (this.store.keyWaiters !== 0) this.streamGone(key, old);
    if (this.lru.size !== 0) this.lru.delete(key);
    this.stampedKey = undefined;
    if (this.expires.size !== 0) {
      this.expires.delete(key);
      if (this.bigExpires !== null) this.bigExpires.delete(key);
    }
    this.touch(key);
    return true;
  }

  /**
   * Set the absolute deadline (ms) of an existing key. A bigint keeps int64
   * deadlines beyond 2^53 exact (getExpireExact).
   */
  setExpire(key: string, deadline: number | bigint): void {
    let at: number;
    if (typeof deadline === 'bigint') {
      at = Number(deadline);
      if (!Number.isSafeInteger(at)) {
        if (this.bigExpires === null) this.bigExpires = new Map();
        this.bigExpires.set(key, deadline);
      } else if (this.bigExpires !== null) this.bigExpires.delete(key);
    } else {
      at = deadline;
      if (this.bigExpires !== null) this.bigExpires.delete(key);
    }
    const prev = this.expires.get(key);
    this.expires.set(key, at);
    if (prev !== at) {
      this.heap.push(at, key);
      this.store.expiryScheduled(this, at);
    }
  }

  /**
   * Deadlines of keys just loaded into this database (an RDB file): the
   * same as setExpire for each, in one pass. When the database has no TTL
   * yet and every deadline is a number, the map becomes the database's own.
   */
  loadExpires(deadlines: Map<string, number | bigint>): void {
    let bulk = this.expires.size === 0 && this.bigExpires === null;
    if (bulk) {
      for (const at of deadlines.values()) {
        if (typeof at !== 'number') {
          bulk = false;
          break;
        }
      }
    }
    if (!bulk) {
      for (const [k, at] of deadlines) this.setExpire(k, at);
      return;
    }
    this.expires = deadlines as Map<string, number>;
    const heap = this.heap;
    let min = Infinity;
    for (const [k, at] of this.expires) {
      heap.push(at, k);
      if (at < min) min = at;
    }
    if (min !== Infinity) this.store.expiryScheduled(this, min);
  }

  /** Deadline in ms, or undefined when the key has no TTL. */
  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  /** Deadline in ms, exact for int64 deadlines past 2^53 (then a bigint). */
  getExpireExact(key: string): number | bigint | undefined {
    if (this.expires.size === 0) return undefined;
    const at = this.expires.get(key);
    if (at === undefined || this.bigExpires === null || Number.isSafeInteger(at)) return at;
    return this.bigExpires.get(key) ?? at;
  }

  /** Remove the TTL; returns true when there was one. */
  persist(key: string): boolean {
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    return this.expires.delete(key);
  }

  /** Delete every key (FLUSHDB). Returns the number of keys removed. */
  flush(): number {
    const n = this.data.size;
    this.touchAllWatched(null);
    const t = this.store.tracker;
    if (t !== null) t.flushed();
    if (this.store.sizeWatch !== null) this.store.sizeWatch.dbReset(this);
    if (this.store.memWatch !== null) this.store.memWatch.dbReset(this);
    if (this.store.keyWaiters !== 0) this.store.hooks.dbEmptied?.(this);
    this.data.clear();
    this.expires.clear();
    this.bigExpires = null;
    this.lru.clear();
    this.clearAccessLog();
    this.heap.clear();
    return n;
  }

  /**
   * Mark a key as modified (signalModifiedKey): clients WATCHing it fail their
   * EXEC. As touchWatchedKey: a watcher that saw the key already expired is
   * only cleared when the key is now gone, and while the expired key is still
   * there the remaining watchers of the key are left alone (Redis's `break`).
   */
  touch(key: string, expired = false): void {
    const st = this.store;
    st.touches++;
    if (st.tracker !== null) st.tracker.keyModified(key, expired);
    if (st.sizeWatch !== null) st.sizeWatch.keyChanged(this, key);
    if (st.memWatch !== null) st.memWatch.beforeChange(this, key);
    if (st.replLog !== null) st.replLog(this, key, expired);
    if (this.watched.size === 0) return;
    const ws = this.watched.get(key);
    if (ws === undefined) return;
    for (const w of ws) {
      if (w.expired) {
        if (!this.data.has(key)) {
          w.expired = false;
          continue;
        }
        break;
      }
      w.touched();
    }
  }

  /**
   * A value changed in place where Redis signals nothing (no WATCH, no
   * tracking): stream consumer groups and PELs, SORT converting a sorted
   * set. Only the memory accounts (INFO memory's, maxmemory's) are told.
   */
  sizeChanged(key: string): void {
    const st = this.store;
    if (st.sizeWatch !== null) st.sizeWatch.keyChanged(this, key);
    if (st.memWatch !== null) st.memWatch.beforeChange(this, key);
  }

  /**
   * touchAllWatchedKeysInDb: this database is about to be emptied (FLUSHDB,
   * FLUSHALL) or, for SWAPDB, to receive `replacedWith`'s contents. A watched
   * key is touched when it exists on either side, unless it is expired (or
   * missing) before and after.
   */
  touchAllWatched(replacedWith: Database | null): void {
    if (this.watched.size === 0) return;
    for (const [key, ws] of this.watched) {
      const inEmptied = this.data.has(key);
      const inReplacement = replacedWith !== null && replacedWith.data.has(key);
      if (!inEmptied && !inReplacement) continue;
      for (const w of ws) {
        if (w.expired) {
          if (!inReplacement) {
            w.expired = false;
            continue;
          }
          if ((replacedWith as Database).isExpired(key)) continue;
        } else if (!inEmptied && (replacedWith as Database).isExpired(key)) {
          w.expired = true;
          continue;
        }
        w.flushed();
      }
    }
  }

  /** keyIsExpired: the key is still stored but its deadline has passed. */
  isExpired(key: string): boolean {
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    return at !== undefined && at <= this.store.clock.now() && this.data.has(key);
  }

  /** Delete an expired key and tell the world (keyspace event `expired`). */
  private expireKey(key: string): void {
    if (this.store.keyWaiters !== 0) this.streamGone(key, this.data.get(key));
    if (this.store.memWatch !== null) this.store.memWatch.beforeChange(this, key);
    this.data.delete(key);
    this.expires.delete(key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    if (this.lru.size !== 0) this.lru.delete(key);
    this.stampedKey = undefined;
    this.touch(key, true);
    this.store.keyExpired(this, key);
  }

  /** Active expiry: remove every key whose deadline has passed. */
  expireDue(): void {
    const heap = this.heap;
    if (heap.size === 0) return;
    const now = this.store.clock.now();
    while (heap.size !== 0 && heap.peekAt() <= now) {
      const key = heap.peekKey() as string;
      const at = heap.peekAt();
      heap.pop();
      // Skip stale heap entries (TTL changed or removed since).
      if (this.expires.get(key) === at) this.expireKey(key);
    }
    if (heap.size > 1024 && heap.size > this.expires.size * 4) heap.rebuild(this.expires);
  }

  /** Earliest pending deadline (may be stale), or Infinity. */
  nextDeadline(): number {
    return this.heap.peekAt();
  }

  /** Visit every live key (expired ones are removed first). */
  keys(): IterableIterator<string> {
    this.expireDue();
    return this.data.keys();
  }

  // ---- access clock (OBJECT IDLETIME / FREQ, TOUCH) ---------------------------------

  /** Record an access whatever the client's NO-TOUCH flag (TOUCH). Returns whether the key exists. */
  access(key: string): boolean {
    if (this.peekRead(key) === undefined) return false;
    const st = this.store;
    if (st.lfuEnabled) this.lfuAccess(key);
    else this.logAccess(key, st.lruClock);
    return true;
  }

  /** Set a key's last access directly (RESTORE IDLETIME, policy switches). */
  setAccessStamp(key: string, stamp: number): void {
    this.lru.set(key, stamp);
    this.stampedKey = undefined;
  }

  /** Forget every LRU record (FLUSHDB, switching to an LFU policy). */
  clearAccessLog(): void {
    this.accessLog.clear();
    this.stampedKey = undefined;
  }

  /** Seconds since the key was last accessed (OBJECT IDLETIME); the key must exist. */
  idleSeconds(key: string): number {
    const now = this.store.currentLruClock();
    const at = this.lastAccess(key);
    if (at === undefined) return 0;
    // 24-bit wrapping clock, as estimateObjectIdleTime.
    return now >= at ? now - at : now + (LRU_CLOCK_MAX - at);
  }

  /** The decayed LFU counter of an existing key (OBJECT FREQ). */
  frequency(key: string): number {
    const packed = this.lru.get(key);
    if (packed === undefined) return 0;
    return this.store.lfuDecay(packed, this.store.currentLfuClock());
  }

  /** `lru` changed behind the stamp cache (SWAPDB, maxmemory-policy switch). */
  forgetStamp(): void {
    this.stampedKey = undefined;
  }

  private lfuAccess(key: string): void {
    const st = this.store;
    const prev = this.lru.get(key);
    this.lru.set(key, st.lfuTouch(prev ?? st.lfuInit()));
    st.lfuLastKey = key;
  }

  // ---- whole-db operations ------------------------------------------------------------

  /** A random live key, or undefined when the db is empty (RANDOMKEY). */
  randomKey(): string | undefined {
    this.expireDue();
    const n = this.data.size;
    if (n === 0) return undefined;
    let skip = Math.floor(Math.random() * n);
    for (const k of this.data.keys()) if (skip-- === 0) return k;
    return undefined;
  }

  /**
   * Exchange contents (keys, TTLs, access times, expiry index) with another
   * database; watchers stay where they are (SWAPDB).
   */
  swapContents(other: Database): void {
    const { data, expires, lru, heap, bigExpires, accessLog } = this;
    this.data = other.data;
    this.expires = other.expires;
    this.lru = other.lru;
    this.heap = other.heap;
    this.bigExpires = other.bigExpires;
    this.accessLog = other.accessLog;
    other.data = data;
    other.expires = expires;
    other.lru = lru;
    other.heap = heap;
    other.bigExpires = bigExpires;
    other.accessLog = accessLog;
    this.forgetStamp();
    other.forgetStamp();
    const sw = this.store.sizeWatch;
    if (sw !== null) {
      sw.dbReset(this);
      sw.dbReset(other);
    }
    const mw = this.store.memWatch;
    if (mw !== null) {
      mw.dbReset(this);
      mw.dbReset(other);
    }
  }
}

/** Redis's LRU_CLOCK_MAX: the LRU clock is 24 bits of seconds. */
export const LRU_CLOCK_MAX = (1 << 24) - 1;

/** One client's WATCH of one key (the transactions module implements it). */
export interface Watcher {
  /** The key was already expired when WATCH was called. */
  expired: boolean;
  /** The key was modified: the client's EXEC fails (and it stops watching). */
  touched(): void;
  /** The key's database was flushed or swapped: the client's EXEC fails. */
  flushed(): void;
}
