/**
 * Stream commands (t_stream.c), Redis 7.0.15 behaviour: XADD XRANGE XREVRANGE
 * XLEN XDEL XTRIM XREAD XREADGROUP XGROUP XACK XPENDING XCLAIM XAUTOCLAIM
 * XINFO XSETID.
 *
 * - IDs parse as Redis's streamGenericParseIDOrReply does (string2ull:
 *   strtoull's leading blanks, sign and zeros accepted; at most 127 bytes;
 *   a NUL byte ends the string).
 * - `*` IDs take their milliseconds from ctx.clock (virtual in the fixture)
 *   and never go backwards: a clock behind the last ID gives last ms, seq+1.
 *   PEL delivery times, consumer seen-times, idle times and XAUTOCLAIM /
 *   XCLAIM min-idle-time all read the same clock.
 * - Reads with BLOCK: the serving logic is serveStreamRead(); with nothing to
 *   serve, a BLOCK read waits through server.blocking (its keys, its timeout
 *   on the server clock) and serveStreamRead(ctx, req, key) answers it when a
 *   key becomes ready; inside MULTI and scripts it answers as a timeout, as
 *   Redis does. Writes that can serve a blocked reader call signalStreamReady().
 * - WATCH: as in Redis 7.0, only XADD, XDEL and XTRIM that change entries (and
 *   XGROUP CREATE MKSTREAM creating the key) signal the key as modified;
 *   group commands (XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM) and XSETID
 *   do not.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { EMPTY_ARRAY, ENCODED_NESTED, EncodedArray, MapReply, NULL_ARRAY, OK, SimpleString, StreamIdReply, type Reply } from '../resp/reply.js';
import type { Config } from '../server/config.js';
import type { Context } from '../server/context.js';
import { Dispatcher } from '../server/dispatch.js';
import type { RedKitServer } from '../server/server.js';
import { NOTIFY } from '../store/store.js';
import {
  addOne,
  cmpId,
  compareIds,
  Consumer,
  type ConsumerGroup,
  decrId,
  DEFAULT_STREAM_LIMITS,
  idIsZero,
  idString,
  incrId,
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  Nack,
  RStream,
  type StreamEntry,
  type StreamID,
  type StreamLimits,
  type U64,
  u64,
  U64_MAX,
} from '../store/types/stream.js';
import { defineCommands, getTyped, is } from './util.js';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_XADD_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
const ERR_XADD_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const ERR_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
const ERR_TOO_LARGE = 'ERR Elements are too large to be stored';
const ERR_MAXLEN_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
const ERR_MAXLEN_NEG = 'ERR The MAXLEN argument must be >= 0.';
const ERR_LIMIT_NEG = 'ERR The LIMIT argument must be >= 0.';
const ERR_LIMIT_NO_STRATEGY = 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy';
const ERR_XTRIM_NO_STRATEGY = 'ERR syntax error, XTRIM must be called with a trimming strategy';
const ERR_LIMIT_NO_TILDE = 'ERR syntax error, LIMIT cannot be used without the special ~ option';
const ERR_START_ID = 'ERR invalid start ID for the interval';
const ERR_END_ID = 'ERR invalid end ID for the interval';
const ERR_BUSYGROUP = 'BUSYGROUP Consumer Group name already exists';
const ERR_XGROUP_NOKEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';
const ERR_ENTRIESREAD = 'ERR value for ENTRIESREAD must be positive or -1';
const ERR_NO_SUCH_KEY = 'ERR no such key';
const ERR_NOGROUP_BLOCKED = 'NOGROUP the consumer group this client was blocked on no longer exists';
const ERR_UNBLOCKED_DELETED = 'UNBLOCKED the stream key no longer exists';

const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** C strings in error messages (%s stops at NUL). */
const cstr = (s: string): string => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};
const subcommandSyntax = (sub: string, cmd: string): string =>
  `ERR unknown subcommand or wrong number of arguments for '${cstr(sub).slice(0, 128)}'. Try ${cmd} HELP.`;

// ---- hooks for the blocking layer ------------------------------------------------------------

/**
 * A stream key may now serve blocked readers (XADD, XGROUP DESTROY...).
 * Goes to the store's keyReady hook, which the blocking layer installs.
 */
export function signalStreamReady(ctx: Context, key: string): void {
  const ready = ctx.store.hooks.keyReady;
  if (ready !== undefined) ready(ctx.db, key);
}

/** A parsed XREAD / XREADGROUP. */
export interface StreamReadRequest {
  /** XREADGROUP: group and consumer names; null for XREAD. */
  group: string | null;
  consumer: string | null;
  noack: boolean;
  /** COUNT (0 = no limit). */
  count: number;
  /** BLOCK in milliseconds, or -1 when not given. */
  timeout: number;
  keys: string[];
  /**
   * IDs to read after, one per key: `$` resolved to the stream's last ID at
   * the time of the call; `>` is MAX_ID.
   */
  ids: StreamID[];
}

/** The keys a blocked XREAD / XREADGROUP waits on. */
export function streamReadKeys(req: StreamReadRequest): string[] {
  return req.keys;
}

// ---- config --------------------------------------------------------------------------------

const limitCache = new WeakMap<Config, { version: number; lim: StreamLimits }>();

function parseSize(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return fallback;
  const unit = (m[2] ?? '').toLowerCase();
  const mul = unit === 'k' ? 1e3 : unit === 'kb' ? 1024 : unit === 'm' ? 1e6 : unit === 'mb' ? 1024 ** 2 : unit === 'g' ? 1e9 : unit === 'gb' ? 1024 ** 3 : 1;
  return Number(m[1]) * mul;
}

let lastCfg: Config | null = null;
let lastVersion = -1;
let lastLim: StreamLimits = DEFAULT_STREAM_LIMITS;

function streamLimits(ctx: Context): StreamLimits {
  const cfg = ctx.server.config;
  if (cfg === lastCfg && cfg.version === lastVersion) return lastLim;
  let c = limitCache.get(cfg);
  if (c === undefined || c.version !== cfg.version) {
    c = {
      version: cfg.version,
      lim: {
        maxEntries: parseSize(cfg.get('stream-node-max-entries'), DEFAULT_STREAM_LIMITS.maxEntries),
        maxBytes: parseSize(cfg.get('stream-node-max-bytes'), DEFAULT_STREAM_LIMITS.maxBytes),
      },
    };
    limitCache.set(cfg, c);
  }
  lastCfg = cfg;
  lastVersion = c.version;
  lastLim = c.lim;
  return c.lim;
}

