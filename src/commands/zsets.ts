/**
 * Sorted set commands (t_zset.c), Redis 7.0.15 behaviour.
 *
 * Order of checks follows Redis: ranges and options are parsed before the key
 * is looked up where Redis does so (ZRANGE family, ZCOUNT, ZLEXCOUNT,
 * ZREMRANGEBY*), so a bad argument is reported even for a missing or
 * wrong-typed key; ZUNION/ZINTER/ZDIFF check key types before options.
 * Empty sorted sets never stay in the keyspace.
 *
 * Replies: scores are doubles (RESP3 `,`; RESP2 bulk `%.17g`). WITHSCORES is
 * a flat member/score array in RESP2 and an array of [member, score] pairs in
 * RESP3 (ZRANGE*, ZUNION/ZINTER/ZDIFF, ZRANDMEMBER, ZPOPMIN/MAX with COUNT,
 * ZMPOP); plain ZPOPMIN/ZPOPMAX stay flat in RESP3. ZSCAN sends scores as
 * bulk strings in both protocols.
 *
 * Blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) live elsewhere: every command
 * that adds members ends with `store.hooks.keyReady(db, key)`, and the pop
 * helper they need (`zpopGeneric`) is exported.
 */
import { Err, ReplyError } from '../errors.js';
import { formatDouble, parseIntStrict } from '../resp/format.js';
import { DoubleReply, EMPTY_ARRAY, NULL_ARRAY, type EncodedArray, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import type { RObject } from '../store/types.js';
import { ENC_MEMBERS, ENC_WITHSCORES_2, ENC_WITHSCORES_3, LEX_MAX, LEX_MIN, ZSet, type ZCursor, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexBound, type LexRange, type ScoreRange, type ZsetLimits } from '../store/types/zset.js';
import { cursorTable, matcher, parseCursor, parseScanOptions, scanStep } from './scan.js';
import { defineCommands } from './util.js';

// ---- error strings (t_zset.c) -------------------------------------------------------------

export const ZErr = {
  notFloat: Err.notFloat,
  nan: 'ERR resulting score is not a number (NaN)',
  xxAndNx: 'ERR XX and NX options at the same time are not compatible',
  gtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  incrPair: 'ERR INCR option supports a single increment-element pair',
  minMaxFloat: 'ERR min or max is not a float',
  minMaxLex: 'ERR min or max not valid string range item',
  limitRank: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  withscoresLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  mustBePositive: 'ERR value is out of range, must be positive',
  numkeys: 'ERR numkeys should be greater than 0',
  count: 'ERR count should be greater than 0',
  weight: 'ERR weight value is not a float',
  limitNegative: "ERR LIMIT can't be negative",
  atLeastOneKey: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  outOfRange: 'ERR value is out of range',
  randCountRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  tooLarge: 'ERR value is out of range',
} as const;

const fail = (msg: string): never => {
  throw new ReplyError(msg);
};

// ---- number parsing ---------------------------------------------------------------------------

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexVal = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);

interface Strtod {
  value: number;
  /** Index after the last consumed char (== start when nothing was converted). */
  end: number;
  /** The input overflowed to ±inf or underflowed to 0 (strtod's ERANGE at the extremes). */
  range: boolean;
}

/**
 * glibc strtod on s[start..]: leading spaces, sign, decimal or hex floats,
 * inf/infinity, nan[(...)]. Decimal conversion is correctly rounded (as
 * glibc's); hex mantissas are exact up to 2^53.
 */
function strtod(s: string, start: number): Strtod {
  const n = s.length;
  let i = start;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  const c = s.charCodeAt(i) | 0x20;
  if (c === 105 /* i */ && (s.substr(i, 3).toLowerCase() === 'inf')) {
    const end = s.substr(i, 8).toLowerCase() === 'infinity' ? i + 8 : i + 3;
    return { value: neg ? -Infinity : Infinity, end, range: false };
  }
  if (c === 110 /* n */ && s.substr(i, 3).toLowerCase() === 'nan') {
    let end = i + 3;
    if (s.charCodeAt(end) === 40) {
      let j = end + 1;
      while (j < n && /[0-9A-Za-z_]/.test(s[j])) j++;
      if (s.charCodeAt(j) === 41) end = j + 1;
    }
    return { value: NaN, end, range: false };
  }
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    const h = parseHex(s, i + 2, neg);
    if (h !== null) return h;
    // "0x" without hex digits: just the "0".
    return { value: neg ? -0 : 0, end: i + 1, range: false };
  }
  const digitsStart = i;
  let sawDigit = false;
  let nonZero = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    if (s.charCodeAt(i) !== 48) nonZero = true;
    sawDigit = true;
    i++;
  }
  if (s.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (s.charCodeAt(i) !== 48) nonZero = true;
      sawDigit = true;
      i++;
    }
  }
  if (!sawDigit) return { value: 0, end: start, range: false };
  const mantEnd = i;
  if ((s.charCodeAt(i) | 0x20) === 101) {
    let j = i + 1;
    const es = s.charCodeAt(j);
    if (es === 43 || es === 45) j++;
    if (isDigit(s.charCodeAt(j))) {
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      i = j;
    }
  }
  let text = s.slice(digitsStart, i);
  if (text.charCodeAt(0) === 46) text = '0' + text; // ".5"
  if (mantEnd === i && text.charCodeAt(text.length - 1) === 46) text += '0'; // "5."
  let v = Number(text.replace(/\.(?=[eE])/, '.0'));
  if (neg) v = -v;
  const range = v === Infinity || v === -Infinity || (v === 0 && nonZero);
  return { value: v, end: i, range };
}

