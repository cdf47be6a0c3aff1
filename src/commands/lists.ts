/**
 * List commands (t_list.c), Redis 7.0.15 behaviour.
 *
 * Order of checks follows Redis: commands that parse integers before the key
 * lookup (LRANGE, LTRIM, LREM, LPOP count, LPOS options) report a bad integer
 * even for a missing or wrong-typed key; LINDEX and LSET look the key up
 * first. Empty lists never stay in the keyspace.
 *
 * Blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) live elsewhere;
 * every push here ends with `store.hooks.keyReady(db, key)` so they can be
 * woken, and the helpers they need (popping, moving) are exported.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { EMPTY_ARRAY, NULL_ARRAY, OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import { RList } from '../store/types/list.js';
import { defineCommands, int64Arg, intArg, is } from './util.js';

const ERR_POP_COUNT = 'ERR value is out of range, must be positive';
const ERR_LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_LPOS_COUNT = "ERR COUNT can't be negative";
const ERR_LPOS_MAXLEN = "ERR MAXLEN can't be negative";
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_MPOP_COUNT = 'ERR count should be greater than 0';

/** LIST_HEAD / LIST_TAIL. */
export const LEFT = 0;
export const RIGHT = 1;
export type ListEnd = typeof LEFT | typeof RIGHT;

const WRONGTYPE = () => new ReplyError(Err.wrongType);

/** The list at key, undefined when missing, or throws WRONGTYPE. */
export function getList(db: Database, key: string): RList | undefined {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof RList) return v;
  throw WRONGTYPE();
}

/** LEFT | RIGHT argument (getListPositionFromObjectOrReply). */
export function parseListEnd(arg: string): ListEnd {
  if (is(arg, 'LEFT')) return LEFT;
  if (is(arg, 'RIGHT')) return RIGHT;
  throw new ReplyError(Err.syntax);
}

/** A non-negative long, or `msg` for anything else (getPositiveLongFromObjectOrReply with a message). */
function positiveLong(arg: string, msg: string): number {
  const v = parseIntStrict(arg);
  if (v === null || v < 0) throw new ReplyError(msg);
  return Number(v);
}

/** A long in 1..LONG_MAX, or `msg` (getRangeLongFromObjectOrReply with a message). */
function atLeastOne(arg: string, msg: string): number {
  const v = parseIntStrict(arg);
  if (v === null || v < 1) throw new ReplyError(msg);
  return Number(v);
}

/** After a push (WATCH already signalled): tell blocked clients the key may be served. */
function pushed(ctx: Context, db: Database, key: string): void {
  const ready = ctx.store.hooks.keyReady;
  if (ready !== undefined) ready(db, key);
}

// ---- pushes -----------------------------------------------------------------------------

function pushGeneric(ctx: Context, args: string[], where: ListEnd, onlyIfExists: boolean): Reply {
  const db = ctx.db;
  const key = args[0];
  const v = db.get(key);
  let list: RList;
  if (v === undefined) {
    if (onlyIfExists) return 0;
    list = new RList();
    db.set(key, list);
  } else if (v instanceof RList) {
    list = v;
    db.touch(key);
  } else throw WRONGTYPE();
  const n = args.length;
  if (where === LEFT) for (let i = 1; i < n; i++) list.pushHead(args[i]);
  else for (let i = 1; i < n; i++) list.pushTail(args[i]);
  ctx.store.notify(NOTIFY.LIST, where === LEFT ? 'lpush' : 'rpush', key, db.id);
  pushed(ctx, db, key);
  return list.length;
}

/**
 * Push `value` onto `list` at `key` (creating the list when undefined), with
 * WATCH signalling and the keyspace event: the destination half of LMOVE /
 * BLMOVE. The caller signals keyReady once its own changes are done.
 */
export function pushTo(ctx: Context, db: Database, key: string, list: RList | undefined, value: string, where: ListEnd): void {
  if (list === undefined) {
    list = new RList();
    db.set(key, list);
  } else db.touch(key);
  if (where === LEFT) list.pushHead(value);
  else list.pushTail(value);
  ctx.store.notify(NOTIFY.LIST, where === LEFT ? 'lpush' : 'rpush', key, db.id);
}

// ---- pops -------------------------------------------------------------------------------

/** After popping from `list` at `key`: the pop event, deleting an emptied list, WATCH. */
function popped(ctx: Context, db: Database, key: string, list: RList, where: ListEnd): void {
  ctx.store.notify(NOTIFY.LIST, where === LEFT ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  } else db.touch(key);
}

/**
 * Pop up to `count` elements from a non-empty list (LPOP/RPOP with COUNT,
 * LMPOP, BLMPOP), with events and deletion of an emptied list.
 */
export function popMany(ctx: Context, db: Database, key: string, list: RList, where: ListEnd, count: number): string[] {
  const n = Math.min(count, list.length);
  const out: string[] = new Array(n);
  if (where === LEFT) for (let i = 0; i < n; i++) out[i] = list.popHead() as string;
  else for (let i = 0; i < n; i++) out[i] = list.popTail() as string;
  popped(ctx, db, key, list, where);
  return out;
}

