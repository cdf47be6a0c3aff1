/**
 * String commands (t_string.c).
 *
 * Values: SET and friends store plain binary strings (the hot path). A command
 * that changes a value in place (APPEND, SETRANGE; SETBIT/BITFIELD in
 * bitmaps.ts) converts it once to an RString (store/types/string.ts), as Redis
 * unshares it into a 'raw' sds; readers accept both forms.
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, INT64_MIN, intToString, parseIntStrict } from '../resp/format.js';
import { IncrByFloatError, incrByFloat as ldIncrByFloat } from '../resp/longdouble.js';
import { MapReply, OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import { RString } from '../store/types/string.js';
import { encodingOf } from '../store/types.js';
import { defineCommands, getString, int64Arg, readLookup } from './util.js';

export const StrErr = {
  offsetRange: 'ERR offset is out of range',
  tooBig: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  decrOverflow: 'ERR decrement would overflow',
  lcsKeys: 'ERR The specified keys must contain string values',
  lcsIdxLen: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooLong: 'ERR String too long for LCS',
  lcsBulkLen: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsNoMem: 'ERR Insufficient memory, failed allocating transient memory for LCS',
} as const;

/** A string value: a plain binary string or an RString. */
export type StringValue = string | RString;

/**
 * An option keyword as Redis compares it (strcasecmp on a C string): the
 * argument up to its first NUL byte, ASCII upper-cased. '' when it is too long
 * to be any keyword.
 */
export function kw(a: string): string {
  let n = a.length;
  const z = a.indexOf('\0');
  if (z >= 0) n = z;
  if (n > 16) return '';
  const s = n === a.length ? a : a.slice(0, n);
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

/** The string value at key (either form), null if missing; WRONGTYPE for other types. */
export function getStringValue(db: Database, key: string): StringValue | null {
  const v = db.get(key);
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof RString) return v;
  if (v.type === 'string') return RString.from((v as { toString(): string }).toString());
  throw new ReplyError(Err.wrongType);
}

/**
 * The RString to modify in place for `key` whose current string value is `v`
 * (dbUnshareStringValue): a plain string is converted and stored once.
 */
export function unshare(db: Database, key: string, v: StringValue): RString {
  if (v instanceof RString) return v;
  const r = RString.from(v);
  db.replaceValue(key, r);
  return r;
}

