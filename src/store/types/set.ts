/**
 * The set value: distinct binary-string members.
 *
 * Storage is a Map (member -> slot, O(1) membership) plus an array of the
 * members (O(1) uniform random picks for SPOP / SRANDMEMBER). What Redis 7.0
 * makes observable is modelled on top of it:
 *
 * - Encoding. A set is an 'intset' while every member is an integer in
 *   canonical form that fits a signed 64-bit integer (Redis's string2ll:
 *   no '+', no leading zeros, no "-0") and it has at most
 *   set-max-intset-entries members (capped at 2^30 as Redis caps it); the
 *   first non-integer member or the member past the limit turns it into a
 *   'hashtable', one way. The limit is passed in by the commands, which read
 *   it from CONFIG at the moment of the change, as Redis does.
 *
 * - Order. An intset keeps its members sorted by numeric value, so every
 *   reply that walks an intset (SMEMBERS, SSCAN, SUNION of integers, ...)
 *   comes out ascending, byte for byte as Redis sends it. In intset form the
 *   array is that sorted order (the map's slots are unused); a hashtable's
 *   order is unspecified (the array is kept dense with swap-removal, and the
 *   map is the live iteration order used by SSCAN cursors).
 *
 * Members are binary strings (one char per byte); an intset member is always
 * the canonical decimal string of its value, so string identity is value
 * identity and lookups never parse numbers.
 */
import type { RObject } from '../types.js';

/** Redis caps set-max-intset-entries at 1G entries (intset internals). */
const INTSET_HARD_MAX = 1 << 30;

/** Default of set-max-intset-entries in Redis 7.0. */
export const SET_MAX_INTSET_ENTRIES_DEFAULT = 512;

/**
 * True when `s` is a member an intset can hold: a canonical decimal integer
 * (string2ll rules) in the signed 64-bit range.
 */
export function isIntsetMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const d0 = s.charCodeAt(i);
  if (d0 === 48 /* 0 */) return n === 1; // "0" only: no leading zeros, no "-0"
  if (d0 < 49 || d0 > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  // 19 digits: compare with the int64 limits (same length, so lexical order is numeric order).
  return i === 0 ? s <= '9223372036854775807' : s <= '-9223372036854775808';
}

/** Numeric order of two canonical integer strings (intset members). */
export function compareIntMembers(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  // Same sign: for positives the shorter is smaller; for negatives the longer is.
  if (a.length !== b.length) return a.length < b.length !== an ? -1 : 1;
  return a < b !== an ? -1 : 1;
}

const effectiveMax = (maxIntset: number) => (maxIntset >= INTSET_HARD_MAX ? INTSET_HARD_MAX : maxIntset);

export class RSet implements RObject {
  readonly type = 'set' as const;
  /** member -> index in `arr` (hashtable form); membership only in intset form. */
  private idx: Map<string, number>;
  /** Members: sorted ascending by value (intset form) or in slot order (hashtable form). */
  private arr: string[];
  private intset: boolean;

  constructor() {
    this.idx = new Map();
    this.arr = [];
    this.intset = true;
  }

  /**
   * A set holding `members` (which must be distinct), encoded as Redis
   * encodes a set built by adding them one by one to an empty intset
   * (SINTERSTORE / SUNIONSTORE / SDIFFSTORE results, SPOP's rebuilt set).
   */
  static fromDistinct(members: string[], maxIntset: number = SET_MAX_INTSET_ENTRIES_DEFAULT): RSet {
    const s = new RSet();
    let ints = members.length <= effectiveMax(maxIntset);
    if (ints) {
      for (let i = 0; i < members.length; i++) {
        if (!isIntsetMember(members[i])) {
          ints = false;
          break;
        }
      }
    }
    const idx = s.idx;
    if (ints) {
      s.arr = members.slice().sort(compareIntMembers);
      for (let i = 0; i < members.length; i++) idx.set(members[i], 0);
    } else {
      s.intset = false;
      s.arr = members.slice();
      for (let i = 0; i < members.length; i++) idx.set(members[i], i);
    }
    return s;
  }