function popGeneric(ctx: Context, args: string[], where: ListEnd): Reply {
  if (args.length > 2) throw new ReplyError(Err.arity(where === LEFT ? 'lpop' : 'rpop'));
  const db = ctx.db;
  const key = args[0];
  if (args.length === 1) {
    const list = getList(db, key);
    if (list === undefined) return null;
    const v = where === LEFT ? list.popHead() : list.popTail();
    popped(ctx, db, key, list, where);
    return v as string;
  }
  const count = positiveLong(args[1], ERR_POP_COUNT);
  const list = getList(db, key);
  if (list === undefined) return NULL_ARRAY;
  if (count === 0) return EMPTY_ARRAY;
  return popMany(ctx, db, key, list, where, count);
}

/**
 * Move one element from the non-empty list `src` (at srcKey) to dstKey
 * (LMOVE, RPOPLPUSH, and their blocking forms once unblocked). `dst` is the
 * list at dstKey (already type-checked; `src` itself when the keys are equal).
 * Events as Redis: the push on the destination, then the pop on the source,
 * then `del` if the source emptied.
 */
export function moveElement(ctx: Context, db: Database, srcKey: string, src: RList, dstKey: string, dst: RList | undefined, from: ListEnd, to: ListEnd): string {
  const value = (from === LEFT ? src.popHead() : src.popTail()) as string;
  pushTo(ctx, db, dstKey, dst, value, to);
  popped(ctx, db, srcKey, src, from);
  pushed(ctx, db, dstKey);
  return value;
}

function lmoveGeneric(ctx: Context, srcKey: string, dstKey: string, from: ListEnd, to: ListEnd): Reply {
  const db = ctx.db;
  const src = getList(db, srcKey);
  if (src === undefined) return null;
  const dst = srcKey === dstKey ? src : getList(db, dstKey);
  return moveElement(ctx, db, srcKey, src, dstKey, dst, from, to);
}

// ---- LMPOP ------------------------------------------------------------------------------

export interface MpopArgs {
  /** Index in args of the first key. */
  firstKey: number;
  numkeys: number;
  where: ListEnd;
  count: number;
}

/**
 * Parse `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
 * args[from] (LMPOP: 0, BLMPOP: 1), as lmpopGenericCommand does.
 */
export function parseMpopArgs(args: string[], from: number): MpopArgs {
  const numkeys = atLeastOne(args[from], ERR_NUMKEYS);
  const whereIdx = from + numkeys + 1;
  if (whereIdx >= args.length) throw new ReplyError(Err.syntax);
  const where = parseListEnd(args[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    if (count === -1 && is(args[j], 'COUNT') && j + 1 < args.length) {
      count = atLeastOne(args[++j], ERR_MPOP_COUNT);
    } else throw new ReplyError(Err.syntax);
  }
  return { firstKey: from + 1, numkeys, where, count: count === -1 ? 1 : count };
}

/**
 * Pop from the first non-empty list among the keys: [key, [elements]], or
 * undefined when every key is missing. Throws WRONGTYPE for a non-list met
 * before a non-empty list.
 */
export function mpop(ctx: Context, args: string[], p: MpopArgs): [string, string[]] | undefined {
  const db = ctx.db;
  const end = p.firstKey + p.numkeys;
  for (let i = p.firstKey; i < end; i++) {
    const key = args[i];
    const list = getList(db, key);
    if (list === undefined || list.length === 0) continue;
    return [key, popMany(ctx, db, key, list, p.where, p.count)];
  }
  return undefined;
}

function lmpop(ctx: Context, args: string[]): Reply {
  const p = parseMpopArgs(args, 0);
  return mpop(ctx, args, p) ?? NULL_ARRAY;
}

/** Key positions of `numkeys key...` commands (args without the name). */
function numkeysGetKeys(numkeysIdx: number): (args: string[]) => number[] {
  return (args) => {
    const n = parseIntStrict(args[numkeysIdx] ?? '');
    if (n === null || n < 1 || numkeysIdx + Number(n) >= args.length) return [];
    const out: number[] = [];
    for (let i = 1; i <= Number(n); i++) out.push(numkeysIdx + i);
    return out;
  };
}

// ---- reads ------------------------------------------------------------------------------

function llen(ctx: Context, args: string[]): Reply {
  return getList(ctx.db, args[0])?.length ?? 0;
}

function lindex(ctx: Context, args: string[]): Reply {
  const list = getList(ctx.db, args[0]);
  if (list === undefined) return null;
  const index = intArg(args[1]);
  return list.at(index) ?? null;
}

function lrange(ctx: Context, args: string[]): Reply {
  const start = intArg(args[1]);
  const stop = intArg(args[2]);
  const list = getList(ctx.db, args[0]);
  if (list === undefined) return EMPTY_ARRAY;
  const out = list.range(start, stop);
  return out.length === 0 ? EMPTY_ARRAY : out;
}

const LONG_MIN = -9223372036854775808n;

function lpos(ctx: Context, args: string[]): Reply {
  const element = args[1];
  let rank = 1;
  let rankIsLongMin = false;
  let count = -1; // -1: COUNT not given
  let maxlen = 0;
  for (let j = 2; j < args.length; j++) {
    const opt = args[j];
    const more = j + 1 < args.length;
    if (more && is(opt, 'RANK')) {
      const r = int64Arg(args[++j]);
      if (r === 0) throw new ReplyError(ERR_LPOS_RANK_ZERO);
      rankIsLongMin = r === LONG_MIN;
      rank = Number(r);
    } else if (more && is(opt, 'COUNT')) {
      count = positiveLong(args[++j], ERR_LPOS_COUNT);
    } else if (more && is(opt, 'MAXLEN')) {
      maxlen = positiveLong(args[++j], ERR_LPOS_MAXLEN);
    } else throw new ReplyError(Err.syntax);
  }
  const fromTail = rank < 0;
  // Redis 7.0 negates a LONG_MIN rank into itself: every match qualifies and
  // the COUNT limit is never reached.
  let countLimit = count;
  if (rankIsLongMin) {
    rank = 1;
    countLimit = 0;
  } else if (fromTail) rank = -rank;

  const list = getList(ctx.db, args[0]);
  if (list === undefined) return count !== -1 ? EMPTY_ARRAY : null;

  const n = list.length;
  const limit = maxlen === 0 || maxlen > n ? n : maxlen;
  const out: number[] | undefined = count !== -1 ? [] : undefined;
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const idx = fromTail ? n - 1 - k : k;
    if (list.at(idx) !== element) continue;
    matches++;
    if (matches < rank) continue;
    if (out === undefined) return idx;
    out.push(idx);
    if (countLimit !== 0 && matches - rank + 1 >= countLimit) break;
  }
  return out ?? null;
}