/** checkStringLength: size + append must fit proto-max-bulk-len. */
export function checkStringLength(ctx: Context, size: number | bigint, append: number): void {
  const total = BigInt(size) + BigInt(append);
  if (total > BigInt(ctx.server.config.protoMaxBulkLen)) throw new ReplyError(StrErr.tooBig);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_PERSIST = 256;
const SET_EXPIRE_ANY = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

/**
 * parseExtendedStringArgumentsOrReply: SET options (forGetex false: NX XX GET
 * KEEPTTL EX PX EXAT PXAT) or GETEX options (forGetex true: PERSIST EX PX EXAT
 * PXAT) from args[from..]. Returns flags and the raw expire argument; throws
 * syntax errors as Redis does.
 */
export function parseSetOptions(args: string[], from: number, forGetex = false): { flags: number; expire: string | undefined } {
  let flags = 0;
  let expire: string | undefined;
  const set = !forGetex;
  for (let j = from; j < args.length; j++) {
    const u = kw(args[j]);
    const hasNext = j + 1 < args.length;
    const noOtherExpire = (mine: number) => !(flags & (SET_KEEPTTL | SET_PERSIST | (SET_EXPIRE_ANY & ~mine)));
    if (u === 'NX' && set && !(flags & SET_XX)) flags |= SET_NX;
    else if (u === 'XX' && set && !(flags & SET_NX)) flags |= SET_XX;
    else if (u === 'GET' && set) flags |= SET_GET;
    else if (u === 'KEEPTTL' && set && !(flags & (SET_PERSIST | SET_EXPIRE_ANY))) flags |= SET_KEEPTTL;
    else if (u === 'PERSIST' && !set && !(flags & (SET_EXPIRE_ANY | SET_KEEPTTL))) flags |= SET_PERSIST;
    else if (u === 'EX' && noOtherExpire(SET_EX) && hasNext) {
      flags |= SET_EX;
      expire = args[++j];
    } else if (u === 'PX' && noOtherExpire(SET_PX) && hasNext) {
      flags |= SET_PX;
      expire = args[++j];
    } else if (u === 'EXAT' && noOtherExpire(SET_EXAT) && hasNext) {
      flags |= SET_EXAT;
      expire = args[++j];
    } else if (u === 'PXAT' && noOtherExpire(SET_PXAT) && hasNext) {
      flags |= SET_PXAT;
      expire = args[++j];
    } else throw new ReplyError(Err.syntax);
  }
  return { flags, expire };
}

/**
 * Absolute deadline in ms for an EX/PX/EXAT/PXAT argument, with Redis's
 * checks (getExpireMillisecondsOrReply: positive, no overflow). `cmd` names
 * the command in the error.
 */
export function expireDeadline(ctx: Context, flags: number, raw: string, cmd: string): number | bigint {
  const v = parseIntStrict(raw);
  if (v === null) throw new ReplyError(Err.notInteger);
  // The usual case (a TTL or deadline below 2^40 ms or s, a safe clock): exact in doubles, within
  // every limit below; no bigints (SET ... PX on every BullMQ job lock).
  if (typeof v === 'number' && v > 0 && v < 1099511627776) {
    let d = (flags & (SET_EX | SET_EXAT)) !== 0 ? v * 1000 : v;
    if ((flags & (SET_EX | SET_PX)) !== 0) d += ctx.clock.now();
    if (Number.isSafeInteger(d)) return d;
  }
  let ms = BigInt(v);
  if (ms <= 0n) throw new ReplyError(Err.invalidExpire(cmd));
  if (flags & (SET_EX | SET_EXAT)) {
    if (ms > INT64_MAX / 1000n) throw new ReplyError(Err.invalidExpire(cmd));
    ms *= 1000n;
  }
  if (flags & (SET_EX | SET_PX)) {
    const now = BigInt(ctx.clock.now());
    if (ms > INT64_MAX - now) throw new ReplyError(Err.invalidExpire(cmd));
    ms += now;
  }
  // Deadlines past 2^53 stay exact as bigints (Database.setExpire keeps them).
  const n = Number(ms);
  return Number.isSafeInteger(n) ? n : ms;
}

function set(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const value = args[1];
  let flags = 0;
  let deadline: number | bigint = -1;
  if (args.length > 2) {
    const o = parseSetOptions(args, 2);
    flags = o.flags;
    if (o.expire !== undefined) deadline = expireDeadline(ctx, flags, o.expire, 'set');
  }
  const db = ctx.db;
  if (flags === 0) {
    db.set(key, value);
    ctx.store.notify(NOTIFY.STRING, 'set', key, db.id);
    return OK;
  }
  let old: string | null = null;
  // SET ... GET reads the old value as GET does (a keyspace hit or miss).
  if (flags & SET_GET) old = readLookup(ctx, () => getString(db, key));
  const exists = flags & SET_GET ? old !== null : db.has(key);
  if ((flags & SET_NX && exists) || (flags & SET_XX && !exists)) return flags & SET_GET ? old : null;
  db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  ctx.store.notify(NOTIFY.STRING, 'set', key, db.id);
  if (deadline >= 0) {
    // 'expire' is published first: a deadline already past makes setExpire
    // expire the key at once ('expired'), which Redis reports after 'expire'.
    ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
    db.setExpire(key, deadline);
  }
  return flags & SET_GET ? old : OK;
}

/** SETEX / PSETEX: key, time, value. */
function setWithExpire(ctx: Context, args: string[], flag: number, cmd: string): Reply {
  const key = args[0];
  const deadline = expireDeadline(ctx, flag, args[1], cmd);
  const db = ctx.db;
  db.set(key, args[2]);
  ctx.store.notify(NOTIFY.STRING, 'set', key, db.id);
  ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
  db.setExpire(key, deadline);
  return OK;
}

function get(ctx: Context, args: string[]): Reply {
  return getString(ctx.db, args[0]);
}

function getset(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const old = getString(db, args[0]);
  db.set(args[0], args[1]);
  ctx.store.notify(NOTIFY.STRING, 'set', args[0], db.id);
  return old;
}

function getdel(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const old = getString(db, args[0]);
  if (old !== null && db.delete(args[0])) ctx.store.notify(NOTIFY.GENERIC, 'del', args[0], db.id);
  return old;
}

function getex(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const { flags, expire } = parseSetOptions(args, 1, true);
  const db = ctx.db;
  const v = getString(db, key);
  if (v === null) return null;
  if (expire !== undefined) {
    const deadline = expireDeadline(ctx, flags, expire, 'getex');
    if (flags & (SET_EXAT | SET_PXAT) && deadline <= ctx.clock.now()) {
      db.delete(key);
      ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    } else {
      db.setExpire(key, deadline);
      db.touch(key);
      ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
    }
  } else if (flags & SET_PERSIST) {
    if (db.persist(key)) {
      db.touch(key);
      ctx.store.notify(NOTIFY.GENERIC, 'persist', key, db.id);
    }
  }
  return v;
}

function msetGeneric(ctx: Context, args: string[], nx: boolean): Reply {
  if (args.length % 2 !== 0) throw new ReplyError(Err.arity(nx ? 'msetnx' : 'mset'));
  const db = ctx.db;
  if (nx) {
    for (let i = 0; i < args.length; i += 2) if (db.has(args[i])) return 0;
  }
  for (let i = 0; i < args.length; i += 2) {
    db.set(args[i], args[i + 1]);
    ctx.store.notify(NOTIFY.STRING, 'set', args[i], db.id);
  }
  return nx ? 1 : OK;
}

function mget(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const out: Reply[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const v = db.get(args[i]);
    out[i] = typeof v === 'string' ? v : v !== undefined && v.type === 'string' ? String(v) : null;
  }
  return out;
}

function setnx(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  if (db.has(args[0])) return 0;
  db.set(args[0], args[1]);
  ctx.store.notify(NOTIFY.STRING, 'set', args[0], db.id);
  return 1;
}

/** INCRBY core: adds `by` to the integer at key, keeping its TTL. */
export function incrBy(ctx: Context, key: string, by: number | bigint): Reply {
  const db = ctx.db;
  const cur = getString(db, key);
  let value: number | bigint = 0;
  if (cur !== null) {
    const p = cur.length <= 20 ? parseIntStrict(cur) : null;
    if (p === null) throw new ReplyError(Err.notInteger);
    value = p;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof by === 'number') {
    result = value + by;
    if (!Number.isSafeInteger(result)) result = checkedAdd(BigInt(value), BigInt(by));
  } else result = checkedAdd(BigInt(value), BigInt(by));
  if (typeof result === 'bigint' && Number.isSafeInteger(Number(result))) result = Number(result);
  const s = typeof result === 'number' ? intToString(result) : String(result);
  if (cur === null) db.set(key, s);
  else {
    db.replaceValue(key, s);
    db.touch(key);
  }
  ctx.store.notify(NOTIFY.STRING, 'incrby', key, db.id);
  return result;
}

function checkedAdd(a: bigint, b: bigint): bigint {
  const r = a + b;
  if (r > INT64_MAX || r < INT64_MIN) throw new ReplyError(Err.overflow);
  return r;
}

function incrbyfloat(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const cur = getString(db, key);
  let res: string;
  try {
    res = ldIncrByFloat(cur, args[1]);
  } catch (e) {
    if (e instanceof IncrByFloatError) throw new ReplyError(e.reason === 'result-not-finite' ? Err.incrFloatNaN : Err.notFloat);
    throw e;
  }
  // createStringObjectFromLongDouble: embstr (<= 44 bytes) or raw, never 'int'.
  const value = encodingOf(res) === 'int' ? RString.from(res, 'embstr') : res;
  if (cur === null) db.set(key, value);
  else {
    db.replaceValue(key, value);
    db.touch(key);
  }
  ctx.store.notify(NOTIFY.STRING, 'incrbyfloat', key, db.id);
  return res;
}

function append(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const data = args[1];
  const v = getStringValue(db, key);
  let len: number;
  if (v === null) {
    db.set(key, data);
    len = data.length;
  } else {
    checkStringLength(ctx, v.length, data.length);
    const r = unshare(db, key, v);
    r.append(data);
    db.touch(key);
    len = r.length;
  }
  ctx.store.notify(NOTIFY.STRING, 'append', key, db.id);
  return len;
}

function setrange(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const data = args[2];
  const offset = int64Arg(args[1]);
  if (offset < 0) throw new ReplyError(StrErr.offsetRange);
  const v = getStringValue(db, key);
  let r: RString;
  if (v === null) {
    if (data.length === 0) return 0;
    checkStringLength(ctx, offset, data.length);
    r = RString.zeros(Number(offset) + data.length);
    r.write(Number(offset), data);
    db.set(key, r);
  } else {
    if (data.length === 0) return v.length;
    checkStringLength(ctx, offset, data.length);
    r = unshare(db, key, v);
    r.write(Number(offset), data);
    db.touch(key);
  }
  ctx.store.notify(NOTIFY.STRING, 'setrange', key, db.id);
  return r.length;
}

/** Clamp a possibly-huge index to a safe number with the same sign (only magnitudes beyond 2^62 are changed). */
const safeIdx = (x: number | bigint): number => (typeof x === 'number' ? x : x > 0n ? 2 ** 62 : -(2 ** 62));

function getrange(ctx: Context, args: string[]): Reply {
  const s0 = int64Arg(args[1]);
  const e0 = int64Arg(args[2]);
  const v = getStringValue(ctx.db, args[0]);
  if (v === null) return '';
  const strlen = v.length;
  if (s0 < 0 && e0 < 0 && s0 > e0) return '';
  let start = safeIdx(s0);
  let end = safeIdx(e0);
  if (start < 0) start = strlen + start;
  if (end < 0) end = strlen + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= strlen) end = strlen - 1;
  if (start > end || strlen === 0) return '';
  return v.slice(start, end + 1);
}

