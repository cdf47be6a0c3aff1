/**
 * String commands (t_string.c).
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, INT64_MIN, parseIntStrict } from '../resp/format.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { NOTIFY } from '../store/store.js';
import { defineCommands, getString, int64Arg } from './util.js';

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_EXPIRE_ANY = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

/**
 * Parse SET-style options from args[from..]. Returns flags and the raw expire
 * argument; throws syntax errors as Redis does.
 */
export function parseSetOptions(args: string[], from: number): { flags: number; expire: string | undefined } {
  let flags = 0;
  let expire: string | undefined;
  for (let j = from; j < args.length; j++) {
    const a = args[j];
    const next = j + 1 < args.length ? args[j + 1] : undefined;
    const u = a.length <= 7 ? a.toUpperCase() : '';
    if (u === 'NX' && !(flags & SET_XX)) flags |= SET_NX;
    else if (u === 'XX' && !(flags & SET_NX)) flags |= SET_XX;
    else if (u === 'GET') flags |= SET_GET;
    else if (u === 'KEEPTTL' && !(flags & SET_EXPIRE_ANY)) flags |= SET_KEEPTTL;
    else if (u === 'EX' && !(flags & (SET_KEEPTTL | SET_EXPIRE_ANY & ~SET_EX)) && next !== undefined) {
      flags |= SET_EX;
      expire = next;
      j++;
    } else if (u === 'PX' && !(flags & (SET_KEEPTTL | SET_EXPIRE_ANY & ~SET_PX)) && next !== undefined) {
      flags |= SET_PX;
      expire = next;
      j++;
    } else if (u === 'EXAT' && !(flags & (SET_KEEPTTL | SET_EXPIRE_ANY & ~SET_EXAT)) && next !== undefined) {
      flags |= SET_EXAT;
      expire = next;
      j++;
    } else if (u === 'PXAT' && !(flags & (SET_KEEPTTL | SET_EXPIRE_ANY & ~SET_PXAT)) && next !== undefined) {
      flags |= SET_PXAT;
      expire = next;
      j++;
    } else throw new ReplyError(Err.syntax);
  }
  return { flags, expire };
}

/**
 * Absolute deadline in ms for an EX/PX/EXAT/PXAT argument, with Redis's
 * checks (positive, no overflow). `cmd` names the command in the error.
 */
export function expireDeadline(ctx: Context, flags: number, raw: string, cmd: string): number {
  const v = parseIntStrict(raw);
  if (v === null) throw new ReplyError(Err.notInteger);
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
  return Number(ms);
}

function set(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const value = args[1];
  let flags = 0;
  let deadline = -1;
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
  if (flags & SET_GET) old = getString(db, key);
  const exists = flags & SET_GET ? old !== null : db.has(key);
  if ((flags & SET_NX && exists) || (flags & SET_XX && !exists)) return flags & SET_GET ? old : null;
  db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  ctx.store.notify(NOTIFY.STRING, 'set', key, db.id);
  if (deadline >= 0) {
    db.setExpire(key, deadline);
    ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
  }
  return flags & SET_GET ? old : OK;
}

function get(ctx: Context, args: string[]): Reply {
  return getString(ctx.db, args[0]);
}

function mset(ctx: Context, args: string[]): Reply {
  if (args.length % 2 !== 0) throw new ReplyError(Err.arity('mset'));
  const db = ctx.db;
  for (let i = 0; i < args.length; i += 2) {
    db.set(args[i], args[i + 1]);
    ctx.store.notify(NOTIFY.STRING, 'set', args[i], db.id);
  }
  return OK;
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
  const s = String(result);
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

export function installStrings(server: RedKitServer): void {
  defineCommands(server, {
    set,
    get,
    mset,
    mget,
    setnx,
    incr: (ctx, args) => incrBy(ctx, args[0], 1),
    decr: (ctx, args) => incrBy(ctx, args[0], -1),
    incrby: (ctx, args) => incrBy(ctx, args[0], int64Arg(args[1])),
    decrby: (ctx, args) => {
      const by = int64Arg(args[1]);
      if (typeof by === 'bigint' && by === INT64_MIN) throw new ReplyError('ERR decrement would overflow');
      return incrBy(ctx, args[0], typeof by === 'bigint' ? -by : -by);
    },
  });
}
