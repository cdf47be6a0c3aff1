/**
 * Generic key commands (db.c, expire.c, object.c, replication.c WAIT).
 *
 * Lookups that Redis makes with LOOKUP_NOTOUCH (EXISTS, TYPE, TTL, OBJECT)
 * use db.peekRead(), which leaves the key's access time alone but counts as a
 * keyspace hit or miss (so does SCAN's TYPE filter; SCAN without it uses
 * db.peek(), which does neither).
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, INT64_MIN } from '../resp/format.js';
import { OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import { trackHashFieldExpiry } from '../store/types/hash.js';
import { encodingOf, typeOf, type RObject, type Value } from '../store/types.js';
import { cursorTable, matcher, parseCursor, parseScanOptions, scanStep } from './scan.js';
import { installSort } from './sort.js';
import { dbIndexArg, defineCommands, globMatch, int32Arg, int64Arg, is } from './util.js';

const E = {
  sameObject: 'ERR source and destination objects are the same',
  lfuNotSelected:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuSelected:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
};

// ---- DEL / EXISTS / TYPE / KEYS / RANDOMKEY / TOUCH -----------------------------------

function del(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let i = 0; i < args.length; i++) {
    if (db.delete(args[i])) {
      n++;
      ctx.store.notify(NOTIFY.GENERIC, 'del', args[i], db.id);
    }
  }
  return n;
}

function exists(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let i = 0; i < args.length; i++) if (db.peekRead(args[i]) !== undefined) n++;
  return n;
}

const TYPE_REPLIES: Record<string, SimpleString> = {};
for (const t of ['none', 'string', 'list', 'set', 'zset', 'hash', 'stream']) TYPE_REPLIES[t] = new SimpleString(t);

function type(ctx: Context, args: string[]): Reply {
  const v = ctx.db.peekRead(args[0]);
  if (v === undefined) return TYPE_REPLIES.none;
  const t = typeOf(v);
  return TYPE_REPLIES[t] ?? new SimpleString(t);
}

function keys(ctx: Context, args: string[]): Reply {
  const pattern = args[0];
  const all = pattern === '*';
  const out: string[] = [];
  for (const k of ctx.db.keys()) if (all || globMatch(pattern, k)) out.push(k);
  return out;
}

function randomkey(ctx: Context): Reply {
  return ctx.db.randomKey() ?? null;
}

/** TOUCH: an access of each key, even for a CLIENT NO-TOUCH client. */
function touch(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let i = 0; i < args.length; i++) if (db.access(args[i])) n++;
  return n;
}

// ---- EXPIRE family --------------------------------------------------------------------

/** The clock in whole milliseconds (a virtual clock may be moved by fractions). */
const nowMs = (ctx: Context): number => Math.floor(ctx.clock.now());

export const EXPIRE_NX = 1;
export const EXPIRE_XX = 2;
export const EXPIRE_GT = 4;
export const EXPIRE_LT = 8;

