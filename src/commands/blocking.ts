/**
 * Blocking commands (Redis 7.0 t_list.c / t_zset.c / replication.c /
 * networking.c): BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN,
 * BZPOPMAX, BZMPOP, WAIT and CLIENT UNBLOCK, on server.blocking
 * (src/server/blocking.ts).
 *
 * Each command first tries to answer at once, exactly as its non-blocking
 * form would (WRONGTYPE for a wrong-typed key met before a non-empty one).
 * When it cannot and may block, it waits on its keys; inside MULTI or a
 * script it answers as on timeout (a null array; BLMOVE/BRPOPLPUSH a null
 * bulk). When a key becomes ready the waiter pops from that key (not from
 * the first of its keys), as Redis serves the ready key.
 */
import { Err, ReplyError } from '../errors.js';
import { parseLongDouble } from '../resp/longdouble.js';
import { NULL_ARRAY, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import { makeCommand } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { RList } from '../store/types/list.js';
import { ZSet } from '../store/types/zset.js';
import { LEFT, RIGHT, getList, moveElement, parseListEnd, parseMpopArgs, popMany, type ListEnd } from './lists.js';
import { redisSpec } from './meta.js';
import { defineCommands, int64Arg, timeoutMsArg } from './util.js';
import { parseZmpopArgs, zpopGeneric } from './zsets.js';

const ERR_TIMEOUT_FLOAT = 'ERR timeout is not a float or out of range';
const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';
const ERR_UNBLOCK_REASON = 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR';

const TWO63 = 1n << 63n;

/**
 * getTimeoutFromObjectOrReply(UNIT_SECONDS): a long double number of
 * seconds, times 1000 in long double precision, rounded up to a long long.
 * Returns ms (0 = forever). Redis 7.0.15 quirks kept (checked against it): a
 * positive fraction of a ms waits 1 ms (0.0009, 1e-400), a negative one
 * rounds to 0 and blocks forever (-0.0001, -0); a product past the long long
 * range (inf, 1e300) converts to LLONG_MIN on x86-64, hence "timeout is
 * negative"; a deadline past the int64 range never comes.
 */
export function parseSecondsTimeout(s: string): number {
  const x = parseLongDouble(s);
  if (x === null) throw new ReplyError(ERR_TIMEOUT_FLOAT);
  if (x.inf) throw new ReplyError(ERR_TIMEOUT_NEGATIVE);
  if (x.mant === 0n) return 0;
  // x * 1000, rounded to the 64-bit significand of a long double (half to even).
  let p = x.mant * 1000n;
  let e = x.exp;
  const bl = p.toString(2).length;
  if (bl > 64) {
    const sh = BigInt(bl - 64);
    let q = p >> sh;
    const r = p - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    p = q;
    e += bl - 64;
  }
  // Rounded up (toward +inf): a positive fraction of a ms is 1 ms, a negative one is 0 (forever).
  let ms: bigint;
  if (e >= 0) ms = e > 70 ? TWO63 : p << BigInt(e);
  else {
    ms = -e > 80 ? 0n : p >> BigInt(-e);
    if (!x.neg && ms << BigInt(-e) !== p) ms += 1n;
  }
  if (ms >= TWO63) throw new ReplyError(ERR_TIMEOUT_NEGATIVE);
  if (ms === 0n) return 0;
  if (x.neg) throw new ReplyError(ERR_TIMEOUT_NEGATIVE);
  return timeoutMs(ms);
}

/**
 * A timeout in ms for server.blocking.block(): a deadline too far for the
 * clock to reach (past 2^52 ms, or past the int64 range, which Redis 7.0.15
 * lets overflow and then never fires) is Infinity: it never comes, but the
 * client counts in INFO's clients_in_timeout_table, as in Redis.
 */
export function timeoutMs(ms: number | bigint): number {
  const n = Number(ms);
  return n > Number.MAX_SAFE_INTEGER / 2 ? Infinity : n;
}

// ---- lists --------------------------------------------------------------------------------

/** A non-empty list at key, or undefined (missing, empty or another type: keep waiting). */
function readyList(ctx: Context, key: string): RList | undefined {
  const v = ctx.db.get(key);
  return v instanceof RList && v.length !== 0 ? v : undefined;
}

/** BLPOP / BRPOP key [key ...] timeout. */
function bpop(ctx: Context, args: string[], where: ListEnd): Reply | Promise<Reply> {
  const timeout = parseSecondsTimeout(args[args.length - 1]);
  const keys = args.slice(0, -1);
  const db = ctx.db;
  for (const key of keys) {
    const list = getList(db, key);
    if (list !== undefined && list.length !== 0) return [key, popMany(ctx, db, key, list, where, 1)[0]];
  }
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return NULL_ARRAY;
  return blocking.block(ctx, {
    keys,
    timeoutMs: timeout,
    serve: (key) => {
      const list = readyList(ctx, key);
      if (list === undefined) return undefined;
      return [key, popMany(ctx, ctx.db, key, list, where, 1)[0]];
    },
    onTimeout: () => NULL_ARRAY,
  });
}

/** BLMOVE / BRPOPLPUSH: LMOVE at once when the source has elements, else wait on the source. */
function bmove(ctx: Context, src: string, dst: string, from: ListEnd, to: ListEnd, timeout: number): Reply | Promise<Reply> {
  const db = ctx.db;
  const list = getList(db, src);
  if (list !== undefined && list.length !== 0) {
    const dl = src === dst ? list : getList(db, dst);
    return moveElement(ctx, db, src, list, dst, dl, from, to);
  }
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return null;
  return blocking.block(ctx, {
    keys: [src],
    timeoutMs: timeout,
    serve: (key) => {
      const l = readyList(ctx, key);
      if (l === undefined) return undefined;
      // A wrong-typed destination answers WRONGTYPE and leaves the source alone.
      const dl = src === dst ? l : getList(ctx.db, dst);
      return moveElement(ctx, ctx.db, src, l, dst, dl, from, to);
    },
    onTimeout: () => NULL_ARRAY,
  });
}

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
function blmpop(ctx: Context, args: string[]): Reply | Promise<Reply> {
  // numkeys, direction and COUNT are checked before the timeout.
  const p = parseMpopArgs(args, 1);
  const timeout = parseSecondsTimeout(args[0]);
  const keys = args.slice(p.firstKey, p.firstKey + p.numkeys);
  const db = ctx.db;
  for (const key of keys) {
    const list = getList(db, key);
    if (list !== undefined && list.length !== 0) return [key, popMany(ctx, db, key, list, p.where, p.count)];
  }
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return NULL_ARRAY;
  return blocking.block(ctx, {
    keys,
    timeoutMs: timeout,
    serve: (key) => {
      const list = readyList(ctx, key);
      if (list === undefined) return undefined;
      return [key, popMany(ctx, ctx.db, key, list, p.where, p.count)];
    },
    onTimeout: () => NULL_ARRAY,
  });
}

// ---- sorted sets --------------------------------------------------------------------------

function readyZset(ctx: Context, key: string): boolean {
  const v = ctx.db.get(key);
  return v instanceof ZSet && v.size !== 0;
}

/** BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score]. */
function bzpop(ctx: Context, args: string[], max: boolean): Reply | Promise<Reply> {
  const timeout = parseSecondsTimeout(args[args.length - 1]);
  const keys = args.slice(0, -1);
  const db = ctx.db;
  for (const key of keys) {
    const v = db.get(key);
    if (v === undefined) continue;
    if (!(v instanceof ZSet)) throw new ReplyError(Err.wrongType);
    if (v.size !== 0) return zpopGeneric(ctx, [key], max, true, -1, false, false);
  }
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return NULL_ARRAY;
  return blocking.block(ctx, {
    keys,
    timeoutMs: timeout,
    serve: (key) => (readyZset(ctx, key) ? zpopGeneric(ctx, [key], max, true, -1, false, false) : undefined),
    onTimeout: () => NULL_ARRAY,
  });
}

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]. */
function bzmpop(ctx: Context, args: string[]): Reply | Promise<Reply> {
  const { keys, max, count } = parseZmpopArgs(args, 1);
  const timeout = parseSecondsTimeout(args[0]);
  const db = ctx.db;
  for (const key of keys) {
    const v = db.get(key);
    if (v === undefined) continue;
    if (!(v instanceof ZSet)) throw new ReplyError(Err.wrongType);
    if (v.size !== 0) return zpopGeneric(ctx, [key], max, true, count, true, true);
  }
  const blocking = ctx.server.blocking;
  if (!blocking.canBlock(ctx)) return NULL_ARRAY;
  return blocking.block(ctx, {
    keys,
    timeoutMs: timeout,
    serve: (key) => (readyZset(ctx, key) ? zpopGeneric(ctx, [key], max, true, count, true, true) : undefined),
    onTimeout: () => NULL_ARRAY,
  });
}

