/**
 * Generic key commands (db.c, expire.c).
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, INT64_MIN } from '../resp/format.js';
import { OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { NOTIFY } from '../store/store.js';
import { typeOf } from '../store/types.js';
import { defineCommands, globMatch, int64Arg } from './util.js';

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
  for (let i = 0; i < args.length; i++) if (db.has(args[i])) n++;
  return n;
}

const TYPE_REPLIES: Record<string, SimpleString> = {};
for (const t of ['none', 'string', 'list', 'set', 'zset', 'hash', 'stream']) TYPE_REPLIES[t] = new SimpleString(t);

function type(ctx: Context, args: string[]): Reply {
  const v = ctx.db.get(args[0]);
  return TYPE_REPLIES[v === undefined ? 'none' : typeOf(v)];
}

function keys(ctx: Context, args: string[]): Reply {
  const pattern = args[0];
  const all = pattern === '*';
  const out: string[] = [];
  for (const k of ctx.db.keys()) if (all || globMatch(pattern, k)) out.push(k);
  return out;
}

export const EXPIRE_NX = 1;
export const EXPIRE_XX = 2;
export const EXPIRE_GT = 4;
export const EXPIRE_LT = 8;

/** NX | XX | GT | LT options of EXPIRE and friends. */
export function parseExpireFlags(args: string[], from: number): number {
  let flags = 0;
  for (let j = from; j < args.length; j++) {
    const u = args[j].toUpperCase();
    if (u === 'NX') flags |= EXPIRE_NX;
    else if (u === 'XX') flags |= EXPIRE_XX;
    else if (u === 'GT') flags |= EXPIRE_GT;
    else if (u === 'LT') flags |= EXPIRE_LT;
    else throw new ReplyError(`ERR Unsupported option ${args[j]}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new ReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw new ReplyError('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT (expireGenericCommand).
 * `basetime` is now for relative forms, 0 for absolute ones.
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
  if (!db.has(key)) return 0;
  const at = Number(when);
  if (flags) {
    const cur = db.getExpire(key);
    if (flags & EXPIRE_NX && cur !== undefined) return 0;
    if (flags & EXPIRE_XX && cur === undefined) return 0;
    if (flags & EXPIRE_GT && (cur === undefined || at <= cur)) return 0;
    if (flags & EXPIRE_LT && cur !== undefined && at >= cur) return 0;
  }
  if (at <= ctx.clock.now()) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    return 1;
  }
  db.setExpire(key, at);
  db.touch(key);
  ctx.store.notify(NOTIFY.GENERIC, 'expire', key, db.id);
  return 1;
}

/** TTL / PTTL (ttlGenericCommand). */
export function ttlGeneric(ctx: Context, key: string, ms: boolean): Reply {
  const db = ctx.db;
  if (!db.has(key)) return -2;
  const at = db.getExpire(key);
  if (at === undefined) return -1;
  let ttl = at - ctx.clock.now();
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

function persist(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  if (!db.has(args[0])) return 0;
  if (!db.persist(args[0])) return 0;
  db.touch(args[0]);
  ctx.store.notify(NOTIFY.GENERIC, 'persist', args[0], db.id);
  return 1;
}

/** FLUSHDB / FLUSHALL [ASYNC|SYNC]. */
function flushOption(args: string[]): void {
  if (args.length > 1) throw new ReplyError(Err.syntax);
  if (args.length === 1) {
    const u = args[0].toUpperCase();
    if (u !== 'ASYNC' && u !== 'SYNC') throw new ReplyError(Err.syntax);
  }
}

export function installKeys(server: RedKitServer): void {
  defineCommands(server, {
    del,
    unlink: del,
    exists,
    type,
    keys,
    expire: (ctx, args) => expireGeneric(ctx, args, ctx.clock.now(), true, 'expire'),
    pexpire: (ctx, args) => expireGeneric(ctx, args, ctx.clock.now(), false, 'pexpire'),
    expireat: (ctx, args) => expireGeneric(ctx, args, 0, true, 'expireat'),
    pexpireat: (ctx, args) => expireGeneric(ctx, args, 0, false, 'pexpireat'),
    ttl: (ctx, args) => ttlGeneric(ctx, args[0], false),
    pttl: (ctx, args) => ttlGeneric(ctx, args[0], true),
    persist,
    flushdb: (ctx, args) => {
      flushOption(args);
      ctx.db.flush();
      return OK;
    },
    flushall: (ctx, args) => {
      flushOption(args);
      ctx.store.flushAll();
      return OK;
    },
  });
}