  /** fromDistinct for members that may repeat (a loaded payload): null when one does. */
  static fromDistinctChecked(members: string[], maxIntset: number = SET_MAX_INTSET_ENTRIES_DEFAULT): RSet | null {
    const s = RSet.fromDistinct(members, maxIntset);
    return s.idx.size === s.arr.length ? s : null;
  }

  get size(): number {
    return this.arr.length;
  }

  /** OBJECT ENCODING: 'intset' or 'hashtable'. */
  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  /** True while the set is intset-encoded (members sorted, SSCAN answers in one go). */
  get isIntset(): boolean {
    return this.intset;
  }

  has(member: string): boolean {
    return this.idx.has(member);
  }

  /**
   * Add a member; returns false when it was already there. `maxIntset` is
   * set-max-intset-entries, read by the caller from CONFIG.
   */
  add(member: string, maxIntset: number = SET_MAX_INTSET_ENTRIES_DEFAULT): boolean {
    const idx = this.idx;
    if (idx.has(member)) return false;
    const arr = this.arr;
    if (this.intset) {
      if (isIntsetMember(member)) {
        if (arr.length + 1 <= effectiveMax(maxIntset)) {
          idx.set(member, 0);
          insertSorted(arr, member);
          return true;
        }
      }
      this.toHashtable();
    }
    idx.set(member, arr.length);
    arr.push(member);
    return true;
  }

  /** Remove a member; returns false when it was not there. */
  delete(member: string): boolean {
    const idx = this.idx;
    const i = idx.get(member);
    if (i === undefined) return false;
    idx.delete(member);
    const arr = this.arr;
    if (this.intset) {
      arr.splice(findSorted(arr, member), 1);
      return true;
    }
    const last = arr.pop() as string;
    if (i < arr.length) {
      arr[i] = last;
      idx.set(last, i);
    }
    return true;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    return this.arr[(Math.random() * this.arr.length) | 0];
  }

  /** Remove and return a uniformly random member (the set must not be empty). */
  popRandom(): string {
    const arr = this.arr;
    const i = (Math.random() * arr.length) | 0;
    const m = arr[i];
    this.idx.delete(m);
    if (this.intset) {
      arr.splice(i, 1);
    } else {
      const last = arr.pop() as string;
      if (i < arr.length) {
        arr[i] = last;
        this.idx.set(last, i);
      }
    }
    return m;
  }

  /**
   * The members in the set's own order (ascending for an intset). A live
   * view: do not modify it, and copy it before the set changes.
   */
  view(): readonly string[] {
    return this.arr;
  }

  /** The members as a new array, in the set's own order (ascending for an intset). */
  toArray(): string[] {
    return this.arr.slice();
  }

  /** Iterate the members in the set's own order (do not modify the set meanwhile). */
  [Symbol.iterator](): IterableIterator<string> {
    return this.arr[Symbol.iterator]();
  }

  /**
   * A live iterator that stays valid while the set changes (SSCAN cursors):
   * it yields every member present throughout, never one twice unless it was
   * removed and re-added.
   */
  liveIterator(): IterableIterator<string> {
    return this.idx.keys();
  }

  /** Turn an intset into a hashtable (one-way). */
  toHashtable(): void {
    if (!this.intset) return;
    this.intset = false;
    const arr = this.arr;
    const idx = this.idx;
    for (let i = 0; i < arr.length; i++) idx.set(arr[i], i);
  }

  clone(): RSet {
    const s = new RSet();
    s.intset = this.intset;
    s.arr = this.arr.slice();
    s.idx = new Map(this.idx);
    return s;
  }
}

/** Binary search: index of `m` in the sorted array (it must be present). */
function findSorted(arr: string[], m: string): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareIntMembers(arr[mid], m);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error('RedKit: intset member missing from its sorted array');
}

/** Insert `m` (not present) into the sorted array. */
function insertSorted(arr: string[], m: string): void {
  const n = arr.length;
  if (n === 0 || compareIntMembers(arr[n - 1], m) < 0) {
    arr.push(m);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIntMembers(arr[mid], m) < 0) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, m);
}
