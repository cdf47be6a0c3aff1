/**
 * SORT and SORT_RO (sort.c), as redis-server 7.0.15 behaves:
 *
 * - Sorts lists, sets and sorted sets; numerically by default (strtod rules:
 *   leading whitespace, hex floats, inf accepted; trailing garbage, NaN,
 *   overflow and underflow rejected with "One or more scores can't be
 *   converted into double"), ties broken by comparing the elements as bytes;
 *   ALPHA compares strings (strcoll in the C / C.UTF-8 locale, i.e. bytes up
 *   to the first NUL; with STORE, all the bytes).
 * - BY pattern: the first `*` is replaced by the element, `key->field` reads
 *   a hash field; a pattern without `*` (e.g. `nosort`) skips sorting: lists
 *   and sorted sets keep their order (DESC reverses it, LIMIT applies), sets
 *   their own order, except with STORE or in a script, where Redis sorts them
 *   ALPHA so the result is deterministic.
 * - GET pattern (repeatable), `#` for the element itself; LIMIT offset count;
 *   STORE dst writes a list (an empty result deletes dst).
 * - With BY and a LIMIT that does not cover everything, Redis sorts with its
 *   partial quicksort (pqsort.c), which is not stable: the same algorithm is
 *   used here, so ties come out in the same order.
 * - Sorting a sorted set converts it to the skiplist encoding (zsetConvert).
 */
import { Err, ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import type { RHash } from '../store/types/hash.js';
import { RList } from '../store/types/list.js';
import type { RSet } from '../store/types/set.js';
import type { ZSet } from '../store/types/zset.js';
import { typeOf, type Value } from '../store/types.js';
import { pqsort } from './pqsort.js';
import { defineCommands, intArg, is } from './util.js';

const SCORES_ERROR = "ERR One or more scores can't be converted into double";

interface SortItem {
  /** The element (binary string). */
  obj: string;
  /** Numeric weight (numeric sort). */
  score: number;
  /** ALPHA with BY: the looked-up weight, or null when missing. */
  cmp: string | null;
}

/** The string value of a key for BY/GET lookups: null if missing or not a string. */
function stringValue(v: Value | undefined): string | null {
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  return v.type === 'string' ? String(v) : null;
}

/** C-string view: the bytes before the first NUL (strchr/strstr stop there). */
const cstr = (s: string): string => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};

/**
 * lookupKeyByPattern: `#` is the element; otherwise the first `*` is replaced
 * by the element and `->field` reads a hash field. Null when the pattern has
 * no `*`, the key is missing or of the wrong type, or the field is missing.
 */