function parseHex(s: string, i: number, neg: boolean): Strtod | null {
  const n = s.length;
  let mant = 0n;
  let fracDigits = 0;
  let sawDigit = false;
  let nonZero = false;
  while (i < n && isHex(s.charCodeAt(i))) {
    const d = hexVal(s.charCodeAt(i));
    mant = mant * 16n + BigInt(d);
    if (d) nonZero = true;
    sawDigit = true;
    i++;
  }
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    let any = false;
    while (j < n && isHex(s.charCodeAt(j))) {
      const d = hexVal(s.charCodeAt(j));
      mant = mant * 16n + BigInt(d);
      if (d) nonZero = true;
      fracDigits++;
      any = true;
      j++;
    }
    if (any || sawDigit) i = j;
    sawDigit = sawDigit || any;
  }
  if (!sawDigit) return null;
  let exp = 0;
  if ((s.charCodeAt(i) | 0x20) === 112) {
    let j = i + 1;
    let eneg = false;
    const es = s.charCodeAt(j);
    if (es === 43 || es === 45) {
      eneg = es === 45;
      j++;
    }
    if (isDigit(s.charCodeAt(j))) {
      let e = 0;
      while (j < n && isDigit(s.charCodeAt(j))) {
        if (e < 1e6) e = e * 10 + (s.charCodeAt(j) - 48);
        j++;
      }
      exp = eneg ? -e : e;
      i = j;
    }
  }
  let v = Number(mant) * 2 ** (exp - 4 * fracDigits);
  if (!Number.isFinite(v) && Number.isFinite(Number(mant))) {
    // Split the scaling to avoid a spurious overflow of the intermediate power.
    const e = exp - 4 * fracDigits;
    v = Number(mant) * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
  }
  if (neg) v = -v;
  const range = v === Infinity || v === -Infinity || (v === 0 && nonZero);
  return { value: v, end: i, range };
}

/** s[start..] as a number when it is a plain decimal integer of at most 15 digits (the common case). */
function plainInteger(s: string, start: number): number | undefined {
  const n = s.length;
  let i = start;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  if (i >= n || n - i > 15) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/**
 * A score argument as Redis's getDoubleFromObject (string2d) reads it: the
 * whole string must be a strtod number with no leading space; NaN, overflow
 * and underflow to zero are rejected. Returns null when invalid.
 */
export function parseScore(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  const fast = plainInteger(s, 0);
  if (fast !== undefined) return fast;
  if (isSpace(s.charCodeAt(0))) return null;
  const r = strtod(s, 0);
  if (r.end !== n || r.range || r.value !== r.value) return null;
  return r.value;
}

/** A score argument or `msg`. */
export function scoreArg(s: string, msg: string = ZErr.notFloat): number {
  const v = parseScore(s);
  if (v === null) throw new ReplyError(msg);
  return v;
}

/** One end of a score range (zslParseRange): `(` prefix for exclusive, strtod on a C string. */
function parseScoreBound(s: string): { v: number; ex: boolean } | null {
  const ex0 = s.charCodeAt(0) === 40;
  const fast = plainInteger(s, ex0 ? 1 : 0);
  if (fast !== undefined) return { v: fast, ex: ex0 };
  const nul = s.indexOf('\0');
  const t = nul >= 0 ? s.slice(0, nul) : s;
  const ex = t.charCodeAt(0) === 40;
  const r = strtod(t, ex ? 1 : 0);
  if (r.end !== t.length || r.value !== r.value) return null;
  return { v: r.value, ex };
}

/** Parse a score range (min, max) or throw `ERR min or max is not a float`. */
export function parseScoreRange(min: string, max: string): ScoreRange {
  const a = parseScoreBound(min);
  const b = a === null ? null : parseScoreBound(max);
  if (a === null || b === null) throw new ReplyError(ZErr.minMaxFloat);
  return { min: a.v, max: b.v, minex: a.ex, maxex: b.ex };
}

function parseLexBound(s: string): { v: LexBound; ex: boolean } | null {
  const c = s.charCodeAt(0);
  // Redis checks c[1] != '\0' on the C string.
  const single = s.length === 1 || s.charCodeAt(1) === 0;
  switch (c) {
    case 43: // +
      return single ? { v: LEX_MAX, ex: true } : null;
    case 45: // -
      return single ? { v: LEX_MIN, ex: true } : null;
    case 40: // (
      return { v: s.slice(1), ex: true };
    case 91: // [
      return { v: s.slice(1), ex: false };
    default:
      return null;
  }
}

/** Parse a lex range (min, max) or throw `ERR min or max not valid string range item`. */
export function parseLexRange(min: string, max: string): LexRange {
  const a = parseLexBound(min);
  const b = a === null ? null : parseLexBound(max);
  if (a === null || b === null) throw new ReplyError(ZErr.minMaxLex);
  return { min: a.v, max: b.v, minex: a.ex, maxex: b.ex };
}

/** A C long (int64) argument: getLongFromObjectOrReply. Values beyond 2^53 are approximated. */
function longArg(s: string, msg: string = Err.notInteger): number {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(msg);
  return Number(v);
}

/** getRangeLongFromObjectOrReply(min..LONG_MAX, msg): the message covers both non-integers and the range. */
function longAtLeast(s: string, min: number, msg: string): number {
  const v = parseIntStrict(s);
  if (v === null || v < min) throw new ReplyError(msg);
  return Number(v);
}

// ---- keyspace helpers -----------------------------------------------------------------------

/** The server's zset-max-listpack-* limits (one shared object per server, refreshed from CONFIG). */
export function zsetLimits(ctx: Context): ZsetLimits {
  const server = ctx.server;
  let l = server.ext.zsetLimits as (ZsetLimits & { version: number }) | undefined;
  if (l === undefined) {
    l = { entries: 128, value: 64, version: -1 };
    server.ext.zsetLimits = l;
  }
  const cfg = server.config;
  if (l.version !== cfg.version) {
    const e = Number(cfg.get('zset-max-listpack-entries'));
    const v = Number(cfg.get('zset-max-listpack-value'));
    if (Number.isFinite(e)) l.entries = e;
    if (Number.isFinite(v)) l.value = v;
    l.version = cfg.version;
  }
  return l;
}

/** A new (listpack-encoded) sorted set using the server's limits. */
export function newZset(ctx: Context): ZSet {
  return new ZSet(zsetLimits(ctx));
}

/** The sorted set at key, undefined when missing, WRONGTYPE otherwise. */
export function getZset(db: Database, key: string): ZSet | undefined {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof ZSet) return v;
  throw new ReplyError(Err.wrongType);
}