// ---- ID parsing ----------------------------------------------------------------------------

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** Redis's string2ull on a C string: string2ll first, then strtoull's rules. */
export function string2ull(s: string): U64 | null {
  const z = s.indexOf('\0');
  if (z >= 0) s = s.slice(0, z);
  const ll = parseIntStrict(s);
  if (ll !== null) return ll < 0 ? null : typeof ll === 'bigint' ? u64(ll) : ll;
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    neg = s.charCodeAt(i) === 45;
    i++;
  }
  const d0 = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === d0 || i !== n) return null;
  let v = BigInt(s.slice(d0, i));
  if (v > U64_MAX) return null;
  if (neg && v !== 0n) v = (1n << 64n) - v;
  return u64(v);
}

interface ParsedId {
  id: StreamID;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply. `strict` refuses `-` / `+`; `seqStar` accepts
 * `<ms>-*` (XADD). Throws the invalid-ID error.
 */
function parseIdFull(arg: string, missingSeq: U64, strict: boolean, seqStar: boolean): ParsedId {
  if (arg.length > 127) throw new ReplyError(ERR_INVALID_ID);
  const c = cstr(arg);
  if (c === '-' || c === '+') {
    if (strict) throw new ReplyError(ERR_INVALID_ID);
    return { id: c === '-' ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = c.indexOf('-');
  const msPart = dash < 0 ? c : c.slice(0, dash);
  const ms = string2ull(msPart);
  if (ms === null) throw new ReplyError(ERR_INVALID_ID);
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const seqPart = c.slice(dash + 1);
  if (seqStar && seqPart === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = string2ull(seqPart);
  if (seq === null) throw new ReplyError(ERR_INVALID_ID);
  return { id: { ms, seq }, seqGiven: true };
}

const parseStrictId = (arg: string, missingSeq: U64 = 0): StreamID => parseIdFull(arg, missingSeq, true, false).id;
const parseId = (arg: string, missingSeq: U64 = 0): StreamID => parseIdFull(arg, missingSeq, false, false).id;

/** streamParseIntervalIDOrReply: `(` makes the bound exclusive. */
function parseIntervalId(arg: string, missingSeq: U64): { id: StreamID; exclusive: boolean } {
  if (arg.length > 1 && arg.charCodeAt(0) === 40) return { id: parseStrictId(arg.slice(1), missingSeq), exclusive: true };
  return { id: parseId(arg, missingSeq), exclusive: false };
}

function parseRangeStart(arg: string): StreamID {
  if (arg === '-') return MIN_ID;
  if (arg === '+') return MAX_ID;
  const { id, exclusive } = parseIntervalId(arg, 0);
  if (!exclusive) return id;
  const n = incrId(id);
  if (n === null) throw new ReplyError(ERR_START_ID);
  return n;
}

function parseRangeEnd(arg: string): StreamID {
  if (arg === '+') return MAX_ID;
  if (arg === '-') return MIN_ID;
  const { id, exclusive } = parseIntervalId(arg, U64_MAX);
  if (!exclusive) return id;
  const n = decrId(id);
  if (n === null) throw new ReplyError(ERR_END_ID);
  return n;
}

/** getLongLongFromObjectOrReply */
function llArg(s: string, msg: string = Err.notInteger): number {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(msg);
  return Number(v);
}

// ---- replies -------------------------------------------------------------------------------

const entryReply = (e: StreamEntry): Reply => [idString(e.ms, e.seq), e.fv];
const idReply = (id: StreamID): string => idString(id.ms, id.seq);

function getStream(ctx: Context, key: string): RStream | undefined {
  const s = getTyped<RStream>(ctx.db, key, 'stream');
  // Consumer groups and PELs change without signalling the key (as in Redis):
  // the memory accounts (INFO memory, maxmemory) count the stream again.
  if (s !== undefined && (ctx.store.memWatch !== null || ctx.store.sizeWatch !== null)) ctx.db.sizeChanged(key);
  return s;
}

// ---- XADD / XTRIM --------------------------------------------------------------------------

interface TrimArgs {
  strategy: 0 | 1 | 2; // none, MAXLEN, MINID
  approx: boolean;
  maxlen: number;
  minId: StreamID;
  limit: number;
  noMkStream: boolean;
  idGiven: boolean;
  seqGiven: boolean;
  id: StreamID;
}

/** streamParseAddOrTrimArgsOrReply; returns the index of the ID (XADD) or args.length. */
function parseAddOrTrim(ctx: Context, args: string[], xadd: boolean, t: TrimArgs): number {
  let limitGiven = false;
  let i = 1;
  const argc = args.length;
  for (; i < argc; i++) {
    const moreargs = argc - 1 - i;
    const opt = args[i];
    if (xadd && opt === '*') break;
    if (is(opt, 'MAXLEN') && moreargs) {
      if (t.strategy !== 0) throw new ReplyError(ERR_MAXLEN_MINID);
      t.approx = false;
      const next = args[i + 1];
      if (moreargs >= 2 && next === '~') {
        t.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') i++;
      const v = parseIntStrict(args[i + 1]);
      if (v === null) throw new ReplyError(Err.notInteger);
      if (v < 0) throw new ReplyError(ERR_MAXLEN_NEG);
      t.maxlen = Number(v);
      i++;
      t.strategy = 1;
    } else if (is(opt, 'MINID') && moreargs) {
      if (t.strategy !== 0) throw new ReplyError(ERR_MAXLEN_MINID);
      t.approx = false;
      const next = args[i + 1];
      if (moreargs >= 2 && next === '~') {
        t.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') i++;
      t.minId = parseStrictId(args[i + 1]);
      i++;
      t.strategy = 2;
    } else if (is(opt, 'LIMIT') && moreargs) {
      const v = parseIntStrict(args[i + 1]);
      if (v === null) throw new ReplyError(Err.notInteger);
      if (v < 0) throw new ReplyError(ERR_LIMIT_NEG);
      t.limit = Number(v);
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'NOMKSTREAM')) {
      t.noMkStream = true;
    } else if (xadd) {
      const p = parseIdFull(opt, 0, true, true);
      t.id = p.id;
      t.seqGiven = p.seqGiven;
      t.idGiven = true;
      break;
    } else throw new ReplyError(Err.syntax);
  }
  if (t.limit && t.strategy === 0) throw new ReplyError(ERR_LIMIT_NO_STRATEGY);
  if (!xadd && t.strategy === 0) throw new ReplyError(ERR_XTRIM_NO_STRATEGY);
  if (limitGiven) {
    if (!t.approx) throw new ReplyError(ERR_LIMIT_NO_TILDE);
  } else if (t.approx) {
    let l = 100 * streamLimits(ctx).maxEntries;
    if (l <= 0 || l > 10000) l = 10000;
    t.limit = l;
  } else t.limit = 0;
  return i;
}

const newTrimArgs = (): TrimArgs => ({
  strategy: 0,
  approx: false,
  maxlen: 0,
  minId: MIN_ID,
  limit: 0,
  noMkStream: false,
  idGiven: false,
  seqGiven: true,
  id: MIN_ID,
});

function trimStream(s: RStream, t: TrimArgs): number {
  if (t.strategy === 0) return 0;
  return s.trim(t.maxlen, t.strategy === 2 ? t.minId : null, t.approx, t.limit);
}

/**
 * The clock for `*`: a connection's XADDs of one read (one batch of the
 * dispatcher, Dispatcher.batchSeq, which no other batch of any server
 * shares) use one reading, as Redis 7.2 gives a command, a transaction or a
 * script one time snapshot. Nothing moves the clock in the middle of a batch
 * (the fixture's clock moves between them; scripts pin it, and read it here
 * the plain way).
 */
let nowBatch = -1;
let nowAt = 0;

function xaddNow(ctx: Context): number {
  if (ctx.conn === undefined || ctx.inScript) return ctx.clock.now();
  if (Dispatcher.batchSeq === nowBatch) return nowAt;
  nowBatch = Dispatcher.batchSeq;
  nowAt = ctx.clock.now();
  return nowAt;
}

/**
 * The reply of an XADD run from a connection's input loop (not in EXEC, a
 * script, or resumed after a pause, where replies are held until later):
 * the connection writes it before anything else runs, so it is reused.
 */
const XADD_REPLY = new StreamIdReply(0, 0);

function xadd(ctx: Context, args: string[]): Reply {
  const key = args[0];
  let ms: U64;
  let seq: U64;
  let t: TrimArgs | null = null;
  let idpos: number;
  // Fast path: XADD key * field value ...
  if (args[1] === '*') idpos = 1;
  else {
    t = newTrimArgs();
    idpos = parseAddOrTrim(ctx, args, true, t);
  }
  const fieldPos = idpos + 1;
  const nargs = args.length - fieldPos;
  if (nargs < 2 || nargs % 2 === 1) throw new ReplyError(Err.arity('xadd'));
  if (t !== null && t.idGiven && t.seqGiven && t.id.ms === 0 && t.id.seq === 0) throw new ReplyError(ERR_XADD_ZERO);
  const db = ctx.db;
  let s = getStream(ctx, key);
  let created = false;
  if (s === undefined) {
    if (t !== null && t.noMkStream) return null;
    s = new RStream();
    created = true;
  }
  // The last ID's halves (s.lastId would make an object).
  const lastMs = s.lastMs;
  const lastSeq = s.lastSeq;
  if (lastMs === U64_MAX && lastSeq === U64_MAX) throw new ReplyError(ERR_EXHAUSTED);
  if (t !== null && t.idGiven) {
    if (t.seqGiven) {
      ms = t.id.ms;
      seq = t.id.seq;
    } else if (t.id.ms === lastMs) {
      // Redis 7.0 reports this one with errno ERANGE.
      if (lastSeq === U64_MAX) throw new ReplyError(ERR_TOO_LARGE);
      ms = lastMs;
      seq = addOne(lastSeq);
    } else {
      ms = t.id.ms;
      seq = 0;
    }
    if (cmpId(ms, seq, lastMs, lastSeq) <= 0) throw new ReplyError(ERR_XADD_SMALL);
  } else {
    const now = xaddNow(ctx);
    if (now > lastMs) {
      ms = now;
      seq = 0;
    } else if (lastSeq === U64_MAX) {
      ms = addOne(lastMs);
      seq = 0;
    } else {
      ms = lastMs;
      seq = addOne(lastSeq);
    }
  }
  let tot = 0;
  for (let i = fieldPos; i < args.length; i++) tot += args[i].length;
  if (tot > STREAM_LISTPACK_MAX_SIZE) throw new ReplyError(ERR_TOO_LARGE);
  if (created) db.set(key, s);
  else db.touch(key);
  s.append(ms, seq, args, fieldPos, streamLimits(ctx), tot);
  const st = ctx.store;
  st.dirty++;
  st.notify(NOTIFY.STREAM, 'xadd', key, db.id);
  if (t !== null && t.strategy !== 0) {
    if (trimStream(s, t) > 0) st.notify(NOTIFY.STREAM, 'xtrim', key, db.id);
  }
  signalStreamReady(ctx, key);
  if (typeof ms === 'number' && typeof seq === 'number') {
    // A client's own reply nobody else sees: the writer prints the digits (no string to build and flatten).
    const conn = ctx.conn;
    if (conn !== undefined && !ctx.inScript && !ctx.server.dispatcher.repliesObserved) {
      if (ctx.inMulti || conn.isBusy) return new StreamIdReply(ms, seq);
      // Written before the connection runs anything else: one object serves every XADD.
      XADD_REPLY.ms = ms;
      XADD_REPLY.seq = seq;
      return XADD_REPLY;
    }
    return ms + '-' + seq;
  }
  return idString(ms, seq);
}

function xtrim(ctx: Context, args: string[]): Reply {
  const t = newTrimArgs();
  parseAddOrTrim(ctx, args, false, t);
  const key = args[0];
  const s = getStream(ctx, key);
  if (s === undefined) return 0;
  const deleted = trimStream(s, t);
  if (deleted) {
    ctx.store.notify(NOTIFY.STREAM, 'xtrim', key, ctx.db.id);
    ctx.db.touch(key);
    ctx.store.dirty += deleted;
  }
  return deleted;
}

// ---- XRANGE / XREVRANGE / XLEN / XDEL ------------------------------------------------------

function xrangeGeneric(ctx: Context, args: string[], rev: boolean): Reply {
  const startArg = rev ? args[2] : args[1];
  const endArg = rev ? args[1] : args[2];
  const start = parseRangeStart(startArg);
  const end = parseRangeEnd(endArg);
  let count = -1;
  for (let j = 3; j < args.length; j++) {
    if (is(args[j], 'COUNT') && j + 1 < args.length) {
      count = llArg(args[j + 1]);
      if (count < 0) count = 0;
      j++;
    } else throw new ReplyError(Err.syntax);
  }
  const s = getStream(ctx, args[0]);
  if (s === undefined) return EMPTY_ARRAY;
  if (count === 0) return NULL_ARRAY;
  // A forward paging read for a client connection nobody observes the reply
  // of: copy the entries' cached RESP encodings (as sorted sets do).
  if (!rev && count > 0 && ctx.conn !== undefined && !ctx.server.dispatcher.repliesObserved) {
    const e = s.encodedRange(start, end, count);
    if (e !== null) return new EncodedArray(e.count, e.segments, ENCODED_NESTED);
  }
  return s.rangeReply(start, end, count === -1 ? 0 : count, rev);
}

function xdel(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const s = getStream(ctx, key);
  if (s === undefined) return 0;
  const ids: StreamID[] = [];
  for (let j = 1; j < args.length; j++) ids.push(parseStrictId(args[j]));
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (s.deleteEntry(id.ms, id.seq)) {
      if (compareIds(id, s.firstId) === 0) firstEntry = true;
      if (compareIds(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
      deleted++;
    }
  }
  if (deleted) {
    if (s.length === 0) s.firstId = MIN_ID;
    else if (firstEntry) s.firstId = s.firstValidId() ?? MIN_ID;
    ctx.db.touch(key);
    ctx.store.notify(NOTIFY.STREAM, 'xdel', key, ctx.db.id);
    ctx.store.dirty += deleted;
  }
  return deleted;
}

// ---- XREAD / XREADGROUP ----------------------------------------------------------------------

/** Parse XREAD / XREADGROUP (args after the command name); throws Redis's errors. */
export function parseStreamRead(ctx: Context, args: string[], xreadgroup: boolean): StreamReadRequest {
  const cmdName = ctx.sentName;
  let timeout = -1;
  let count = 0;
  let streamsArg = -1;
  let streamsCount = 0;
  let noack = false;
  let group: string | null = null;
  let consumer: string | null = null;
  const argc = args.length;
  for (let i = 0; i < argc; i++) {
    const moreargs = argc - i - 1;
    const o = args[i];
    if (is(o, 'BLOCK') && moreargs) {
      if (ctx.inScript) throw new ReplyError(`ERR ${cstr(cmdName)} command is not allowed with BLOCK option from scripts`);
      i++;
      const v = parseIntStrict(args[i]);
      if (v === null) throw new ReplyError(Err.timeoutNotInt);
      if (v < 0) throw new ReplyError(Err.timeoutNegative);
      timeout = Number(v);
    } else if (is(o, 'COUNT') && moreargs) {
      i++;
      count = llArg(args[i]);
      if (count < 0) count = 0;
    } else if (is(o, 'STREAMS') && moreargs) {
      streamsArg = i + 1;
      streamsCount = argc - streamsArg;
      if (streamsCount % 2 !== 0) {
        // 7.0.15 words it the same way for XREADGROUP.
        throw new ReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streamsCount /= 2;
      break;
    } else if (is(o, 'GROUP') && moreargs >= 2) {
      if (!xreadgroup) throw new ReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      group = args[i + 1];
      consumer = args[i + 2];
      i += 2;
    } else if (is(o, 'NOACK')) {
      if (!xreadgroup) throw new ReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else throw new ReplyError(Err.syntax);
  }
  if (streamsArg < 0) throw new ReplyError(Err.syntax);
  if (xreadgroup && group === null) throw new ReplyError('ERR Missing GROUP option for XREADGROUP');
  // Sized once (a push onto [] makes room for 16).
  const keys: string[] = new Array(streamsCount);
  const ids: StreamID[] = new Array(streamsCount);
  for (let i = streamsArg + streamsCount; i < argc; i++) {
    const k = i - streamsArg - streamsCount;
    const key = args[i - streamsCount];
    const s = getStream(ctx, key);
    if (group !== null) {
      if (s === undefined || s.group(group) === undefined) {
        throw new ReplyError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(group)}' in XREADGROUP with GROUP option`);
      }
    }
    keys[k] = key;
    const a = args[i];
    if (a === '$') {
      if (xreadgroup) {
        throw new ReplyError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids[k] = s !== undefined ? s.lastId : MIN_ID;
      continue;
    }
    if (a === '>') {
      if (!xreadgroup) throw new ReplyError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids[k] = MAX_ID;
      continue;
    }
    ids[k] = parseStrictId(a);
  }
  return { group, consumer, noack, count, timeout, keys, ids };
}

/** Look up or create (with its keyspace event) a consumer; refreshes seen-time. */
function consumerFor(ctx: Context, g: ConsumerGroup, name: string, key: string): Consumer {
  let c = g.consumers.get(name);
  const now = ctx.clock.now();
  if (c === undefined) {
    c = new Consumer(name, now);
    g.consumers.set(name, c);
    ctx.store.dirty++;
    ctx.store.notify(NOTIFY.STREAM, 'xgroup-createconsumer', key, ctx.db.id);
  } else c.seenTime = now;
  return c;
}

/**
 * streamReplyWithRange for a group read: entries after `start` (inclusive),
 * advancing the group's last ID and read counter and adding PEL entries.
 */
function readForGroup(ctx: Context, s: RStream, start: StreamID, count: number, g: ConsumerGroup, c: Consumer, noack: boolean): Reply[] {
  const entries = s.range(start, MAX_ID, count);
  const out: Reply[] = new Array(entries.length);
  const now = ctx.clock.now();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const id = { ms: e.ms, seq: e.seq };
    if (compareIds(id, g.lastId) > 0) {
      if (g.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, null)) g.entriesRead++;
      else if (s.entriesAdded) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
    }
    out[i] = entryReply(e);
    if (!noack) {
      const existing = g.pel.get(e.ms, e.seq);
      if (existing === undefined) {
        const nack = new Nack(c, now, 1);
        g.pel.set(e.ms, e.seq, nack);
        c.pel.set(e.ms, e.seq, nack);
      } else {
        if (existing.consumer !== null) existing.consumer.pel.delete(e.ms, e.seq);
        existing.consumer = c;
        existing.deliveryTime = now;
        existing.deliveryCount = 1;
        c.pel.set(e.ms, e.seq, existing);
      }
    }
  }
  return out;
}

/** streamReplyWithRangeFromConsumerPEL: a consumer's history from `start`. */
function readHistory(ctx: Context, s: RStream, start: StreamID, count: number, c: Consumer): Reply[] {
  const out: Reply[] = [];
  const now = ctx.clock.now();
  c.pel.forEachFrom(start.ms, start.seq, (ms, seq, nack) => {
    if (count && out.length >= count) return false;
    const e = s.get(ms, seq);
    if (e === null) out.push([idString(ms, seq), NULL_ARRAY]);
    else {
      nack.deliveryTime = now;
      nack.deliveryCount = typeof nack.deliveryCount === 'number' ? nack.deliveryCount + 1 : nack.deliveryCount + 1n;
      out.push(entryReply(e));
    }
    return true;
  });
  return out;
}

/**
 * Serve a parsed XREAD / XREADGROUP: the reply when at least one stream has
 * something for it, else undefined (nothing to serve yet: block or time out).
 *
 * With `readyKey` (a blocked reader whose key became ready), serve that key
 * alone as Redis serves blocked stream clients (serveClientsBlockedOnStreamKey):
 * a group that no longer exists answers a NOGROUP error; `>` reads after the
 * group's current last ID; when the key was deleted or is no longer a stream,
 * XREADGROUP answers `-UNBLOCKED the stream key no longer exists` and XREAD
 * keeps waiting (undefined). Redis 7.0.15 signals a deleted or overwritten
 * stream key as ready (DEL, SET over it...), so the blocking layer must call
 * this for those too.
 */
export function serveStreamRead(ctx: Context, req: StreamReadRequest, readyKey?: string): Reply | undefined {
  const resp3 = ctx.protocol === 3;
  if (readyKey !== undefined) {
    const idx = req.keys.indexOf(readyKey);
    if (idx < 0) return undefined;
    const v = ctx.db.peek(readyKey);
    // Deleted, or replaced by another type (7.0's signalDeletedKeyAsReady):
    // XREADGROUP readers are released with an error, XREAD readers keep waiting.
    if (!(v instanceof RStream)) return req.group !== null ? new ReplyError(ERR_UNBLOCKED_DELETED) : undefined;
    const s = v;
    let gt = req.ids[idx];
    let g: ConsumerGroup | undefined;
    if (req.group !== null) {
      g = s.group(req.group);
      if (g === undefined) return new ReplyError(ERR_NOGROUP_BLOCKED);
      gt = g.lastId;
    }
    if (compareIds(s.lastId, gt) <= 0) return undefined;
    const start = incrId(gt) ?? MIN_ID;
    let items: Reply[];
    if (g !== undefined) {
      const c = consumerFor(ctx, g, req.consumer!, readyKey);
      items = readForGroup(ctx, s, start, req.count, g, c, req.noack);
    } else {
      items = s.rangeReply(start, MAX_ID, req.count);
    }
    return resp3 ? new MapReply([readyKey, items]) : [[readyKey, items]];
  }
  // Sized for every key (a push onto [] makes room for 16), cut to what was served.
  const flat: Reply[] = new Array(resp3 ? 2 * req.keys.length : req.keys.length);
  let nflat = 0;
  for (let i = 0; i < req.keys.length; i++) {
    const key = req.keys[i];
    const s = getStream(ctx, key);
    if (s === undefined) continue;
    let gt = req.ids[i];
    let serve = false;
    let history = false;
    let g: ConsumerGroup | undefined;
    if (req.group !== null) {
      g = s.group(req.group);
      if (g === undefined) continue;
      if (gt.ms !== U64_MAX || gt.seq !== U64_MAX) {
        serve = true;
        history = true;
      } else if (s.length) {
        const maxid = s.lastValidId();
        if (compareIds(maxid, g.lastId) > 0) {
          serve = true;
          gt = g.lastId;
        }
      }
    } else if (s.length) {
      const maxid = s.lastValidId();
      if (compareIds(maxid, gt) > 0) serve = true;
    }
    if (!serve) continue;
    const start = incrId(gt) ?? MIN_ID;
    let items: Reply[];
    if (g !== undefined) {
      const c = consumerFor(ctx, g, req.consumer!, key);
      items = history ? readHistory(ctx, s, start, req.count, c) : readForGroup(ctx, s, start, req.count, g, c, req.noack);
      // xreadCommand counts one change per stream a group read served (not when serving a blocked reader).
      ctx.store.dirty++;
    } else {
      items = s.rangeReply(start, MAX_ID, req.count);
    }
    if (resp3) {
      flat[nflat++] = key;
      flat[nflat++] = items;
    } else flat[nflat++] = [key, items];
  }
  if (nflat === 0) return undefined;
  flat.length = nflat;
  return resp3 ? new MapReply(flat) : flat;
}

function xreadGeneric(ctx: Context, args: string[], group: boolean): Reply | Promise<Reply> {
  const req = parseStreamRead(ctx, args, group);
  const r = serveStreamRead(ctx, req);
  if (r !== undefined) return r;
  if (req.timeout === -1) return NULL_ARRAY;
  // Inside MULTI / scripts Redis never blocks: it answers as a timeout.
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return NULL_ARRAY;
  return blocking.block(ctx, {
    keys: streamReadKeys(req),
    timeoutMs: req.timeout,
    serve: (key) => serveStreamRead(ctx, req, key),
    onTimeout: () => NULL_ARRAY,
  });
}

// ---- XGROUP ----------------------------------------------------------------------------------

interface XgroupCtx {
  s: RStream | undefined;
  g: ConsumerGroup | undefined;
  entriesRead: number;
  mkstream: boolean;
}

/** The common part of XGROUP subcommands: options, key and group lookup, in Redis's order. */
function xgroupPrepare(ctx: Context, sub: string, args: string[], opts: 'create' | 'setid' | 'none', requireGroup: boolean): XgroupCtx {
  const x: XgroupCtx = { s: undefined, g: undefined, entriesRead: INVALID_ENTRIES_READ, mkstream: false };
  // args: key group [id [options]]
  for (let i = 3; opts !== 'none' && i < args.length; ) {
    const a = args[i];
    if (opts === 'create' && is(a, 'MKSTREAM')) {
      x.mkstream = true;
      i++;
    } else if (is(a, 'ENTRIESREAD') && i + 1 < args.length) {
      const v = llArg(args[i + 1]);
      if (v < 0 && v !== INVALID_ENTRIES_READ) throw new ReplyError(ERR_ENTRIESREAD);
      x.entriesRead = v;
      i += 2;
    } else throw new ReplyError(subcommandSyntax(sub, 'XGROUP'));
  }
  x.s = getStream(ctx, args[0]);
  if (!x.mkstream) {
    if (x.s === undefined) throw new ReplyError(ERR_XGROUP_NOKEY);
    x.g = x.s.group(args[1]);
    if (x.g === undefined && requireGroup) {
      throw new ReplyError(`NOGROUP No such consumer group '${cstr(args[1])}' for key name '${cstr(args[0])}'`);
    }
  } else if (x.s !== undefined) x.g = x.s.group(args[1]);
  return x;
}

function xgroupCreate(ctx: Context, args: string[]): Reply {
  const sub = ctx.sentArgs[0] ?? 'create';
  const x = xgroupPrepare(ctx, sub, args, 'create', false);
  if (args.length > 6) throw new ReplyError(subcommandSyntax(sub, 'XGROUP'));
  const key = args[0];
  let id: StreamID;
  if (args[2] === '$') id = x.s !== undefined ? x.s.lastId : MIN_ID;
  else id = parseStrictId(args[2]);
  let s = x.s;
  if (s === undefined) {
    s = new RStream();
    ctx.db.set(key, s);
  }
  const g = s.createGroup(args[1], id, x.entriesRead);
  if (g === null) throw new ReplyError(ERR_BUSYGROUP);
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xgroup-create', key, ctx.db.id);
  return OK;
}

function xgroupSetid(ctx: Context, args: string[]): Reply {
  const sub = ctx.sentArgs[0] ?? 'setid';
  const x = xgroupPrepare(ctx, sub, args, 'setid', true);
  if (args.length !== 3 && args.length !== 5) throw new ReplyError(subcommandSyntax(sub, 'XGROUP'));
  const s = x.s!;
  const g = x.g!;
  const id = args[2] === '$' ? s.lastId : parseId(args[2]);
  g.lastId = id;
  g.entriesRead = x.entriesRead;
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xgroup-setid', args[0], ctx.db.id);
  // Redis 7.0 does not signal the key as ready here: readers blocked on the
  // group wait for the next XADD (then read from the new last ID).
  return OK;
}

function xgroupDestroy(ctx: Context, args: string[]): Reply {
  const x = xgroupPrepare(ctx, ctx.sentArgs[0] ?? 'destroy', args, 'none', false);
  if (x.g === undefined) return 0;
  x.s!.groups!.delete(args[1]);
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xgroup-destroy', args[0], ctx.db.id);
  signalStreamReady(ctx, args[0]);
  return 1;
}

function xgroupCreateConsumer(ctx: Context, args: string[]): Reply {
  const x = xgroupPrepare(ctx, ctx.sentArgs[0] ?? 'createconsumer', args, 'none', true);
  const g = x.g!;
  if (g.consumers.has(args[2])) return 0;
  g.consumers.set(args[2], new Consumer(args[2], ctx.clock.now()));
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xgroup-createconsumer', args[0], ctx.db.id);
  return 1;
}

function xgroupDelConsumer(ctx: Context, args: string[]): Reply {
  const x = xgroupPrepare(ctx, ctx.sentArgs[0] ?? 'delconsumer', args, 'none', true);
  const g = x.g!;
  const c = g.consumers.get(args[2]);
  if (c === undefined) return 0;
  const pending = c.pel.size;
  c.pel.forEach((ms, seq) => {
    g.pel.delete(ms, seq);
  });
  g.consumers.delete(args[2]);
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xgroup-delconsumer', args[0], ctx.db.id);
  return pending;
}

// ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM -------------------------------------------------------

function xack(ctx: Context, args: string[]): Reply {
  const s = getStream(ctx, args[0]);
  const g = s?.group(args[1]);
  if (s === undefined || g === undefined) return 0;
  // Every ID is checked before any is acknowledged, as in Redis.
  const ids: StreamID[] = new Array(args.length - 2);
  for (let j = 2; j < args.length; j++) ids[j - 2] = parseStrictId(args[j]);
  let acked = 0;
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    const nack = g.pel.delete(id.ms, id.seq);
    if (nack !== undefined) {
      nack.consumer?.pel.delete(id.ms, id.seq);
      acked++;
    }
  }
  ctx.store.dirty += acked;
  return acked;
}

function xpending(ctx: Context, args: string[]): Reply {
  const argc = args.length + 1; // Redis's argc without the command name
  const justinfo = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) throw new ReplyError(Err.syntax);
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0;
  let minidle = 0;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let si = 2;
    if (is(args[2], 'IDLE')) {
      minidle = llArg(args[3]);
      if (argc < 8) throw new ReplyError(Err.syntax);
      si += 2;
    }
    count = llArg(args[si + 2]);
    if (count < 0) count = 0;
    start = parseRangeStart(args[si]);
    end = parseRangeEnd(args[si + 1]);
    if (si + 3 < args.length) consumerName = args[si + 3];
  }
  const s = getStream(ctx, args[0]);
  const g = s?.group(args[1]);
  if (s === undefined || g === undefined) throw new ReplyError(`NOGROUP No such key '${cstr(args[0])}' or consumer group '${cstr(args[1])}'`);
  if (justinfo) {
    if (g.pel.size === 0) return [0, null, null, NULL_ARRAY];
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) if (c.pel.size > 0) consumers.push([c.name, String(c.pel.size)]);
    return [g.pel.size, idReply(g.pel.first()!), idReply(g.pel.last()!), consumers];
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const c = g.consumers.get(consumerName);
    if (c === undefined) return EMPTY_ARRAY;
    pel = c.pel;
  }
  const now = ctx.clock.now();
  const out: Reply[] = [];
  if (count === 0) return out;
  pel.forEachFrom(start.ms, start.seq, (ms, seq, nack) => {
    if (cmpId(ms, seq, end.ms, end.seq) > 0) return false;
    if (minidle) {
      if (now - nack.deliveryTime < minidle) return true;
    }
    let elapsed = now - nack.deliveryTime;
    if (elapsed < 0) elapsed = 0;
    out.push([idString(ms, seq), nack.consumer!.name, elapsed, nack.deliveryCount]);
    count--;
    return count > 0;
  });
  return out;
}

function xclaim(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const s = getStream(ctx, key);
  const g = s?.group(args[1]);
  if (s === undefined || g === undefined) throw new ReplyError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(args[1])}'`);
  let minidle = llArg(args[3], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minidle < 0) minidle = 0;
  const ids: StreamID[] = [];
  let j = 4;
  for (; j < args.length; j++) {
    try {
      ids.push(parseStrictId(args[j]));
    } catch {
      break;
    }
  }
  const now = ctx.clock.now();
  let force = false;
  let justid = false;
  let retrycount: number | bigint = -1;
  let deliverytime = -1;
  let lastId: StreamID = MIN_ID;
  for (; j < args.length; j++) {
    const moreargs = args.length - 1 - j;
    const opt = args[j];
    if (is(opt, 'FORCE')) force = true;
    else if (is(opt, 'JUSTID')) justid = true;
    else if (is(opt, 'IDLE') && moreargs) {
      j++;
      deliverytime = now - llArg(args[j], 'ERR Invalid IDLE option argument for XCLAIM');
    } else if (is(opt, 'TIME') && moreargs) {
      j++;
      deliverytime = llArg(args[j], 'ERR Invalid TIME option argument for XCLAIM');
    } else if (is(opt, 'RETRYCOUNT') && moreargs) {
      j++;
      const v = parseIntStrict(args[j]);
      if (v === null) throw new ReplyError('ERR Invalid RETRYCOUNT option argument for XCLAIM');
      retrycount = v;
    } else if (is(opt, 'LASTID') && moreargs) {
      j++;
      lastId = parseStrictId(args[j]);
    } else throw new ReplyError(`ERR Unrecognized XCLAIM option '${cstr(opt)}'`);
  }
  // Moving the group's last ID counts one change, unless an entry was claimed
  // or dropped (then only those count, as xclaimCommand does).
  let lastIdMoved = false;
  if (compareIds(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    lastIdMoved = true;
  }
  let changes = 0;
  if (deliverytime !== -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else deliverytime = now;
  let consumer: Consumer | null = null;
  const out: Reply[] = [];
  for (const id of ids) {
    let nack = g.pel.get(id.ms, id.seq);
    const entry = s.get(id.ms, id.seq);
    if (entry === null) {
      if (nack !== undefined) {
        g.pel.delete(id.ms, id.seq);
        nack.consumer?.pel.delete(id.ms, id.seq);
        changes++;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(null, now, 1);
      g.pel.set(id.ms, id.seq, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minidle) {
      if (now - nack.deliveryTime < minidle) continue;
    }
    if (consumer === null) consumer = consumerFor(ctx, g, args[2], key);
    if (nack.consumer !== consumer && nack.consumer !== null) nack.consumer.pel.delete(id.ms, id.seq);
    nack.deliveryTime = deliverytime;
    if (retrycount !== -1 && retrycount >= 0) nack.deliveryCount = typeof retrycount === 'bigint' ? retrycount : retrycount;
    else if (!justid) nack.deliveryCount = typeof nack.deliveryCount === 'number' ? nack.deliveryCount + 1 : nack.deliveryCount + 1n;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id.ms, id.seq, nack);
      nack.consumer = consumer;
    }
    out.push(justid ? idReply(id) : entryReply(entry));
    changes++;
  }
  ctx.store.dirty += changes > 0 ? changes : lastIdMoved ? 1 : 0;
  return out;
}

/** LONG_MAX / 16: XAUTOCLAIM's COUNT bound. */
const XAUTOCLAIM_MAX_COUNT = 9223372036854775807n / 16n;

function xautoclaim(ctx: Context, args: string[]): Reply {
  const key = args[0];
  let minidle = llArg(args[3], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minidle < 0) minidle = 0;
  const start = parseRangeStart(args[4]);
  let count = 100;
  let justid = false;
  for (let j = 5; j < args.length; j++) {
    const moreargs = args.length - 1 - j;
    if (is(args[j], 'COUNT') && moreargs) {
      const v = parseIntStrict(args[j + 1]);
      if (v === null || v < 1 || BigInt(v) > XAUTOCLAIM_MAX_COUNT) throw new ReplyError('ERR COUNT must be > 0');
      count = Number(v);
      j++;
    } else if (is(args[j], 'JUSTID')) justid = true;
    else throw new ReplyError(Err.syntax);
  }
  const s = getStream(ctx, key);
  const g = s?.group(args[1]);
  if (s === undefined || g === undefined) throw new ReplyError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(args[1])}'`);
  let attempts = count * 10;
  const now = ctx.clock.now();
  let consumer: Consumer | null = null;
  const claimed: Reply[] = [];
  const deletedIds: Reply[] = [];
  // Walk the group PEL from start (collect first: the walk must not see its own changes).
  const keys: StreamID[] = [];
  let next: StreamID | null = null;
  let budget = attempts;
  let cnt = count;
  // Pre-collect up to `attempts` + 1 keys: enough for the loop and the cursor.
  g.pel.forEachFrom(start.ms, start.seq, (ms, seq) => {
    keys.push({ ms, seq });
    return keys.length <= attempts;
  });
  let k = 0;
  let eof = false;
  for (;;) {
    if (!(budget-- && cnt)) break;
    if (k >= keys.length) {
      eof = true;
      break;
    }
    const id = keys[k++];
    const nack = g.pel.get(id.ms, id.seq)!;
    const entry = s.get(id.ms, id.seq);
    if (entry === null) {
      g.pel.delete(id.ms, id.seq);
      nack.consumer?.pel.delete(id.ms, id.seq);
      deletedIds.push(idReply(id));
      ctx.store.dirty++;
      cnt--;
      continue;
    }
    if (minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer === null) consumer = consumerFor(ctx, g, args[2], key);
    if (nack.consumer !== consumer && nack.consumer !== null) nack.consumer.pel.delete(id.ms, id.seq);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount = typeof nack.deliveryCount === 'number' ? nack.deliveryCount + 1 : nack.deliveryCount + 1n;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id.ms, id.seq, nack);
      nack.consumer = consumer;
    }
    claimed.push(justid ? idReply(id) : entryReply(entry));
    ctx.store.dirty++;
    cnt--;
  }
  if (!eof && k < keys.length) next = keys[k];
  else if (!eof) {
    // Collected keys ran out exactly: look past the last one.
    const last = keys.length > 0 ? keys[keys.length - 1] : null;
    if (last !== null) {
      const after = incrId(last);
      if (after !== null) {
        g.pel.forEachFrom(after.ms, after.seq, (ms, seq) => {
          next = { ms, seq };
          return false;
        });
      }
    }
  }
  attempts = 0;
  return [next !== null ? idReply(next) : '0-0', claimed, deletedIds];
}