export function lookupByPattern(db: Database, pattern: string, subst: string): string | null {
  if (pattern.charCodeAt(0) === 35 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return subst;
  const c = cstr(pattern);
  const star = c.indexOf('*');
  if (star < 0) return null;
  const arrow = c.indexOf('->', star + 1);
  let field: string | undefined;
  if (arrow >= 0 && arrow + 2 < c.length) field = pattern.slice(arrow + 2);
  const postfixEnd = field === undefined ? pattern.length : arrow;
  const keyName = pattern.slice(0, star) + subst + pattern.slice(star + 1, postfixEnd);
  const v = db.get(keyName);
  if (v === undefined) return null;
  if (field !== undefined) {
    if (typeof v === 'string' || v.type !== 'hash') return null;
    return (v as RHash).get(field) ?? null;
  }
  return stringValue(v);
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^[+-]?inf(?:inity)?$/i;
const DBL_MIN = 2.2250738585072014e-308;

/**
 * `strtod(s, &eptr)` followed by SORT's check (`eptr[0] == '\0'`, no ERANGE,
 * not NaN): the number, or null when SORT reports a conversion error. The
 * string ends at its first NUL, as C sees it.
 */
export function sortStrtod(s: string): number | null {
  let t = cstr(s);
  let i = 0;
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  if (i === t.length) return t.length === 0 ? 0 : null; // "" is 0; only spaces is no number
  t = t.slice(i);
  if (INF.test(t)) return t.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (DECIMAL.test(t)) {
    const v = Number(t);
    if (!Number.isFinite(v)) return null; // ERANGE: overflow
    // ERANGE: a nonzero value that comes out subnormal or zero (never exact for decimal input).
    if (Math.abs(v) < DBL_MIN && /[1-9]/.test(t.replace(/[eE].*$/, ''))) return null;
    return v;
  }
  const m = HEX.exec(t);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  let mant = BigInt('0x0' + m[2] + frac);
  if (mant === 0n) return m[1] === '-' ? -0 : 0;
  let exp = Number(m[4] ?? 0) - 4 * frac.length;
  // Hex input is exact unless it needs bits below 2^-1074: only then is a tiny result ERANGE.
  let tz = 0;
  while ((mant & 1n) === 0n) {
    mant >>= 1n;
    tz++;
  }
  exp += tz;
  let v = Number(mant);
  if (exp > 0) v *= 2 ** Math.min(exp, 1100);
  else {
    // Scale down in steps so the intermediate result does not underflow early.
    let e = exp;
    while (e < -1000) {
      v *= 2 ** -1000;
      e += 1000;
    }
    v *= 2 ** e;
  }
  if (m[1] === '-') v = -v;
  if (!Number.isFinite(v)) return null;
  if (Math.abs(v) < DBL_MIN && (exp < -1074 || mant >= 1n << 53n)) return null;
  return v;
}

/** memcmp, then length (compareStringObjects, binary). */
const binaryCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** strcoll in the C / C.UTF-8 locale: strcmp, which stops at NUL. */
const collate = (a: string, b: string): number => binaryCompare(cstr(a), cstr(b));

function comparator(alpha: boolean, byPattern: boolean, store: boolean, desc: boolean): (x: SortItem, y: SortItem) => number {
  let cmp: (x: SortItem, y: SortItem) => number;
  if (!alpha) {
    cmp = (x, y) => (x.score > y.score ? 1 : x.score < y.score ? -1 : binaryCompare(x.obj, y.obj));
  } else if (byPattern) {
    const strCmp = store ? binaryCompare : collate;
    cmp = (x, y) => {
      if (x.cmp === null || y.cmp === null) return x.cmp === y.cmp ? 0 : x.cmp === null ? -1 : 1;
      return strCmp(x.cmp, y.cmp);
    };
  } else {
    const strCmp = store ? binaryCompare : collate;
    cmp = (x, y) => strCmp(x.obj, y.obj);
  }
  return desc ? (x, y) => -cmp(x, y) : cmp;
}

function sortGeneric(ctx: Context, args: string[], readonly: boolean): Reply {
  const key = args[0];
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | undefined;
  let storekey: string | undefined;
  const gets: string[] = [];
  for (let j = 1; j < args.length; j++) {
    const a = args[j];
    const left = args.length - j - 1;
    if (is(a, 'ASC')) desc = false;
    else if (is(a, 'DESC')) desc = true;
    else if (is(a, 'ALPHA')) alpha = true;
    else if (is(a, 'LIMIT') && left >= 2) {
      // C longs: values past the collection size clamp anyway.
      limitStart = intArg(args[j + 1]);
      limitCount = intArg(args[j + 2]);
      j += 2;
    } else if (!readonly && is(a, 'STORE') && left >= 1) {
      storekey = args[++j];
    } else if (is(a, 'BY') && left >= 1) {
      sortby = args[++j];
      // A constant pattern (no `*` before any NUL) means "don't sort"; it sticks.
      if (cstr(sortby).indexOf('*') < 0) dontsort = true;
    } else if (is(a, 'GET') && left >= 1) {
      gets.push(args[++j]);
    } else throw new ReplyError(Err.syntax);
  }

  const db = ctx.db;
  const sortval = db.get(key);
  const type = sortval === undefined ? 'list' : typeOf(sortval);
  if (type !== 'list' && type !== 'set' && type !== 'zset') throw new ReplyError(Err.wrongType);

  // Sets have no order of their own worth replicating: sort them when the result is kept.
  if (dontsort && type === 'set' && (storekey !== undefined || ctx.inScript)) {
    dontsort = false;
    alpha = true;
    sortby = undefined;
  }
  if (type === 'zset' && sortval !== undefined && (sortval as ZSet).isListpack) {
    // A conversion Redis does not signal: only the memory accounts are told.
    db.sizeChanged(key);
    (sortval as ZSet).convertToSkiplist();
  }

  const len = sortval === undefined ? 0 : type === 'list' ? (sortval as RList).length : (sortval as RSet | ZSet).size;
  let start = Math.min(Math.max(limitStart, 0), len);
  const count = Math.min(Math.max(limitCount, -1), len);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  const vector: SortItem[] = [];
  const item = (obj: string): SortItem => ({ obj, score: 0, cmp: null });
  if (sortval === undefined) {
    // nothing to load
  } else if (type === 'list' && dontsort) {
    if (end >= start) {
      const l = sortval as RList;
      const n = end - start + 1;
      if (desc) for (let i = len - start - 1, k = 0; k < n; i--, k++) vector.push(item(l.at(i) as string));
      else for (const e of l.range(start, end)) vector.push(item(e));
      end -= start;
      start = 0;
    }
  } else if (type === 'list') {
    for (const e of sortval as RList) vector.push(item(e));
  } else if (type === 'set') {
    for (const e of sortval as RSet) vector.push(item(e));
  } else if (dontsort) {
    // Score order (DESC: reversed), LIMIT applied while loading.
    const n = start !== 0 || end !== len - 1 ? end - start + 1 : len;
    let skip = start;
    for (const [member] of (sortval as ZSet).entries(desc)) {
      if (vector.length >= n) break;
      if (skip > 0) skip--;
      else vector.push(item(member));
    }
    end -= start;
    start = 0;
  } else {
    // Redis loads the members in hash order; the order only shows for ALPHA BY ties.
    for (const [member] of (sortval as ZSet).entries()) vector.push(item(member));
  }

  let conversionError = false;
  if (!dontsort) {
    for (const it of vector) {
      let byval: string | null;
      if (sortby !== undefined) {
        byval = lookupByPattern(db, sortby, it.obj);
        if (byval === null) continue;
      } else byval = it.obj;
      if (alpha) {
        if (sortby !== undefined) it.cmp = byval;
      } else {
        const d = sortStrtod(byval);
        if (d === null) conversionError = true;
        else it.score = d;
      }
    }
    const cmp = comparator(alpha, sortby !== undefined, storekey !== undefined, desc);
    if (sortby !== undefined && (start !== 0 || end !== vector.length - 1)) pqsort(vector, cmp, start, end);
    else vector.sort(cmp); // glibc's qsort is a (stable) merge sort, like Array#sort
  }

  const outputLen = gets.length ? gets.length * (end - start + 1) : end - start + 1;
  if (conversionError) throw new ReplyError(SCORES_ERROR);
  if (storekey === undefined) {
    const out: Reply[] = [];
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (gets.length === 0) out.push(obj);
      for (const g of gets) out.push(lookupByPattern(db, g, obj));
    }
    return out;
  }
  const items: string[] = [];
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (gets.length === 0) items.push(obj);
    else for (const g of gets) items.push(lookupByPattern(db, g, obj) ?? '');
  }
  if (outputLen > 0) {
    db.set(storekey, RList.fromArray(items));
    ctx.store.notify(NOTIFY.LIST, 'sortstore', storekey, db.id);
    ctx.store.hooks.keyReady?.(db, storekey);
  } else if (db.delete(storekey)) {
    ctx.store.notify(NOTIFY.GENERIC, 'del', storekey, db.id);
  }
  return outputLen;
}

export function installSort(server: RedKitServer): void {
  defineCommands(server, {
    sort: (ctx, args) => sortGeneric(ctx, args, false),
    sort_ro: (ctx, args) => sortGeneric(ctx, args, true),
  });
}
