/**
 * DUMP and RESTORE (cluster.c) with Redis 7.0's serialization (store/rdb.ts):
 * payloads from a real redis-server restore here and the other way round.
 *
 * The server configuration shapes both directions as it does in Redis:
 * rdbcompression, list-max-listpack-size and list-compress-depth the payload
 * DUMP writes; hash-max-listpack-*, set-max-intset-entries and
 * zset-max-listpack-* the encoding of a restored value.
 *
 * Gaps: a hash's field TTLs (Redis 7.4) have no place in the 7.0 format, so
 * DUMP writes such a hash without them (due fields are expired first);
 * module values do not exist in RedKit, so their payloads are refused with
 * 'Bad data format'. Streams use RDB_TYPE_STREAM_LISTPACKS_2 (store/rdb.ts).
 */
import { Err, ReplyError } from '../errors.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { LRU_CLOCK_MAX } from '../store/database.js';
import { createDumpPayload, loadDumpPayload, RdbUnsupportedError, verifyDumpPayload, type DumpOptions, type LoadOptions } from '../store/rdb.js';
import { NOTIFY } from '../store/store.js';
import { hashFieldExpiry, RHash } from '../store/types/hash.js';
import { defineCommands, int64Arg, is } from './util.js';
import { zsetLimits } from './zsets.js';

const E = {
  checksum: 'ERR DUMP payload version or checksum are wrong',
  badFormat: 'ERR Bad data format',
  busyKey: 'BUSYKEY Target key name already exists.',
  invalidTtl: 'ERR Invalid TTL value, must be >= 0',
  invalidIdle: 'ERR Invalid IDLETIME value, must be >= 0',
  invalidFreq: 'ERR Invalid FREQ value, must be >= 0 and <= 255',
};

/** A numeric config parameter, or `dflt` when unset. */
function num(ctx: Context, name: string, dflt: number): number {
  const v = ctx.server.config.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? n : dflt;
}

export function dumpOptions(ctx: Context): DumpOptions {
  return {
    compression: ctx.server.config.get('rdbcompression') !== 'no',
    listMaxListpackSize: num(ctx, 'list-max-listpack-size', -2),
    listCompressDepth: num(ctx, 'list-compress-depth', 0),
  };
}

export function loadOptions(ctx: Context): LoadOptions {
  return {
    listMaxListpackSize: num(ctx, 'list-max-listpack-size', -2),
    hashMaxListpackEntries: num(ctx, 'hash-max-listpack-entries', 128),
    hashMaxListpackValue: num(ctx, 'hash-max-listpack-value', 64),
    setMaxIntsetEntries: num(ctx, 'set-max-intset-entries', 512),
    zsetLimits: zsetLimits(ctx),
  };
}

function dump(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const db = ctx.db;
  const v = db.get(key);
  if (v === undefined) return null;
  // Fields past their TTL must not travel (the hash commands drop them on access too).
  if (v instanceof RHash && v.hasTtl && hashFieldExpiry(ctx.store).expireFields(db, key, v, ctx.clock.now())) return null;
  try {
    return createDumpPayload(v, dumpOptions(ctx));
  } catch (e) {
    if (e instanceof RdbUnsupportedError) throw new ReplyError(`ERR ${e.message}`);
    throw e;
  }
}

const INT64 = (v: bigint): bigint => BigInt.asIntN(64, v);

function restore(ctx: Context, args: string[]): Reply {
  const key = args[0];
  let replace = false;
  let absttl = false;
  let idle = -1n;
  let freq = -1n;
  for (let j = 3; j < args.length; j++) {
    const a = args[j];
    const additional = args.length - j - 1;
    if (is(a, 'REPLACE')) {
      replace = true;
    } else if (is(a, 'ABSTTL')) {
      absttl = true;
    } else if (is(a, 'IDLETIME') && additional >= 1 && freq === -1n) {
      idle = BigInt(int64Arg(args[j + 1]));
      if (idle < 0n) throw new ReplyError(E.invalidIdle);
      j++;
    } else if (is(a, 'FREQ') && additional >= 1 && idle === -1n) {
      freq = BigInt(int64Arg(args[j + 1]));
      if (freq < 0n || freq > 255n) throw new ReplyError(E.invalidFreq);
      j++;
    } else {
      throw new ReplyError(Err.syntax);
    }
  }

  const db = ctx.db;
  if (!replace && db.get(key) !== undefined) throw new ReplyError(E.busyKey);

  let ttl = BigInt(int64Arg(args[1]));
  if (ttl < 0n) throw new ReplyError(E.invalidTtl);

  const payload = Buffer.from(args[2], 'latin1');
  if (!verifyDumpPayload(payload)) throw new ReplyError(E.checksum);
  const value = loadDumpPayload(payload, loadOptions(ctx));
  if (value === null) throw new ReplyError(E.badFormat);

  const store = ctx.store;
  const deleted = replace ? db.delete(key) : false;

  const now = BigInt(ctx.clock.now());
  // Relative TTLs are added as C's long long would (wrapping on overflow).
  if (ttl !== 0n && !absttl) ttl = INT64(ttl + now);
  if (ttl !== 0n && ttl <= now) {
    // Already expired: nothing is created; a replaced key is gone.
    if (deleted) store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    return OK;
  }

  db.set(key, value);
  // dbAdd signals the key ready: a restored list, sorted set or stream may serve blocked clients.
  if (typeof value !== 'string') ctx.store.hooks.keyReady?.(db, key);
  if (ttl !== 0n) db.setExpire(key, Number.isSafeInteger(Number(ttl)) ? Number(ttl) : ttl);

  // objectSetLRUOrLFU: FREQ under an LFU policy, IDLETIME under any other.
  if (store.lfuEnabled) {
    if (freq >= 0n) {
      db.lru.set(key, store.lfuClock * 256 + Number(freq));
      db.forgetStamp();
    }
  } else if (idle >= 0n) {
    // As Redis 7.0.15: an underflow gets LRU_CLOCK_MAX added, then lands in the 24-bit robj.lru field.
    let abs = store.lruClock - Number(idle);
    if (abs < 0) abs += LRU_CLOCK_MAX;
    abs %= LRU_CLOCK_MAX + 1;
    if (abs < 0) abs += LRU_CLOCK_MAX + 1;
    db.lru.set(key, abs);
    db.forgetStamp();
  }

  store.notify(NOTIFY.GENERIC, 'restore', key, db.id);
  return OK;
}

export function installDump(server: RedKitServer): void {
  defineCommands(server, {
    dump,
    restore,
    // The cluster variant (accepted on a node in ASKING state): the same command here.
    'restore-asking': restore,
  });
}