// ---- XINFO -----------------------------------------------------------------------------------

function lagReply(s: RStream, g: ConsumerGroup): Reply {
  return s.lag(g);
}

function xinfoStream(ctx: Context, args: string[]): Reply {
  const sub = ctx.sentArgs[0] ?? 'stream';
  const optc = args.length - 1;
  let full = false;
  let count = 10;
  if (optc !== 0) {
    if (optc !== 1 && optc !== 3) throw new ReplyError(subcommandSyntax(sub, 'XINFO'));
    if (!is(args[1], 'FULL')) throw new ReplyError(subcommandSyntax(sub, 'XINFO'));
    if (optc === 3) {
      if (!is(args[2], 'COUNT')) throw new ReplyError(subcommandSyntax(sub, 'XINFO'));
      count = llArg(args[3]);
      if (count < 0) count = 10;
    }
    full = true;
  }
  const v = ctx.db.get(args[0]);
  if (v === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  if (!(v instanceof RStream)) throw new ReplyError(Err.wrongType);
  const s = v;
  const m: Reply[] = [
    'length',
    s.length,
    'radix-tree-keys',
    s.radixTreeKeys(),
    'radix-tree-nodes',
    s.radixTreeNodes(),
    'last-generated-id',
    idReply(s.lastId),
    'max-deleted-entry-id',
    idReply(s.maxDeletedId),
    'entries-added',
    s.entriesAdded,
    'recorded-first-entry-id',
    idReply(s.firstId),
  ];
  if (!full) {
    const first = s.range(MIN_ID, MAX_ID, 1);
    const last = s.range(MIN_ID, MAX_ID, 1, true);
    m.push('groups', s.groups?.size ?? 0, 'first-entry', first.length ? entryReply(first[0]) : null, 'last-entry', last.length ? entryReply(last[0]) : null);
    return new MapReply(m);
  }
  m.push('entries', s.range(MIN_ID, MAX_ID, count).map(entryReply));
  const groups: Reply[] = [];
  for (const g of s.sortedGroups()) {
    const pending: Reply[] = [];
    g.pel.forEach((ms, seq, nack) => {
      if (count && pending.length >= count) return false;
      pending.push([idString(ms, seq), nack.consumer!.name, nack.deliveryTime, nack.deliveryCount]);
      return true;
    });
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const cp: Reply[] = [];
      c.pel.forEach((ms, seq, nack) => {
        if (count && cp.length >= count) return false;
        cp.push([idString(ms, seq), nack.deliveryTime, nack.deliveryCount]);
        return true;
      });
      consumers.push(new MapReply(['name', c.name, 'seen-time', c.seenTime, 'pel-count', c.pel.size, 'pending', cp]));
    }
    groups.push(
      new MapReply([
        'name',
        g.name,
        'last-delivered-id',
        idReply(g.lastId),
        'entries-read',
        g.entriesRead !== INVALID_ENTRIES_READ ? g.entriesRead : null,
        'lag',
        lagReply(s, g),
        'pel-count',
        g.pel.size,
        'pending',
        pending,
        'consumers',
        consumers,
      ]),
    );
  }
  m.push('groups', groups);
  return new MapReply(m);
}