function ready(ctx: Context, db: Database, key: string): void {
  const hook = ctx.store.hooks.keyReady;
  if (hook !== undefined) hook(db, key);
}

/**
 * Store a computed sorted set at dst as Redis's store commands do: a
 * non-empty result replaces dst (TTL cleared) with `event`; an empty one
 * deletes dst (`del` event). Returns the reply (the result's size).
 */
export function storeResult(ctx: Context, dst: string, zs: ZSet, event: string): Reply {
  const db = ctx.db;
  const n = zs.size;
  if (n > 0) {
    db.set(dst, zs);
    ctx.store.notify(NOTIFY.ZSET, event, dst, db.id);
    ready(ctx, db, dst);
  } else if (db.delete(dst)) {
    ctx.store.notify(NOTIFY.GENERIC, 'del', dst, db.id);
  }
  return n;
}

/** After removing members: drop an emptied key. Returns whether it was deleted. */
function dropIfEmpty(db: Database, key: string, zs: ZSet): boolean {
  if (zs.size !== 0) return false;
  db.delete(key);
  return true;
}

const dbl = (d: number) => new DoubleReply(d);

/** Collects (member, score) pairs into a reply in the connection's WITHSCORES shape. */
class PairReply {
  readonly out: Reply[] = [];
  constructor(
    readonly withScores: boolean,
    readonly nested: boolean,
  ) {}
  push(member: string, score: number): void {
    if (!this.withScores) this.out.push(member);
    else if (this.nested) this.out.push([member, new DoubleReply(score)]);
    else this.out.push(member, new DoubleReply(score));
  }
}

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

/**
 * ZADD (and ZINCRBY, GEOADD): args are [key, options..., score, member, ...]
 * as ZADD takes them. `incr` is set for ZINCRBY.
 */
export function zaddGeneric(ctx: Context, args: string[], incrCommand: boolean): Reply {
  const key = args[0];
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let i = 1;
  const argc = args.length;
  for (; i < argc; i++) {
    const a = args[i];
    const len = a.length;
    if (len !== 2 && len !== 4) break;
    const c = a.charCodeAt(0) | 0x20;
    if (c < 97 || c > 122) break;
    const u = a.toUpperCase();
    if (u === 'NX') nx = true;
    else if (u === 'XX') xx = true;
    else if (u === 'CH') ch = true;
    else if (u === 'INCR') incr = true;
    else if (u === 'GT') gt = true;
    else if (u === 'LT') lt = true;
    else break;
  }
  const elements = argc - i;
  if (elements % 2 !== 0 || elements === 0) throw new ReplyError(Err.syntax);
  const n = elements >> 1;
  if (nx && xx) throw new ReplyError(ZErr.xxAndNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new ReplyError(ZErr.gtLtNx);
  if (incr && n > 1) throw new ReplyError(ZErr.incrPair);

  // Parse every score before touching the key: all or nothing.
  let scores: number[] | undefined;
  let score0 = 0;
  if (n === 1) score0 = scoreArg(args[i]);
  else {
    scores = new Array<number>(n);
    for (let j = 0; j < n; j++) scores[j] = scoreArg(args[i + 2 * j]);
  }

  const db = ctx.db;
  let zs = getZset(db, key);
  if (zs === undefined) {
    if (xx) return incr ? null : 0;
    zs = newZset(ctx);
    db.set(key, zs);
  }
  const limits = zs.isListpack ? zsetLimits(ctx) : zs.limits;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nanError = false;
  for (let j = 0; j < n; j++) {
    let s = scores === undefined ? score0 : scores[j];
    const member = args[i + 2 * j + 1];
    const cur = zs.score(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (s !== s) {
          nanError = true;
          break;
        }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) {
        zs.updateScore(member, s, cur);
        updated++;
      }
    } else if (!xx) {
      zs.insert(member, s, limits);
      added++;
      processed++;
      score = s;
    }
  }
  if (added || updated) {
    ctx.store.dirty += added + updated;
    db.touch(key);
    ctx.store.notify(NOTIFY.ZSET, incr ? 'zincr' : 'zadd', key, db.id);
    if (added) ready(ctx, db, key);
  }
  if (nanError) throw new ReplyError(ZErr.nan);
  if (incr) return processed ? new DoubleReply(score) : null;
  return ch ? added + updated : added;
}

// ---- simple reads ---------------------------------------------------------------------------------

function zcard(ctx: Context, args: string[]): Reply {
  return getZset(ctx.db, args[0])?.size ?? 0;
}