function strlen(ctx: Context, args: string[]): Reply {
  const v = getStringValue(ctx.db, args[0]);
  return v === null ? 0 : v.length;
}

function lcs(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const va = db.get(args[0]);
  const vb = db.get(args[1]);
  if ((va !== undefined && typeof va !== 'string' && va.type !== 'string') || (vb !== undefined && typeof vb !== 'string' && vb.type !== 'string')) {
    throw new ReplyError(StrErr.lcsKeys);
  }
  const a = va === undefined ? '' : String(va);
  const b = vb === undefined ? '' : String(vb);
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen: number | bigint = 0;
  for (let j = 2; j < args.length; j++) {
    const u = kw(args[j]);
    const moreargs = args.length - 1 - j;
    if (u === 'IDX') getidx = true;
    else if (u === 'LEN') getlen = true;
    else if (u === 'WITHMATCHLEN') withmatchlen = true;
    else if (u === 'MINMATCHLEN' && moreargs > 0) {
      minmatchlen = int64Arg(args[j + 1]);
      if (minmatchlen < 0) minmatchlen = 0;
      j++;
    } else throw new ReplyError(Err.syntax);
  }
  if (getidx && getlen) throw new ReplyError(StrErr.lcsIdxLen);
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xffffffff - 1 || blen >= 0xffffffff - 1) throw new ReplyError(StrErr.lcsTooLong);
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > ctx.server.config.protoMaxBulkLen) throw new ReplyError(StrErr.lcsBulkLen);
  let dp: Uint32Array;
  try {
    dp = new Uint32Array(cells);
  } catch {
    throw new ReplyError(StrErr.lcsNoMem);
  }
  const w = blen + 1;
  // Row 0 and column 0 stay 0.
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) dp[row + j] = dp[prev + j - 1] + 1;
      else {
        const l1 = dp[prev + j];
        const l2 = dp[row + j - 1];
        dp[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = dp[alen * w + blen];
  if (getlen && !getidx) return total;

  // Walk back from the end, building the LCS string and/or the match ranges.
  const chars: number[] = getidx ? [] : new Array(total);
  let idx = total;
  const matches: Reply[] = [];
  const minLen = typeof minmatchlen === 'bigint' ? Infinity : minmatchlen;
  let aStart = alen; // alen: no range in progress
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (!getidx) chars[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = dp[(i - 1) * w + j];
      const l2 = dp[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getidx && (minLen === 0 || matchLen >= minLen)) {
        const m: Reply[] = [
          [aStart, aEnd],
          [bStart, bEnd],
        ];
        if (withmatchlen) m.push(matchLen);
        matches.push(m);
      }
      aStart = alen;
    }
  }
  if (getidx) return new MapReply(['matches', matches, 'len', total]);
  return Buffer.from(chars).latin1Slice();
}

export function installStrings(server: RedKitServer): void {
  defineCommands(server, {
    set,
    get,
    getset,
    getdel,
    getex,
    mset: (ctx, args) => msetGeneric(ctx, args, false),
    msetnx: (ctx, args) => msetGeneric(ctx, args, true),
    mget,
    setnx,
    setex: (ctx, args) => setWithExpire(ctx, args, SET_EX, 'setex'),
    psetex: (ctx, args) => setWithExpire(ctx, args, SET_PX, 'psetex'),
    incr: (ctx, args) => incrBy(ctx, args[0], 1),
    decr: (ctx, args) => incrBy(ctx, args[0], -1),
    incrby: (ctx, args) => incrBy(ctx, args[0], int64Arg(args[1])),
    decrby: (ctx, args) => {
      const by = int64Arg(args[1]);
      if (typeof by === 'bigint' && by === INT64_MIN) throw new ReplyError(StrErr.decrOverflow);
      return incrBy(ctx, args[0], typeof by === 'bigint' ? -by : -by);
    },
    incrbyfloat,
    append,
    setrange,
    getrange,
    substr: getrange,
    strlen,
    lcs,
  });
}