// ---- WAIT ---------------------------------------------------------------------------------

/**
 * WAIT numreplicas timeout: RedKit has no replicas, so the answer is 0: at
 * once when numreplicas <= 0 (or inside MULTI / a script), otherwise after
 * the timeout on the server clock (0 = until CLIENT UNBLOCK or disconnect).
 */
/** Replication's part of WAIT (src/replication/), when installed. */
export interface ReplicationWait {
  /** Throws when WAIT cannot run here (a replica). */
  check(ctx: Context): void;
  wait(ctx: Context, numreplicas: number | bigint, timeoutMs: number): Reply | Promise<Reply>;
}

function wait(ctx: Context, args: string[]): Reply | Promise<Reply> {
  const repl = ctx.server.ext.replicationWait as ReplicationWait | undefined;
  if (repl !== undefined) repl.check(ctx);
  const numreplicas = int64Arg(args[0]);
  const t = timeoutMsArg(args[1]);
  if (repl !== undefined) return repl.wait(ctx, numreplicas, timeoutMs(t));
  const blocking = ctx.server.blocking;
  if (numreplicas <= 0 || !blocking.canBlock(ctx)) return 0;
  return blocking.block(ctx, { keys: [], timeoutMs: timeoutMs(t), serve: () => undefined, onTimeout: () => 0 });
}