function zscore(ctx: Context, args: string[]): Reply {
  const zs = getZset(ctx.db, args[0]);
  if (zs === undefined) return null;
  const s = zs.score(args[1]);
  return s === undefined ? null : new DoubleReply(s);
}

function zmscore(ctx: Context, args: string[]): Reply {
  const zs = getZset(ctx.db, args[0]);
  const out: Reply[] = new Array(args.length - 1);
  for (let i = 1; i < args.length; i++) {
    const s = zs?.score(args[i]);
    out[i - 1] = s === undefined ? null : new DoubleReply(s);
  }
  return out;
}

/**
 * ZRANK / ZREVRANK key member [WITHSCORE]. WITHSCORE is Redis 7.2's (RedKit
 * reports 7.0.15 but clients such as ioredis expose it): the command takes
 * arity -3 as in 7.2, but a third argument other than WITHSCORE answers 7.0's
 * arity error, so every form Redis 7.0 knows answers as 7.0 does. With
 * WITHSCORE: [rank, score] (score a double in RESP3, a bulk in RESP2), or a
 * null array (RESP2 *-1, RESP3 _) when the member or key is missing.
 */
function zrank(ctx: Context, args: string[], reverse: boolean): Reply {
  let withScore = false;
  if (args.length !== 2) {
    if (args.length !== 3 || args[2].toLowerCase() !== 'withscore') throw new ReplyError(Err.arity(reverse ? 'zrevrank' : 'zrank'));
    withScore = true;
  }
  const zs = getZset(ctx.db, args[0]);
  if (zs === undefined) return withScore ? NULL_ARRAY : null;
  const r = zs.rank(args[1], reverse);
  if (r < 0) return withScore ? NULL_ARRAY : null;
  return withScore ? [r, new DoubleReply(zs.score(args[1]) as number)] : r;
}

function zcount(ctx: Context, args: string[]): Reply {
  const range = parseScoreRange(args[1], args[2]);
  const zs = getZset(ctx.db, args[0]);
  return zs === undefined ? 0 : zs.countInRange(range);
}

function zlexcount(ctx: Context, args: string[]): Reply {
  const range = parseLexRange(args[1], args[2]);
  const zs = getZset(ctx.db, args[0]);
  return zs === undefined ? 0 : zs.countInLexRange(range);
}

// ---- ZRANGE family ------------------------------------------------------------------------------

const enum RangeType {
  Auto,
  Rank,
  Score,
  Lex,
}
const enum Direction {
  Auto,
  Forward,
  Reverse,
}

type Emit = (member: string, score: number) => void;

/** Walk a rank range (already sanitized) in order. */
function emitRankRange(zs: ZSet, start: number, end: number, reverse: boolean, emit: Emit): void {
  let n = end - start + 1;
  const c = zs.cursor(reverse ? zs.size - 1 - start : start);
  if (c === null) return;
  do emit(c.member, c.score);
  while (--n > 0 && (reverse ? c.prev() : c.next()));
}

/**
 * A forward rank range (clamped) or score range as cached member encodings
 * (ZSet.encodedForward), or null: empty, or not cached yet (the caller then
 * builds the reply as values).
 */
function encodedRange(zs: ZSet, byRank: boolean, start: number, end: number, range: ScoreRange, offset: number, limit: number, kind: number): EncodedArray | null {
  if (byRank) return start > end ? null : zs.encodedForward(zs.cursor(start) as ZCursor, end - start + 1, null, kind);
  if (offset > 0 && offset >= zs.size) return null;
  const c = offset === 0 ? zs.firstInRangeCursor(range) : zs.cursor(skipRanks(zs.firstInRange(range), offset, false));
  return c === null ? null : zs.encodedForward(c, limit, range, kind);
}

/** Skip `offset` members along the order from `rank` (as Redis's walk, in O(log n)). */
function skipRanks(rank: number, offset: number, reverse: boolean): number {
  if (rank < 0 || offset === 0) return rank;
  if (offset < 0) return -1; // Redis's `while (ln && offset--)` runs off the end
  return reverse ? rank - offset : rank + offset;
}

function emitScoreRange(zs: ZSet, range: ScoreRange, offset: number, limit: number, reverse: boolean, emit: Emit): number {
  if (offset > 0 && offset >= zs.size) return 0;
  const c =
    offset === 0
      ? reverse
        ? zs.lastInRangeCursor(range)
        : zs.firstInRangeCursor(range)
      : zs.cursor(skipRanks(reverse ? zs.lastInRange(range) : zs.firstInRange(range), offset, reverse));
  if (c === null) return 0;
  let count = 0;
  while (limit !== 0) {
    limit--;
    const s = c.score;
    if (reverse ? !scoreGteMin(s, range) : !scoreLteMax(s, range)) break;
    emit(c.member, s);
    count++;
    if (!(reverse ? c.prev() : c.next())) break;
  }
  return count;
}

function emitLexRange(zs: ZSet, range: LexRange, offset: number, limit: number, reverse: boolean, emit: Emit): number {
  const from = skipRanks(reverse ? zs.lastInLexRange(range) : zs.firstInLexRange(range), offset, reverse);
  const c = zs.cursor(from);
  if (c === null) return 0;
  let count = 0;
  while (limit !== 0) {
    limit--;
    const m = c.member;
    if (reverse ? !lexGteMin(m, range) : !lexLteMax(m, range)) break;
    emit(m, c.score);
    count++;
    if (!(reverse ? c.prev() : c.next())) break;
  }
  return count;
}

