/**
 * The list value: a double-ended queue of binary strings.
 *
 * Storage is a growable ring buffer (a plain JS array used circularly):
 *   - push/pop at either end: O(1) amortised, no allocation besides growth;
 *   - at(i) / set(i): O(1);
 *   - range reads: one copy loop;
 *   - insert/remove in the middle: O(min(i, n - i)) (shifts the shorter side);
 *   - bulk removal (LREM-style) and trimming: one pass.
 *
 * The buffer doubles when full and halves when three quarters empty, so a
 * list never holds much more than twice its length in slots. Vacated slots
 * are cleared so popped strings can be collected.
 *
 * Indexes: methods taking a single index (at, set) accept negative indexes
 * counted from the tail, as LINDEX/LSET do. `insert`/`remove`/`removeRange`
 * take plain 0-based positions. `range(start, stop)` follows LRANGE:
 * inclusive, negative from the tail, clamped to the list.
 *
 * OBJECT ENCODING is 'quicklist' for every list: Redis 7.0 has no listpack
 * lists (those came in 7.2), and reports quicklist even for one element.
 */
import type { RObject } from '../types.js';

/** Smallest buffer a growing list allocates. */
const MIN_CAPACITY = 4;
/** Buffers at or below this size never shrink. */
const SHRINK_FLOOR = 16;

/** Above this many slots, build buffers by push: V8 makes `new Array(n)` dictionary-backed past 32M. */
const MAX_PREALLOC = 1 << 24;