// ---- CLIENT UNBLOCK -----------------------------------------------------------------------

function clientUnblock(ctx: Context, args: string[]): Reply {
  if (args.length > 2) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0] ?? 'unblock'}'. Try CLIENT HELP.`);
  let error = false;
  if (args.length === 2) {
    const m = args[1].toLowerCase();
    if (m === 'error') error = true;
    else if (m !== 'timeout') throw new ReplyError(ERR_UNBLOCK_REASON);
  }
  const id = int64Arg(args[0]);
  if (typeof id === 'bigint') return 0;
  if (!ctx.server.blocking.unblock(id, error)) return 0;
  // The -UNBLOCKED error goes out while CLIENT UNBLOCK runs: Redis counts CLIENT UNBLOCK as failed too.
  if (error) {
    ctx.command.stats.failed++;
    ctx.server.dispatcher.stats.failedCalls++;
  }
  return 1;
}

// ---- install ------------------------------------------------------------------------------

export function installBlocking(server: RedKitServer): void {
  const blocking = server.blocking;
  // Every list/zset creation and push tells the blocking layer (a Map lookup when nobody waits).
  server.store.hooks.keyReady = (db, key) => blocking.signalKeyReady(db.id, key);
  server.store.hooks.dbEmptied = (db) => blocking.signalWaitedKeys(db.id);
  server.onStop(() => blocking.dispose());
  defineCommands(server, {
    blpop: (ctx, args) => bpop(ctx, args, LEFT),
    brpop: (ctx, args) => bpop(ctx, args, RIGHT),
    brpoplpush: (ctx, args) => bmove(ctx, args[0], args[1], RIGHT, LEFT, parseSecondsTimeout(args[2])),
    blmove: (ctx, args) => {
      const from = parseListEnd(args[2]);
      const to = parseListEnd(args[3]);
      return bmove(ctx, args[0], args[1], from, to, parseSecondsTimeout(args[4]));
    },
    blmpop: { handler: blmpop, getKeys: numkeysKeys },
    bzpopmin: (ctx, args) => bzpop(ctx, args, false),
    bzpopmax: (ctx, args) => bzpop(ctx, args, true),
    bzmpop: { handler: bzmpop, getKeys: numkeysKeys },
    wait,
  });
  // CLIENT UNBLOCK joins the CLIENT container (its other subcommands live in client.ts).
  const client = server.registry.get('client');
  const subs = client?.subcommands as Map<string, Command> | undefined;
  if (client !== undefined && subs !== undefined) {
    subs.set('unblock', makeCommand('unblock', redisSpec('client|unblock', { handler: clientUnblock }), true, client));
  }
}

/** Keys of `timeout numkeys key...` (BLMPOP, BZMPOP). */
function numkeysKeys(args: string[]): number[] {
  const n = Number(args[1]);
  if (!Number.isInteger(n) || n < 1 || n + 2 > args.length) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(2 + i);
  return out;
}