// ---- in-place updates -------------------------------------------------------------------

function lset(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const list = getList(db, key);
  if (list === undefined) throw new ReplyError(Err.noSuchKey);
  const index = intArg(args[1]);
  if (!list.set(index, args[2])) throw new ReplyError(Err.outOfRange);
  db.touch(key);
  ctx.store.notify(NOTIFY.LIST, 'lset', key, db.id);
  return OK;
}

function linsert(ctx: Context, args: string[]): Reply {
  let after: boolean;
  if (is(args[1], 'AFTER')) after = true;
  else if (is(args[1], 'BEFORE')) after = false;
  else throw new ReplyError(Err.syntax);
  const db = ctx.db;
  const key = args[0];
  const list = getList(db, key);
  if (list === undefined) return 0;
  const at = list.indexOf(args[2]);
  if (at < 0) return -1;
  list.insert(after ? at + 1 : at, args[3]);
  db.touch(key);
  ctx.store.notify(NOTIFY.LIST, 'linsert', key, db.id);
  return list.length;
}

function lrem(ctx: Context, args: string[]): Reply {
  const count = intArg(args[1]);
  const db = ctx.db;
  const key = args[0];
  const list = getList(db, key);
  if (list === undefined) return 0;
  // count < 0 removes from the tail; LONG_MIN's magnitude exceeds any list, as in Redis.
  const removed = list.removeValue(args[2], Math.abs(count), count < 0);
  if (removed > 0) {
    ctx.store.notify(NOTIFY.LIST, 'lrem', key, db.id);
  }
  if (list.length === 0) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  } else if (removed > 0) db.touch(key);
  return removed;
}

function ltrim(ctx: Context, args: string[]): Reply {
  const start = intArg(args[1]);
  const stop = intArg(args[2]);
  const db = ctx.db;
  const key = args[0];
  const list = getList(db, key);
  if (list === undefined) return OK;
  const before = list.length;
  list.trim(start, stop);
  ctx.store.dirty += before - list.length;
  ctx.store.notify(NOTIFY.LIST, 'ltrim', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  } else db.touch(key);
  return OK;
}

// ---- install ----------------------------------------------------------------------------

export function installLists(server: RedKitServer): void {
  defineCommands(server, {
    lpush: (ctx, args) => pushGeneric(ctx, args, LEFT, false),
    rpush: (ctx, args) => pushGeneric(ctx, args, RIGHT, false),
    lpushx: (ctx, args) => pushGeneric(ctx, args, LEFT, true),
    rpushx: (ctx, args) => pushGeneric(ctx, args, RIGHT, true),
    lpop: (ctx, args) => popGeneric(ctx, args, LEFT),
    rpop: (ctx, args) => popGeneric(ctx, args, RIGHT),
    llen,
    lindex,
    lrange,
    lpos,
    lset,
    linsert,
    lrem,
    ltrim,
    lmove: (ctx, args) => {
      const from = parseListEnd(args[2]);
      const to = parseListEnd(args[3]);
      return lmoveGeneric(ctx, args[0], args[1], from, to);
    },
    rpoplpush: (ctx, args) => lmoveGeneric(ctx, args[0], args[1], RIGHT, LEFT),
    lmpop: { handler: lmpop, getKeys: numkeysGetKeys(0) },
  });
}