/** An array of `n` undefined slots with fast (non-dictionary) elements. */
function allocSlots(n: number): Array<string | undefined> {
  if (n <= MAX_PREALLOC) return new Array<string | undefined>(n).fill(undefined);
  const a: Array<string | undefined> = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

export class RList implements RObject {
  readonly type = 'list' as const;
  /** Ring storage; slots outside [head, head + len) (mod capacity) are undefined. */
  private buf: Array<string | undefined>;
  /** Physical index of element 0. */
  private head = 0;
  private len = 0;

  constructor(capacity = 0) {
    this.buf = capacity > 0 ? allocSlots(capacity) : [];
  }

  /** A list holding a copy of `items` (in order). */
  static fromArray(items: readonly string[]): RList {
    const l = new RList();
    l.buf = items.slice();
    l.len = items.length;
    return l;
  }

  /** A list holding `items`, which it takes over (the caller must not use the array again). */
  static adopt(items: string[]): RList {
    const l = new RList();
    l.buf = items;
    l.len = items.length;
    return l;
  }

  /** Number of elements. */
  get length(): number {
    return this.len;
  }

  /** Slots currently allocated (for tests and memory accounting). */
  get capacity(): number {
    return this.buf.length;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): RList {
    return RList.fromArray(this.toArray());
  }

  /** Physical slot of logical index i (0 <= i < capacity). */
  private slot(i: number): number {
    const p = this.head + i;
    const cap = this.buf.length;
    return p >= cap ? p - cap : p;
  }

  /** Element at index i (negative counts from the tail), or undefined when out of range. */
  at(i: number): string | undefined {
    const n = this.len;
    if (i < 0) i += n;
    if (i < 0 || i >= n) return undefined;
    return this.buf[this.slot(i)];
  }

  /** Replace the element at index i (negative counts from the tail). Returns false when out of range. */
  set(i: number, value: string): boolean {
    const n = this.len;
    if (i < 0) i += n;
    if (i < 0 || i >= n) return false;
    this.buf[this.slot(i)] = value;
    return true;
  }

  /** First element, or undefined when empty. */
  first(): string | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  /** Last element, or undefined when empty. */
  last(): string | undefined {
    return this.len === 0 ? undefined : this.buf[this.slot(this.len - 1)];
  }

  /** Add at the head (LPUSH). Returns the new length. */
  pushHead(value: string): number {
    if (this.len === this.buf.length) this.resize(this.growTarget());
    const cap = this.buf.length;
    const h = this.head === 0 ? cap - 1 : this.head - 1;
    this.buf[h] = value;
    this.head = h;
    return ++this.len;
  }

  /** Add at the tail (RPUSH). Returns the new length. */
  pushTail(value: string): number {
    if (this.len === this.buf.length) this.resize(this.growTarget());
    this.buf[this.slot(this.len)] = value;
    return ++this.len;
  }

  /** Remove and return the head element (LPOP), or undefined when empty. */
  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const buf = this.buf;
    const h = this.head;
    const v = buf[h];
    buf[h] = undefined;
    this.head = h + 1 === buf.length ? 0 : h + 1;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Remove and return the tail element (RPOP), or undefined when empty. */
  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const p = this.slot(this.len - 1);
    const v = this.buf[p];
    this.buf[p] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /**
   * Insert `value` so that it ends up at position `index` (0 <= index <= length):
   * 0 is the head, length the tail. Returns the new length.
   */
  insert(index: number, value: string): number {
    const n = this.len;
    if (!(index >= 0 && index <= n)) throw new RangeError(`RList.insert: index ${index} outside 0..${n}`);
    if (index === 0) return this.pushHead(value);
    if (index === n) return this.pushTail(value);
    if (n === this.buf.length) this.resize(this.growTarget());
    const buf = this.buf;
    const cap = buf.length;
    if (index < n - index) {
      // Move the first `index` elements one slot towards the front.
      const h = this.head === 0 ? cap - 1 : this.head - 1;
      this.head = h;
      let dst = h;
      for (let k = 0; k < index; k++) {
        const src = dst + 1 === cap ? 0 : dst + 1;
        buf[dst] = buf[src];
        dst = src;
      }
      buf[dst] = value;
    } else {
      // Move the elements from `index` on one slot towards the back.
      let dst = this.slot(n);
      for (let k = n; k > index; k--) {
        const src = dst === 0 ? cap - 1 : dst - 1;
        buf[dst] = buf[src];
        dst = src;
      }
      buf[dst] = value;
    }
    return ++this.len;
  }

  /** Remove and return the element at position `index` (0 <= index < length). */
  remove(index: number): string {
    const n = this.len;
    if (!(index >= 0 && index < n)) throw new RangeError(`RList.remove: index ${index} outside 0..${n - 1}`);
    const buf = this.buf;
    const cap = buf.length;
    let dst = this.slot(index);
    const v = buf[dst] as string;
    if (index < n - 1 - index) {
      // Close the gap from the front.
      for (let k = index; k > 0; k--) {
        const src = dst === 0 ? cap - 1 : dst - 1;
        buf[dst] = buf[src];
        dst = src;
      }
      buf[dst] = undefined;
      this.head = dst + 1 === cap ? 0 : dst + 1;
    } else {
      // Close the gap from the back.
      for (let k = index; k < n - 1; k++) {
        const src = dst + 1 === cap ? 0 : dst + 1;
        buf[dst] = buf[src];
        dst = src;
      }
      buf[dst] = undefined;
    }
    this.len = n - 1;
    this.maybeShrink();
    return v;
  }

  /**
   * Remove `count` elements starting at position `start` (clamped to the
   * list). Shifts whichever side is shorter. Returns the number removed.
   */
  removeRange(start: number, count: number): number {
    const n = this.len;
    if (start < 0) start = 0;
    if (start >= n || count <= 0) return 0;
    if (count > n - start) count = n - start;
    const end = start + count; // first kept index after the gap
    const buf = this.buf;
    if (start < n - end) {
      // Shift the `start` leading elements forward by `count`, then drop the front.
      for (let k = start - 1; k >= 0; k--) buf[this.slot(k + count)] = buf[this.slot(k)];
      for (let k = 0; k < count; k++) buf[this.slot(k)] = undefined;
      this.head = this.slot(count);
    } else {
      // Shift the trailing elements back by `count`, then drop the tail.
      for (let k = end; k < n; k++) buf[this.slot(k - count)] = buf[this.slot(k)];
      for (let k = n - count; k < n; k++) buf[this.slot(k)] = undefined;
    }
    this.len = n - count;
    this.maybeShrink();
    return count;
  }

  /**
   * Keep only positions start..stop (inclusive, LTRIM semantics: negative
   * from the tail, clamped; an empty range empties the list).
   */
  trim(start: number, stop: number): void {
    const n = this.len;
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    if (start < 0) start = 0;
    if (start > stop || start >= n) {
      this.clear();
      return;
    }
    if (stop >= n) stop = n - 1;
    const buf = this.buf;
    for (let k = 0; k < start; k++) buf[this.slot(k)] = undefined;
    for (let k = stop + 1; k < n; k++) buf[this.slot(k)] = undefined;
    this.head = this.slot(start);
    this.len = stop - start + 1;
    this.maybeShrink();
  }

  /**
   * Remove elements equal to `value` (LREM): up to `limit` of them, scanning
   * from the head, or from the tail when `fromTail`; limit 0 removes all.
   * Returns how many were removed. One pass over the list.
   */
  removeValue(value: string, limit = 0, fromTail = false): number {
    const n = this.len;
    const buf = this.buf;
    let removed = 0;
    if (!fromTail) {
      let r = 0;
      while (r < n && buf[this.slot(r)] !== value) r++;
      if (r === n) return 0;
      if (limit === 1) return this.removeOne(r);
      let w = r;
      for (; r < n; r++) {
        const p = this.slot(r);
        const e = buf[p];
        if (e === value && (limit === 0 || removed < limit)) removed++;
        else buf[this.slot(w++)] = e;
      }
      for (let k = w; k < n; k++) buf[this.slot(k)] = undefined;
    } else {
      let r = n - 1;
      while (r >= 0 && buf[this.slot(r)] !== value) r--;
      if (r < 0) return 0;
      if (limit === 1) return this.removeOne(r);
      let w = r;
      for (; r >= 0; r--) {
        const e = buf[this.slot(r)];
        if (e === value && (limit === 0 || removed < limit)) removed++;
        else buf[this.slot(w--)] = e;
      }
      // Positions 0..removed-1 are now free.
      for (let k = 0; k < removed; k++) buf[this.slot(k)] = undefined;
      this.head = this.slot(removed);
    }
    this.len = n - removed;
    this.maybeShrink();
    return removed;
  }

  /** LREM of one element (BullMQ's LREM active -1 id): remove() moves the shorter side only. */
  private removeOne(i: number): number {
    this.remove(i);
    return 1;
  }

  /** Index of the first element equal to value at or after `from`, or -1. */
  indexOf(value: string, from = 0): number {
    const n = this.len;
    if (from < 0) from = 0;
    const buf = this.buf;
    for (let i = from; i < n; i++) if (buf[this.slot(i)] === value) return i;
    return -1;
  }

  /** Index of the last element equal to value at or before `from`, or -1. */
  lastIndexOf(value: string, from = this.len - 1): number {
    if (from >= this.len) from = this.len - 1;
    const buf = this.buf;
    for (let i = from; i >= 0; i--) if (buf[this.slot(i)] === value) return i;
    return -1;
  }

  /**
   * Elements start..stop inclusive with LRANGE semantics (negative from the
   * tail, clamped; empty when the range is empty). A fresh array.
   */
  range(start: number, stop: number): string[] {
    const n = this.len;
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    if (start < 0) start = 0;
    if (start > stop || start >= n) return [];
    if (stop >= n) stop = n - 1;
    const count = stop - start + 1;
    const buf = this.buf;
    const cap = buf.length;
    let p = this.slot(start);
    // Two straight runs: up to the end of the buffer, then from its start.
    const firstRun = Math.min(count, cap - p);
    if (count > MAX_PREALLOC) {
      const out: string[] = [];
      for (let i = 0; i < firstRun; i++) out.push(buf[p + i] as string);
      for (let i = firstRun; i < count; i++) out.push(buf[i - firstRun] as string);
      return out;
    }
    const out: string[] = new Array(count);
    for (let i = 0; i < firstRun; i++) out[i] = buf[p + i] as string;
    p = 0;
    for (let i = firstRun; i < count; i++) out[i] = buf[p++] as string;
    return out;
  }

  /** All elements, head to tail. A fresh array. */
  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  /** Remove every element and release the buffer. */
  clear(): void {
    this.buf = [];
    this.head = 0;
    this.len = 0;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.buf[this.slot(i)] as string;
  }

  private growTarget(): number {
    const cap = this.buf.length;
    return cap < MIN_CAPACITY ? MIN_CAPACITY : cap * 2;
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (this.len === 0) {
      if (cap > SHRINK_FLOOR) this.buf = [];
      this.head = 0;
      return;
    }
    if (cap > SHRINK_FLOOR && this.len <= cap >>> 2) this.resize(cap >>> 1);
  }

  /** Move the elements into a fresh buffer of `cap` slots, head at 0. */
  private resize(cap: number): void {
    const old = this.buf;
    const n = this.len;
    const nb = allocSlots(cap);
    const oc = old.length;
    let p = this.head;
    for (let i = 0; i < n; i++) {
      nb[i] = old[p];
      if (++p === oc) p = 0;
    }
    this.buf = nb;
    this.head = 0;
  }
}

/** Type guard for values read from the keyspace. */
export const isList = (v: unknown): v is RList => v instanceof RList;