function xinfoKey(ctx: Context, key: string): RStream {
  const v = ctx.db.get(key);
  if (v === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  if (!(v instanceof RStream)) throw new ReplyError(Err.wrongType);
  return v;
}

function xinfoGroups(ctx: Context, args: string[]): Reply {
  const s = xinfoKey(ctx, args[0]);
  const out: Reply[] = [];
  for (const g of s.sortedGroups()) {
    out.push(
      new MapReply([
        'name',
        g.name,
        'consumers',
        g.consumers.size,
        'pending',
        g.pel.size,
        'last-delivered-id',
        idReply(g.lastId),
        'entries-read',
        g.entriesRead !== INVALID_ENTRIES_READ ? g.entriesRead : null,
        'lag',
        lagReply(s, g),
      ]),
    );
  }
  return out;
}

function xinfoConsumers(ctx: Context, args: string[]): Reply {
  const s = xinfoKey(ctx, args[0]);
  const g = s.group(args[1]);
  if (g === undefined) throw new ReplyError(`NOGROUP No such consumer group '${cstr(args[1])}' for key name '${cstr(args[0])}'`);
  const now = ctx.clock.now();
  const out: Reply[] = [];
  for (const c of g.sortedConsumers()) {
    let idle = now - c.seenTime;
    if (idle < 0) idle = 0;
    out.push(new MapReply(['name', c.name, 'pending', c.pel.size, 'idle', idle]));
  }
  return out;
}

// ---- XSETID --------------------------------------------------------------------------------

function xsetid(ctx: Context, args: string[]): Reply {
  const id = parseStrictId(args[1]);
  let entriesAdded = -1;
  let maxDel: StreamID = MIN_ID;
  for (let i = 2; i < args.length; ) {
    const moreargs = args.length - 1 - i;
    const opt = args[i];
    if (is(opt, 'ENTRIESADDED') && moreargs) {
      entriesAdded = llArg(args[i + 1]);
      if (entriesAdded < 0) throw new ReplyError('ERR entries_added must be positive');
      i += 2;
    } else if (is(opt, 'MAXDELETEDID') && moreargs) {
      maxDel = parseStrictId(args[i + 1]);
      if (compareIds(id, maxDel) < 0) throw new ReplyError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else throw new ReplyError(Err.syntax);
  }
  const key = args[0];
  const v = ctx.db.get(key);
  if (v === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  if (!(v instanceof RStream)) throw new ReplyError(Err.wrongType);
  const s = v;
  if (s.length > 0) {
    if (compareIds(id, s.lastValidId()) < 0) throw new ReplyError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw new ReplyError('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
    if (compareIds(id, s.maxDeletedId) < 0) throw new ReplyError('ERR The ID specified in XSETID is smaller than current max_deleted_entry_id');
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!idIsZero(maxDel)) s.maxDeletedId = maxDel;
  ctx.store.dirty++;
  ctx.store.notify(NOTIFY.STREAM, 'xsetid', key, ctx.db.id);
  return OK;
}

// ---- HELP texts ------------------------------------------------------------------------------

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  '      Set the group\'s entries_read counter (internal use).',
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

const helpReply = (lines: string[]): Reply => lines.map((l) => new SimpleString(l));

// ---- registration ------------------------------------------------------------------------------

export function installStreams(server: RedKitServer): void {
  defineCommands(server, {
    xadd,
    xtrim,
    xrange: (ctx, args) => xrangeGeneric(ctx, args, false),
    xrevrange: (ctx, args) => xrangeGeneric(ctx, args, true),
    xlen: (ctx, args) => getStream(ctx, args[0])?.length ?? 0,
    xdel,
    xread: (ctx, args) => xreadGeneric(ctx, args, false),
    xreadgroup: (ctx, args) => xreadGeneric(ctx, args, true),
    xack,
    xpending,
    xclaim,
    xautoclaim,
    xsetid,
    xgroup: {
      handler: () => null,
      subcommands: {
        create: xgroupCreate,
        setid: xgroupSetid,
        destroy: xgroupDestroy,
        createconsumer: xgroupCreateConsumer,
        delconsumer: xgroupDelConsumer,
        help: () => helpReply(XGROUP_HELP),
      },
    },
    xinfo: {
      handler: () => null,
      subcommands: {
        stream: xinfoStream,
        groups: xinfoGroups,
        consumers: xinfoConsumers,
        help: () => helpReply(XINFO_HELP),
      },
    },
  });
}