/** NX | XX | GT | LT options of EXPIRE and friends (parseExtendedExpireArgumentsOrReply). */
export function parseExpireFlags(args: string[], from: number): number {
  let flags = 0;
  for (let j = from; j < args.length; j++) {
    const a = args[j];
    if (is(a, 'NX')) flags |= EXPIRE_NX;
    else if (is(a, 'XX')) flags |= EXPIRE_XX;
    else if (is(a, 'GT')) flags |= EXPIRE_GT;
    else if (is(a, 'LT')) flags |= EXPIRE_LT;
    else throw new ReplyError(`ERR Unsupported option ${a}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new ReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw new ReplyError('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT (expireGenericCommand).
 * `basetime` is now for relative forms, 0 for absolute ones. Deadlines are
 * int64 milliseconds, kept exact even past 2^53.
 */
export function expireGeneric(ctx: Context, args: string[], basetime: number, unitSeconds: boolean, cmd: string): Reply {
  const key = args[0];
  const flags = parseExpireFlags(args, 2);
  let when = BigInt(int64Arg(args[1]));
  if (unitSeconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw new ReplyError(Err.invalidExpire(cmd));
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > INT64_MAX - base) throw new ReplyError(Err.invalidExpire(cmd));
  when += base;
  const db = ctx.db;
  if (db.get(key) === undefined) return 0;
  if (flags) {
    const c = db.getExpireExact(key);
    const cur = c === undefined ? undefined : BigInt(c);
    if (flags & EXPIRE_NX && cur !== undefined) return 0;
    if (flags & EXPIRE_XX && cur === undefined) return 0;
    // No TTL counts as an infinite one: GT never passes, LT always does.
    if (flags & EXPIRE_GT && (cur === undefined || when <= cur)) return 0;
    if (flags & EXPIRE_LT && cur !== undefined && when >= cur) return 0;
  }
  if (when <= BigInt(nowMs(ctx))) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    return 1;
  }
  db.setExpire(key, Number.isSafeInteger(Number(when)) ? Number(when) : when);
  db.touch(key);
  ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
  return 1;
}

/**
 * TTL / PTTL / EXPIRETIME / PEXPIRETIME (ttlGenericCommand): -2 without the
 * key, -1 without a TTL; seconds are rounded as (ms + 500) / 1000.
 */
export function ttlGeneric(ctx: Context, key: string, ms: boolean, absolute = false): Reply {
  const db = ctx.db;
  if (db.peekRead(key) === undefined) return -2;
  const at = db.getExpireExact(key);
  if (at === undefined) return -1;
  if (typeof at === 'bigint') {
    let t = absolute ? at : at - BigInt(nowMs(ctx));
    if (t < 0n) t = 0n;
    return ms ? t : (t + 500n) / 1000n;
  }
  let ttl = Math.floor(absolute ? at : at - nowMs(ctx));
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

function persist(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  if (db.get(args[0]) === undefined) return 0;
  if (!db.persist(args[0])) return 0;
  db.touch(args[0]);
  ctx.store.notify(NOTIFY.GENERIC, 'persist', args[0], db.id);
  return 1;
}

// ---- FLUSHDB / FLUSHALL -----------------------------------------------------------------

/** FLUSHDB / FLUSHALL [ASYNC|SYNC] (getFlushCommandFlags). */
function flushOption(args: string[]): void {
  if (args.length === 0) return;
  if (args.length === 1 && (is(args[0], 'ASYNC') || is(args[0], 'SYNC'))) return;
  throw new ReplyError(Err.syntax);
}

// ---- RENAME / MOVE / COPY / SWAPDB ----------------------------------------------------

/** The value moves to dst (RENAME, MOVE): with its TTL and its LFU counter (the robj keeps them). */
function carryOver(to: Database, toKey: string, at: number | bigint | undefined, lru: number | undefined): void {
  if (at !== undefined) to.setExpire(toKey, at);
  if (lru !== undefined && to.store.lfuEnabled) to.lru.set(toKey, lru);
}

/**
 * A key got a new value (dbAdd): clients blocked on it (BLPOP, BZPOPMIN,
 * XREAD...) may be served, and a hash with field TTLs expires at its new place.
 */
function signalReady(ctx: Context, db: Database, key: string, v: Value): void {
  if (typeof v === 'string') return;
  trackHashFieldExpiry(ctx.store, db, key, v);
  const ready = ctx.store.hooks.keyReady;
  if (ready !== undefined) ready(db, key);
}

function renameGeneric(ctx: Context, args: string[], nx: boolean): Reply {
  const [src, dst] = args;
  const db = ctx.db;
  const v = db.get(src);
  if (v === undefined) throw new ReplyError(Err.noSuchKey);
  if (src === dst) return nx ? 0 : OK;
  const at = db.getExpireExact(src);
  const lru = db.lru.get(src);
  if (nx && db.get(dst) !== undefined) return 0;
  // Redis signals the source, then the destination (client-side caching sees that order).
  db.delete(src);
  db.delete(dst);
  db.set(dst, v);
  carryOver(db, dst, at, lru);
  ctx.store.notify(NOTIFY.GENERIC, 'rename_from', src, db.id);
  ctx.store.notify(NOTIFY.GENERIC, 'rename_to', dst, db.id);
  signalReady(ctx, db, dst, v);
  return nx ? 1 : OK;
}

function move(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const src = ctx.db;
  const dst = ctx.store.dbs[dbIndexArg(ctx, args[1])];
  if (src === dst) throw new ReplyError(E.sameObject);
  const v = src.get(key);
  if (v === undefined) return 0;
  const at = src.getExpireExact(key);
  const lru = src.lru.get(key);
  if (dst.get(key) !== undefined) return 0;
  dst.set(key, v);
  carryOver(dst, key, at, lru);
  src.delete(key);
  ctx.store.notify(NOTIFY.GENERIC, 'move_from', key, src.id);
  ctx.store.notify(NOTIFY.GENERIC, 'move_to', key, dst.id);
  signalReady(ctx, dst, key, v);
  return 1;
}

function copy(ctx: Context, args: string[]): Reply {
  const [key, newkey] = args;
  const src = ctx.db;
  let dst = src;
  let replace = false;
  for (let j = 2; j < args.length; j++) {
    if (is(args[j], 'REPLACE')) replace = true;
    else if (is(args[j], 'DB') && j + 1 < args.length) {
      dst = ctx.store.dbs[dbIndexArg(ctx, args[j + 1])];
      j++;
    } else throw new ReplyError(Err.syntax);
  }
  if (src === dst && key === newkey) throw new ReplyError(E.sameObject);
  const v = src.get(key);
  if (v === undefined) return 0;
  const at = src.getExpireExact(key);
  let existed = false;
  // The source was read (a keyspace hit); the destination is looked up for writing.
  ctx.store.lookupStats = false;
  if (dst.get(newkey) !== undefined) {
    if (!replace) return 0;
    existed = true;
  }
  const dup: Value = typeof v === 'string' ? v : (v as RObject).clone();
  if (existed) dst.delete(newkey);
  dst.set(newkey, dup);
  if (at !== undefined) dst.setExpire(newkey, at);
  ctx.store.notify(NOTIFY.GENERIC, 'copy_to', newkey, dst.id);
  signalReady(ctx, dst, newkey, dup);
  return 1;
}

function swapdb(ctx: Context, args: string[]): Reply {
  const a = int32Arg(args[0], 'ERR invalid first DB index');
  const b = int32Arg(args[1], 'ERR invalid second DB index');
  const n = ctx.store.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) throw new ReplyError(Err.dbIndexOutOfRange);
  ctx.store.swap(a, b);
  return OK;
}

// ---- OBJECT -----------------------------------------------------------------------------

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

/** Redis keeps integers 0..9999 as shared objects unless an LRU/LFU maxmemory policy is in force. */
function isSharedInteger(ctx: Context, v: Value): boolean {
  if (typeof v !== 'string' || v.length > 4 || encodingOf(v) !== 'int' || v.charCodeAt(0) === 45) return false;
  const cfg = ctx.server.config;
  const maxmemory = cfg.get('maxmemory') ?? '0';
  if (maxmemory === '0') return true;
  const policy = cfg.get('maxmemory-policy') ?? 'noeviction';
  return !(policy.endsWith('-lru') || policy.endsWith('-lfu'));
}

const objectCommands = {
  encoding: (ctx: Context, args: string[]): Reply => {
    const v = ctx.db.peekRead(args[0], false);
    return v === undefined ? null : encodingOf(v);
  },
  refcount: (ctx: Context, args: string[]): Reply => {
    const v = ctx.db.peekRead(args[0], false);
    if (v === undefined) return null;
    return isSharedInteger(ctx, v) ? 2147483647 : 1;
  },
  idletime: (ctx: Context, args: string[]): Reply => {
    const db = ctx.db;
    if (db.peekRead(args[0], false) === undefined) return null;
    if (ctx.store.lfuEnabled) throw new ReplyError(E.lfuSelected);
    return db.idleSeconds(args[0]);
  },
  freq: (ctx: Context, args: string[]): Reply => {
    const db = ctx.db;
    if (db.peekRead(args[0], false) === undefined) return null;
    if (!ctx.store.lfuEnabled) throw new ReplyError(E.lfuNotSelected);
    return db.frequency(args[0]);
  },
  help: (): Reply => OBJECT_HELP,
};

// ---- SCAN -------------------------------------------------------------------------------

function scan(ctx: Context, args: string[]): Reply {
  const cursor = parseCursor(args[0]);
  const o = parseScanOptions(args, 1, { type: true });
  const db = ctx.db;
  const data = db.data;
  const match = matcher(o.match);
  const wantType = o.type;
  const step = scanStep(cursorTable(ctx.server), cursor, data, () => data.keys(), o.count, (k: string) => {
    if (!match(k)) return false;
    // Both drop the key if it expired; with TYPE, Redis looks the key up as a read (a keyspace hit or miss).
    const v = wantType === undefined ? db.peek(k) : db.peekRead(k);
    return v !== undefined && (wantType === undefined || typeOf(v) === wantType);
  }, data.size);
  return [String(step.cursor), step.items];
}

// ---- maxmemory-policy / LFU parameters -----------------------------------------------

/** Apply maxmemory-policy, lfu-log-factor and lfu-decay-time (CONFIG validates them). */
function installAccessTracking(server: RedKitServer): void {
  const store = server.store;
  const cfg = server.config;
  const policy = (v: string) => store.setLfu(v.toLowerCase().endsWith('-lfu'));
  const int = (v: string, dflt: number) => (Number.isFinite(Number(v)) ? Number(v) : dflt);
  cfg.define('maxmemory-policy', (v) => policy(v));
  cfg.define('lfu-log-factor', (v) => {
    store.lfuLogFactor = int(v, 10);
  });
  cfg.define('lfu-decay-time', (v) => {
    store.lfuDecayTime = int(v, 1);
  });
  // Values given at start-up (createServer({ config })).
  policy(cfg.get('maxmemory-policy') ?? 'noeviction');
  store.lfuLogFactor = int(cfg.get('lfu-log-factor') ?? '10', 10);
  store.lfuDecayTime = int(cfg.get('lfu-decay-time') ?? '1', 1);
  // Before each command: keep the LRU clock fresh, honour CLIENT NO-TOUCH,
  // and start a new command for LFU's once-per-command bump.
  server.dispatcher.prelude = (ctx, cmd) => {
    if (!store.lruFresh) store.refreshLru();
    const conn = ctx.conn;
    store.setNoTouch(conn !== undefined && conn.noTouch);
    store.lfuLastKey = undefined;
    store.lookupStats = cmd.readLookups;
  };
}

export function installKeys(server: RedKitServer): void {
  installAccessTracking(server);
  defineCommands(server, {
    del,
    unlink: del,
    exists,
    type,
    keys,
    randomkey,
    touch,
    expire: (ctx, args) => expireGeneric(ctx, args, nowMs(ctx), true, 'expire'),
    pexpire: (ctx, args) => expireGeneric(ctx, args, nowMs(ctx), false, 'pexpire'),
    expireat: (ctx, args) => expireGeneric(ctx, args, 0, true, 'expireat'),
    pexpireat: (ctx, args) => expireGeneric(ctx, args, 0, false, 'pexpireat'),
    ttl: (ctx, args) => ttlGeneric(ctx, args[0], false),
    pttl: (ctx, args) => ttlGeneric(ctx, args[0], true),
    expiretime: (ctx, args) => ttlGeneric(ctx, args[0], false, true),
    pexpiretime: (ctx, args) => ttlGeneric(ctx, args[0], true, true),
    persist,
    flushdb: (ctx, args) => {
      flushOption(args);
      ctx.store.dirty += ctx.db.flush();
      return OK;
    },
    flushall: (ctx, args) => {
      flushOption(args);
      ctx.store.dirty += ctx.store.flushAll();
      return OK;
    },
    rename: (ctx, args) => renameGeneric(ctx, args, false),
    renamenx: (ctx, args) => renameGeneric(ctx, args, true),
    move,
    copy,
    swapdb,
    object: { handler: () => null, subcommands: objectCommands },
    scan,
  });
  installSort(server);
}