/**
 * zrangeGenericCommand. `src` indexes the source key in args; `dst` is the
 * destination for ZRANGESTORE.
 */
function zrangeGeneric(ctx: Context, args: string[], src: number, dst: string | undefined, type: RangeType, direction: Direction): Reply {
  const key = args[src];
  let minIdx = src + 1;
  let maxIdx = src + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  const store = dst !== undefined;
  for (let j = src + 3; j < args.length; j++) {
    const a = args[j];
    const left = args.length - j - 1;
    const u = a.length <= 10 ? a.toUpperCase() : '';
    if (!store && u === 'WITHSCORES') withScores = true;
    else if (u === 'LIMIT' && left >= 2) {
      offset = longArg(args[j + 1]);
      limit = longArg(args[j + 2]);
      j += 2;
    } else if (direction === Direction.Auto && u === 'REV') direction = Direction.Reverse;
    else if (type === RangeType.Auto && u === 'BYLEX') type = RangeType.Lex;
    else if (type === RangeType.Auto && u === 'BYSCORE') type = RangeType.Score;
    else throw new ReplyError(Err.syntax);
  }
  if (direction === Direction.Auto) direction = Direction.Forward;
  if (type === RangeType.Auto) type = RangeType.Rank;
  if (limit !== -1 && type === RangeType.Rank) throw new ReplyError(ZErr.limitRank);
  if (withScores && type === RangeType.Lex) throw new ReplyError(ZErr.withscoresLex);
  const reverse = direction === Direction.Reverse;
  if (reverse && type !== RangeType.Rank) {
    minIdx = src + 2;
    maxIdx = src + 1;
  }
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  if (type === RangeType.Rank) {
    start = longArg(args[minIdx]);
    end = longArg(args[maxIdx]);
  } else if (type === RangeType.Score) scoreRange = parseScoreRange(args[minIdx], args[maxIdx]);
  else lexRange = parseLexRange(args[minIdx], args[maxIdx]);

  const db = ctx.db;
  const zs = getZset(db, key);
  if (zs === undefined) return store ? storeResult(ctx, dst, new ZSet(), 'zrangestore') : EMPTY_ARRAY;
  if (type === RangeType.Rank) {
    // Clamp as Redis does; an empty range ends with start > end.
    const llen = zs.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (end >= llen) end = llen - 1;
  }

  // A forward range for a client connection, with nobody to see the reply value (no
  // middleware, no MONITOR; not the in-process keyspace API): copy the members' cached
  // RESP encodings (for WITHSCORES, the encoding of the connection's protocol).
  if (!store && !reverse && type !== RangeType.Lex && ctx.conn !== undefined && !ctx.server.dispatcher.repliesObserved) {
    const kind = !withScores ? ENC_MEMBERS : ctx.protocol === 3 ? ENC_WITHSCORES_3 : ENC_WITHSCORES_2;
    const b = encodedRange(zs, type === RangeType.Rank, start, end, scoreRange as ScoreRange, offset, limit, kind);
    if (b !== null) return b;
  }

  let emit: Emit;
  let result: Reply[] | undefined;
  let target: ZSet | undefined;
  if (store) {
    const t = newZset(ctx);
    const limits = t.limits;
    target = t;
    emit = (m, s) => t.insert(m, s, limits);
  } else {
    const pr = new PairReply(withScores, withScores && ctx.protocol === 3);
    result = pr.out;
    emit = withScores ? (m, s) => pr.push(m, s) : (m) => (pr.out as string[]).push(m);
  }

  if (type === RangeType.Rank) {
    if (start <= end) {
      if (target !== undefined && end - start + 1 > target.limits.entries) target.convertToSkiplist();
      emitRankRange(zs, start, end, reverse, emit);
    }
  } else if (type === RangeType.Score) emitScoreRange(zs, scoreRange as ScoreRange, offset, limit, reverse, emit);
  else emitLexRange(zs, lexRange as LexRange, offset, limit, reverse, emit);

  if (store) return storeResult(ctx, dst, target as ZSet, 'zrangestore');
  return result as Reply[];
}

// ---- removals -----------------------------------------------------------------------------------

