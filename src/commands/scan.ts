/**
 * Cursor-based iteration shared by SCAN, HSCAN, SSCAN and ZSCAN.
 *
 * JavaScript Map/Set iterators stay valid while the collection changes (V8's
 * ordered hash tables move live iterators across rehashes and skip deleted
 * entries), so a cursor is simply a handle to a live iterator: a full
 * iteration returns every element that existed throughout, possibly some
 * added meanwhile, never one twice unless it was deleted and re-added.
 * Cursor numbers are handles, not hash-table positions: they differ from
 * Redis's, a cursor is used up by the call that continues it, and a cursor
 * this server does not know (0, stale, evicted, from another key) starts a
 * new iteration.
 */
import { Err, ReplyError } from '../errors.js';
import type { RedKitServer } from '../server/server.js';
import { globMatch, intArg } from './util.js';

interface CursorEntry<T> {
  source: object;
  iter: Iterator<T>;
}

/**
 * Unfinished iterations kept per server. Clients often abandon a SCAN (or
 * start one with cursor 0 and stop): the oldest cursors are forgotten, and a
 * forgotten cursor starts a new iteration.
 */
const MAX_CURSORS = 16384;

/** Live iterators keyed by cursor number, per server. */
export class CursorTable {
  private readonly cursors = new Map<number, CursorEntry<unknown>>();
  private next = 1;
  /** No live cursor is older than this id (ids are handed out in order). */
  private oldest = 1;

  /** Iterator for a cursor: continue an existing one, or start over for 0 / unknown cursors. */
  iterator<T>(cursor: number, source: object, start: () => Iterator<T>): Iterator<T> {
    if (cursor !== 0) {
      const e = this.cursors.get(cursor);
      if (e !== undefined && e.source === source) {
        this.cursors.delete(cursor);
        return e.iter as Iterator<T>;
      }
    }
    return start();
  }

  /** Remember an unfinished iterator; returns its cursor number. */
  save<T>(source: object, iter: Iterator<T>): number {
    if (this.cursors.size >= MAX_CURSORS) {
      // Forget the oldest. (Not via cursors.keys().next(): a Map keeps deleted
      // entries as holes until it rehashes, and iterating from the front over
      // them made every SCAN O(cursors).)
      while (!this.cursors.has(this.oldest)) this.oldest++;
      this.cursors.delete(this.oldest++);
    }
    if (this.next >= Number.MAX_SAFE_INTEGER) {
      this.cursors.clear();
      this.next = this.oldest = 1;
    }
    const id = this.next++;
    this.cursors.set(id, { source, iter });
    return id;
  }

  clear(): void {
    this.cursors.clear();
    this.oldest = this.next;
  }
}

export function cursorTable(server: RedKitServer): CursorTable {
  let t = server.ext.cursors as CursorTable | undefined;
  if (t === undefined) {
    t = new CursorTable();
    server.ext.cursors = t;
  }
  return t;
}

/**
 * Parse a SCAN cursor argument as Redis does (strtoul, base 10): optional
 * sign, digits, nothing else; leading whitespace, trailing garbage and values
 * past 2^64-1 are `ERR invalid cursor`. The empty string is cursor 0, and a
 * negative number wraps around (as strtoul does).
 */
export function parseCursor(s: string): number {
  if (s === '0') return 0;
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null || (m[2] === '' && m[1] !== '')) throw new ReplyError('ERR invalid cursor');
  if (m[2] === '') return 0;
  let n = BigInt(m[2]);
  if (n > 18446744073709551615n) throw new ReplyError('ERR invalid cursor');
  if (m[1] === '-' && n !== 0n) n = 18446744073709551616n - n;
  return Number(n);
}

export interface ScanOptions {
  match?: string;
  count: number;
  /** SCAN TYPE filter (lower-case type name). */
  type?: string;
  /** HSCAN NOVALUES. */
  noValues: boolean;
}

/**
 * Parse `[MATCH pattern] [COUNT count] [TYPE type] [NOVALUES]` from args[from..].
 * `allow` lists the extra options this command accepts besides MATCH/COUNT.
 */
export function parseScanOptions(args: string[], from: number, allow: { type?: boolean; noValues?: boolean } = {}): ScanOptions {
  const o: ScanOptions = { count: 10, noValues: false };
  let i = from;
  while (i < args.length) {
    const opt = args[i].toUpperCase();
    const more = args.length - i - 1;
    if (opt === 'COUNT' && more >= 1) {
      const n = intArg(args[i + 1]);
      if (n < 1) throw new ReplyError(Err.syntax);
      o.count = n;
      i += 2;
    } else if (opt === 'MATCH' && more >= 1) {
      o.match = args[i + 1];
      i += 2;
    } else if (opt === 'TYPE' && more >= 1 && allow.type) {
      o.type = args[i + 1].toLowerCase();
      i += 2;
    } else if (opt === 'NOVALUES' && allow.noValues) {
      o.noValues = true;
      i += 1;
    } else throw new ReplyError(Err.syntax);
  }
  return o;
}

/**
 * One SCAN step over a live iterator: visit about `count` elements, keep
 * those `accept` approves. Returns the next cursor (0 when done) and the
 * accepted elements.
 *
 * `initialSize` (the collection's size, read on every call but used when an
 * iteration starts) bounds the whole iteration to that many visits, which
 * makes it terminate even while writers keep adding elements (a live Map
 * iterator would chase them forever). Elements present from the start come
 * before any added later in a Map's order, so the guarantee holds: every
 * element present throughout is returned. Pass it only when the iterator
 * yields one item per element of a Map/Set in insertion order.
 */
export function scanStep<T>(
  table: CursorTable,
  cursor: number,
  source: object,
  start: () => Iterator<T>,
  count: number,
  accept: (item: T) => boolean,
  initialSize?: number,
): { cursor: number; items: T[] } {
  let iter = table.iterator(cursor, source, start);
  if (!(iter instanceof Peekable)) iter = new Peekable(iter, initialSize ?? Infinity);
  const it = iter as Peekable<T>;
  const items: T[] = [];
  for (let visited = 0; visited < count; visited++) {
    if (it.remaining <= 0) return { cursor: 0, items };
    const r = it.next();
    if (r.done) return { cursor: 0, items };
    it.remaining--;
    if (accept(r.value)) items.push(r.value);
  }
  // Peek whether anything is left, so a finished iteration returns cursor 0 at once.
  if (it.remaining <= 0) return { cursor: 0, items };
  const r = it.next();
  if (r.done) return { cursor: 0, items };
  it.pushBack(r.value);
  return { cursor: table.save(source, it), items };
}

/**
 * The iterator a cursor holds: one element can be pushed back (the peek), and
 * it is reused across SCAN calls (no wrapper chains).
 */
class Peekable<T> implements Iterator<T> {
  private pending = false;
  private value: T | undefined;
  constructor(
    private readonly inner: Iterator<T>,
    /** Visits left in this iteration. */
    public remaining: number,
  ) {}
  pushBack(v: T): void {
    this.pending = true;
    this.value = v;
  }
  next(): IteratorResult<T> {
    if (this.pending) {
      this.pending = false;
      const v = this.value as T;
      this.value = undefined;
      return { value: v, done: false };
    }
    return this.inner.next();
  }
}

/** MATCH filter for binary strings (undefined pattern or `*` accepts everything). */
export function matcher(pattern: string | undefined): (s: string) => boolean {
  if (pattern === undefined || pattern === '*') return () => true;
  return (s) => globMatch(pattern, s);
}
