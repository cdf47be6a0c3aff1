/**
 * One logical database: keys to values, plus the expiry index.
 *
 * Expired keys are never visible: every lookup checks the key's deadline, and
 * a heap of deadlines drives active expiry on the server's clock (so advancing
 * a virtual clock removes keys and emits `expired` events at once).
 */
import { ExpiryHeap } from './heap.js';
import type { Store } from './store.js';
import type { Value } from './types.js';

export class Database {
  readonly data = new Map<string, Value>();
  /** key -> absolute deadline in ms (clock time). */
  readonly expires = new Map<string, number>();
  private readonly heap = new ExpiryHeap();
  /** Clients watching keys of this db (WATCH): key -> set of watchers. */
  readonly watched = new Map<string, Set<Watcher>>();

  constructor(
    readonly id: number,
    readonly store: Store,
  ) {}

  get size(): number {
    this.expireDue();
    return this.data.size;
  }

  /** The value at key, or undefined (expired keys are deleted on the way). */
  get(key: string): Value | undefined {
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

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Store a value (Redis setKey): replaces any value, and clears the TTL unless
   * keepTtl. Signals the key as modified for WATCH.
   */
  set(key: string, value: Value, keepTtl = false): void {
    this.data.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.touch(key);
  }

  /** Replace the value in place (same key, TTL kept) without signalling. */
  replaceValue(key: string, value: Value): void {
    this.data.set(key, value);
  }

  /** Delete a key; returns whether it existed (and was not expired). */
  delete(key: string): boolean {
    if (this.get(key) === undefined) return false;
    this.data.delete(key);
    if (this.expires.size !== 0) this.expires.delete(key);
    this.touch(key);
    return true;
  }

  /** Set the absolute deadline (ms) of an existing key. */
  setExpire(key: string, at: number): void {
    const prev = this.expires.get(key);
    this.expires.set(key, at);
    if (prev !== at) {
      this.heap.push(at, key);
      this.store.expiryScheduled(this, at);
    }
  }

  /** Deadline in ms, or undefined when the key has no TTL. */
  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  /** Remove the TTL; returns true when there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** Delete every key (FLUSHDB). Returns the number of keys removed. */
  flush(): number {
    const n = this.data.size;
    if (this.watched.size !== 0) for (const k of this.data.keys()) this.touch(k);
    this.data.clear();
    this.expires.clear();
    this.heap.clear();
    return n;
  }

  /** Mark a key as modified: WATCHers of it fail their EXEC. */
  touch(key: string): void {
    if (this.watched.size === 0) return;
    const ws = this.watched.get(key);
    if (ws !== undefined) for (const w of ws) w.watchTouched(this.id, key);
  }

  /** Delete an expired key and tell the world (keyspace event `expired`). */
  private expireKey(key: string): void {
    this.data.delete(key);
    this.expires.delete(key);
    this.touch(key);
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
}

/** Something that watches keys (a connection in WATCH / MULTI). */
export interface Watcher {
  watchTouched(db: number, key: string): void;
}