function zrem(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const zs = getZset(db, key);
  if (zs === undefined) return 0;
  let deleted = 0;
  let removed = false;
  for (let i = 1; i < args.length; i++) {
    if (zs.delete(args[i])) deleted++;
    if (zs.size === 0) {
      db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    ctx.store.notify(NOTIFY.ZSET, 'zrem', key, db.id);
    if (removed) ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    else db.touch(key);
  }
  return deleted;
}

function zremrange(ctx: Context, args: string[], type: RangeType): Reply {
  const key = args[0];
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  let event: string;
  if (type === RangeType.Rank) {
    event = 'zremrangebyrank';
    start = longArg(args[1]);
    end = longArg(args[2]);
  } else if (type === RangeType.Score) {
    event = 'zremrangebyscore';
    scoreRange = parseScoreRange(args[1], args[2]);
  } else {
    event = 'zremrangebylex';
    lexRange = parseLexRange(args[1], args[2]);
  }
  const db = ctx.db;
  const zs = getZset(db, key);
  if (zs === undefined) return 0;
  let deleted: number;
  if (type === RangeType.Rank) {
    const llen = zs.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return 0;
    if (end >= llen) end = llen - 1;
    deleted = zs.deleteRangeByRank(start + 1, end + 1);
  } else if (type === RangeType.Score) deleted = zs.deleteRangeByScore(scoreRange as ScoreRange);
  else deleted = zs.deleteRangeByLex(lexRange as LexRange);
  const removed = dropIfEmpty(db, key, zs);
  if (deleted) {
    if (!removed) db.touch(key);
    ctx.store.notify(NOTIFY.ZSET, event, key, db.id);
    if (removed) ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  }
  return deleted;
}

// ---- pops ---------------------------------------------------------------------------------------

/**
 * genericZpopCommand: pop up to `count` members (count -1 = a plain single
 * pop) from the first non-empty key among `keys`.
 *   - emitKey: prefix the key name (BZPOPMIN/BZPOPMAX flat, ZMPOP/BZMPOP nested);
 *   - nested: [member, score] pairs instead of a flat list;
 *   - nilWhenEmpty: a null array (ZMPOP) instead of an empty array when no key has members.
 * Exported for the blocking variants.
 */
export function zpopGeneric(ctx: Context, keys: readonly string[], max: boolean, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): Reply {
  const db = ctx.db;
  let zs: ZSet | undefined;
  let key = '';
  for (let i = 0; i < keys.length; i++) {
    key = keys[i];
    zs = getZset(db, key);
    if (zs !== undefined) break;
  }
  if (zs === undefined) return nilWhenEmpty ? NULL_ARRAY : EMPTY_ARRAY;
  if (count === 0) return EMPTY_ARRAY;
  if (count === -1) count = 1;
  const rangelen = Math.min(count, zs.size);
  const items: Reply[] = [];
  for (let i = 0; i < rangelen; i++) {
    const [member, score] = zs.pop(max) as [string, number];
    if (nested) items.push([member, dbl(score)]);
    else items.push(member, dbl(score));
  }
  ctx.store.notify(NOTIFY.ZSET, max ? 'zpopmax' : 'zpopmin', key, db.id);
  ctx.store.dirty += rangelen;
  if (zs.size === 0) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  } else db.touch(key);
  if (!emitKey) return items;
  if (!nested) return [key, ...items];
  return [key, items];
}

function zpopMinMax(ctx: Context, args: string[], max: boolean): Reply {
  if (args.length > 2) throw new ReplyError(Err.syntax);
  let count = -1;
  if (args.length === 2) count = longAtLeast(args[1], 0, ZErr.mustBePositive);
  return zpopGeneric(ctx, [args[0]], max, false, count, ctx.protocol > 2 && count !== -1, false);
}

/**
 * Parse `numkeys key... MIN|MAX [COUNT count]` from args[from..] (ZMPOP,
 * BZMPOP). Exported for the blocking variant.
 */
export function parseZmpopArgs(args: string[], from: number): { keys: string[]; max: boolean; count: number } {
  const numkeys = longAtLeast(args[from], 1, ZErr.numkeys);
  const whereIdx = from + numkeys + 1;
  if (whereIdx >= args.length) throw new ReplyError(Err.syntax);
  const w = args[whereIdx].toUpperCase();
  let max: boolean;
  if (w === 'MIN') max = false;
  else if (w === 'MAX') max = true;
  else throw new ReplyError(Err.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (count === -1 && args[j].toUpperCase() === 'COUNT' && more) {
      j++;
      count = longAtLeast(args[j], 1, ZErr.count);
    } else throw new ReplyError(Err.syntax);
  }
  if (count === -1) count = 1;
  return { keys: args.slice(from + 1, whereIdx), max, count };
}

function zmpop(ctx: Context, args: string[]): Reply {
  const { keys, max, count } = parseZmpopArgs(args, 0);
  return zpopGeneric(ctx, keys, max, true, count, true, true);
}

// ---- ZRANDMEMBER --------------------------------------------------------------------------------

/** The largest reply ZRANDMEMBER builds (Redis streams any size; we keep memory bounded). */
const RANDMEMBER_MAX = 16 * 1024 * 1024;

function zrandmember(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  if (args.length >= 2) {
    const v = parseIntStrict(args[1]);
    if (v === null) throw new ReplyError(Err.notInteger);
    if (typeof v === 'bigint' && v === -9223372036854775808n) throw new ReplyError(ZErr.randCountRange);
    let withScores = false;
    if (args.length > 3 || (args.length === 3 && args[2].toUpperCase() !== 'WITHSCORES')) throw new ReplyError(Err.syntax);
    if (args.length === 3) {
      withScores = true;
      if (BigInt(v) < -4611686018427387903n || BigInt(v) > 4611686018427387903n) throw new ReplyError(ZErr.outOfRange);
    }
    const zs = getZset(db, args[0]);
    if (zs === undefined) return EMPTY_ARRAY;
    return randomMembers(ctx, zs, Number(v), withScores);
  }
  const zs = getZset(db, args[0]);
  if (zs === undefined) return null;
  return zs.random()[0];
}

function randomMembers(ctx: Context, zs: ZSet, l: number, withScores: boolean): Reply {
  const size = zs.size;
  const unique = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return EMPTY_ARRAY;
  const pr = new PairReply(withScores, withScores && ctx.protocol === 3);
  if (!unique || count === 1) {
    // Case 1: independent picks, repetitions allowed.
    if (count > RANDMEMBER_MAX) throw new ReplyError(ZErr.tooLarge);
    for (let i = 0; i < count; i++) {
      const [m, s] = zs.random();
      pr.push(m, s);
    }
    return pr.out;
  }
  if (count >= size) {
    // Case 2: the whole set, in Redis's iteration order (from the highest).
    for (const [m, s] of zs.entries(true)) pr.push(m, s);
    return pr.out;
  }
  // Cases 3 and 4: `count` distinct members, in random order.
  if (count * 3 > size) {
    const ranks: number[] = [];
    for (let i = 0; i < size; i++) ranks.push(i);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = ranks[i];
      ranks[i] = ranks[j];
      ranks[j] = t;
      const [m, s] = zs.at(ranks[i]) as [string, number];
      pr.push(m, s);
    }
  } else {
    const seen = new Set<string>();
    while (seen.size < count) {
      const [m, s] = zs.random();
      if (seen.has(m)) continue;
      seen.add(m);
      pr.push(m, s);
    }
  }
  return pr.out;
}

// ---- ZUNION / ZINTER / ZDIFF ---------------------------------------------------------------------

/** A ZUNION/ZINTER/ZDIFF input: a sorted set, a set (every score 1), or a missing key. */
interface OpSource {
  size: number;
  weight: number;
  /** Identity of the value (the same key given twice). */
  subject: object | null;
  /** Visit every (member, score). */
  forEach(fn: (member: string, score: number) => void): void;
  /** The member's score, or undefined. */
  find(member: string): number | undefined;
}

const EMPTY_SOURCE_FNS = {
  forEach(): void {},
  find(): number | undefined {
    return undefined;
  },
};

function zsetSource(zs: ZSet): OpSource {
  return {
    size: zs.size,
    weight: 1,
    subject: zs,
    forEach(fn) {
      // Redis iterates sorted sets from the highest member.
      const c = zs.cursor(zs.size - 1);
      if (c !== null) do fn(c.member, c.score);
      while (c.prev());
    },
    find: (m) => zs.score(m),
  };
}

/** Members of a set value, whatever its implementation (Set-like or with a members() iterator). */
function setSource(v: RObject): OpSource {
  const s = v as unknown as {
    size?: number | (() => number);
    length?: number;
    has?: (m: string) => boolean;
    members?: () => Iterable<string>;
    values?: () => Iterable<string>;
    [Symbol.iterator]?: () => Iterator<string>;
  };
  const iterate = (): Iterable<string> => {
    if (typeof s.members === 'function') return s.members();
    if (typeof s[Symbol.iterator] === 'function') return s as Iterable<string>;
    if (typeof s.values === 'function') return s.values();
    return [];
  };
  let size: number;
  if (typeof s.size === 'number') size = s.size;
  else if (typeof s.size === 'function') size = s.size();
  else if (typeof s.length === 'number') size = s.length;
  else {
    size = 0;
    for (const _ of iterate()) size++;
  }
  let lookup: ((m: string) => boolean) | undefined = typeof s.has === 'function' ? (m) => (s.has as (m: string) => boolean).call(s, m) : undefined;
  return {
    size,
    weight: 1,
    subject: v,
    forEach(fn) {
      for (const m of iterate()) fn(m, 1);
    },
    find(m) {
      if (lookup === undefined) {
        const all = new Set<string>(iterate());
        lookup = (x) => all.has(x);
      }
      return lookup(m) ? 1 : undefined;
    },
  };
}

function opSource(db: Database, key: string): OpSource {
  const v = db.get(key);
  if (v === undefined) return { size: 0, weight: 1, subject: null, ...EMPTY_SOURCE_FNS };
  if (v instanceof ZSet) return zsetSource(v);
  if (typeof v !== 'string' && v.type === 'set') return setSource(v);
  throw new ReplyError(Err.wrongType);
}

const enum SetOp {
  Union,
  Inter,
  Diff,
}
const enum Aggregate {
  Sum,
  Min,
  Max,
}

function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === Aggregate.Sum) {
    const t = target + val;
    return t !== t ? 0 : t; // inf + -inf: Redis keeps 0
  }
  if (agg === Aggregate.Min) return val < target ? val : target;
  return val > target ? val : target;
}

/**
 * zunionInterDiffGenericCommand. `numkeysIdx` indexes numkeys in args; `dst`
 * is set for the *STORE variants; `cardOnly` for ZINTERCARD.
 */
function zsetOp(ctx: Context, args: string[], cmd: string, dst: string | undefined, numkeysIdx: number, op: SetOp, cardOnly: boolean): Reply {
  const setnum = longArg(args[numkeysIdx]);
  if (setnum < 1) throw new ReplyError(ZErr.atLeastOneKey(cmd));
  if (setnum > args.length - (numkeysIdx + 1)) throw new ReplyError(Err.syntax);
  const db = ctx.db;
  const src: OpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) src.push(opSource(db, args[j]));

  let agg = Aggregate.Sum;
  let withScores = false;
  let limit = 0;
  let remaining = args.length - j;
  while (remaining > 0) {
    const u = args[j].length <= 10 ? args[j].toUpperCase() : '';
    if (op !== SetOp.Diff && !cardOnly && remaining >= setnum + 1 && u === 'WEIGHTS') {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) src[i].weight = scoreArg(args[j], ZErr.weight);
    } else if (op !== SetOp.Diff && !cardOnly && remaining >= 2 && u === 'AGGREGATE') {
      j++;
      remaining--;
      const a = args[j].toUpperCase();
      if (a === 'SUM') agg = Aggregate.Sum;
      else if (a === 'MIN') agg = Aggregate.Min;
      else if (a === 'MAX') agg = Aggregate.Max;
      else throw new ReplyError(Err.syntax);
      j++;
      remaining--;
    } else if (dst === undefined && !cardOnly && u === 'WITHSCORES') {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && u === 'LIMIT') {
      j++;
      remaining--;
      limit = longAtLeast(args[j], 0, ZErr.limitNegative);
      j++;
      remaining--;
    } else throw new ReplyError(Err.syntax);
  }

  // Smallest first (qsort in glibc 2.36 is a stable merge sort here).
  if (op !== SetOp.Diff) src.sort((a, b) => a.size - b.size);

  const result = new ZSet(zsetLimits(ctx));
  result.convertToSkiplist();
  let cardinality = 0;
  if (op === SetOp.Inter) {
    const first = src[0];
    if (first.size > 0) {
      const stop = {};
      try {
        first.forEach((member, s0) => {
          let score = first.weight * s0;
          if (score !== score) score = 0;
          let k = 1;
          for (; k < setnum; k++) {
            const other = src[k];
            const v = other.subject === first.subject ? s0 : other.find(member);
            if (v === undefined) break;
            score = aggregate(score, v * other.weight, agg);
          }
          if (k === setnum) {
            if (cardOnly) {
              cardinality++;
              if (limit && cardinality >= limit) throw stop;
            } else result.insert(member, score);
          }
        });
      } catch (e) {
        if (e !== stop) throw e;
      }
    }
  } else if (op === SetOp.Union) {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (s.size === 0) continue;
      const w = s.weight;
      s.forEach((member, sc) => {
        let score = w * sc;
        if (score !== score) score = 0;
        const cur = acc.get(member);
        acc.set(member, cur === undefined ? score : aggregate(cur, score, agg));
      });
    }
    for (const [m, s] of acc) result.insert(m, s);
  } else {
    const first = src[0];
    if (first.size > 0) {
      first.forEach((member, s0) => {
        for (let k = 1; k < setnum; k++) {
          const other = src[k];
          if (other.subject === first.subject || other.find(member) !== undefined) return;
        }
        result.insert(member, s0);
      });
    }
  }

  if (dst !== undefined) {
    if (result.size) result.convertToListpackIfFits(zsetLimits(ctx));
    return storeResult(ctx, dst, result, op === SetOp.Union ? 'zunionstore' : op === SetOp.Inter ? 'zinterstore' : 'zdiffstore');
  }
  if (cardOnly) return cardinality;
  const pr = new PairReply(withScores, withScores && ctx.protocol === 3);
  for (const [m, s] of result) pr.push(m, s);
  return pr.out;
}

// ---- ZSCAN --------------------------------------------------------------------------------------

function zscan(ctx: Context, args: string[]): Reply {
  const cursor = parseCursor(args[1]);
  const zs = getZset(ctx.db, args[0]);
  if (zs === undefined) return ['0', EMPTY_ARRAY];
  const opts = parseScanOptions(args, 2);
  const match = matcher(opts.match);
  const out: string[] = [];
  if (zs.isListpack) {
    // Redis returns a whole listpack in one call, with cursor 0.
    for (const [m, s] of zs) if (match(m)) out.push(m, formatDouble(s));
    return ['0', out];
  }
  const step = scanStep(cursorTable(ctx.server), cursor, zs, () => zs.unorderedEntries(), opts.count, (e) => match(e[0]));
  for (const [m, s] of step.items) out.push(m, formatDouble(s));
  return [String(step.cursor), out];
}

// ---- registration ---------------------------------------------------------------------------------

export function installZsets(server: RedKitServer): void {
  defineCommands(server, {
    zadd: (ctx, args) => zaddGeneric(ctx, args, false),
    zincrby: (ctx, args) => zaddGeneric(ctx, args, true),
    zcard,
    zscore,
    zmscore,
    // Arity -3 for 7.2's WITHSCORE (see zrank()).
    zrank: { arity: -3, handler: (ctx, args) => zrank(ctx, args, false) },
    zrevrank: { arity: -3, handler: (ctx, args) => zrank(ctx, args, true) },
    zcount,
    zlexcount,
    zrange: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Auto, Direction.Auto),
    zrangestore: (ctx, args) => zrangeGeneric(ctx, args, 1, args[0], RangeType.Auto, Direction.Auto),
    zrevrange: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Rank, Direction.Reverse),
    zrangebyscore: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Score, Direction.Forward),
    zrevrangebyscore: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Score, Direction.Reverse),
    zrangebylex: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Lex, Direction.Forward),
    zrevrangebylex: (ctx, args) => zrangeGeneric(ctx, args, 0, undefined, RangeType.Lex, Direction.Reverse),
    zrem,
    zremrangebyrank: (ctx, args) => zremrange(ctx, args, RangeType.Rank),
    zremrangebyscore: (ctx, args) => zremrange(ctx, args, RangeType.Score),
    zremrangebylex: (ctx, args) => zremrange(ctx, args, RangeType.Lex),
    zpopmin: (ctx, args) => zpopMinMax(ctx, args, false),
    zpopmax: (ctx, args) => zpopMinMax(ctx, args, true),
    zmpop,
    zrandmember,
    zunion: (ctx, args) => zsetOp(ctx, args, 'zunion', undefined, 0, SetOp.Union, false),
    zinter: (ctx, args) => zsetOp(ctx, args, 'zinter', undefined, 0, SetOp.Inter, false),
    zdiff: (ctx, args) => zsetOp(ctx, args, 'zdiff', undefined, 0, SetOp.Diff, false),
    zintercard: (ctx, args) => zsetOp(ctx, args, 'zintercard', undefined, 0, SetOp.Inter, true),
    zunionstore: (ctx, args) => zsetOp(ctx, args, 'zunionstore', args[0], 1, SetOp.Union, false),
    zinterstore: (ctx, args) => zsetOp(ctx, args, 'zinterstore', args[0], 1, SetOp.Inter, false),
    zdiffstore: (ctx, args) => zsetOp(ctx, args, 'zdiffstore', args[0], 1, SetOp.Diff, false),
    zscan,
  });
}
