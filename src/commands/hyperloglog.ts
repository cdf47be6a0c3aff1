/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST.
 *
 * An HLL is a string value in Redis's exact format (store/hll.ts), so GET /
 * SET copy it between RedKit and a real Redis and its count is kept. A value
 * a command may change becomes an RString ('raw': Redis unshares it). The hot
 * paths change it in place through RString.setByte: PFADD on a dense HLL
 * (one or two bytes per raised register) and PFCOUNT writing the cached
 * cardinality back, as Redis does. Sparse updates, conversions and merges
 * work on a copy of the bytes (an `Hll`) that replaces the value.
 */
import { Err, ReplyError } from '../errors.js';
import { OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import {
  cachedCard,
  countHll,
  countRaw,
  decodeSparse,
  denseAddInPlace,
  denseGet,
  Hll,
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  invalidateInPlace,
  isValidHll,
  mergeInto,
  selfTest,
  setCachedCardInPlace,
} from '../store/hll.js';
import { NOTIFY } from '../store/store.js';
import { RString } from '../store/types/string.js';
import type { Value } from '../store/types.js';
import { defineCommands } from './util.js';

export const HllErr = {
  notHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  corrupted: 'INVALIDOBJ Corrupted HLL object detected',
  noSuchKey: 'ERR The specified key does not exist',
  notSparse: 'ERR HLL encoding is not sparse',
  unknownDebug: (sub: string) => `ERR Unknown PFDEBUG subcommand '${sub}'`,
} as const;

/** hll-sparse-max-bytes, read per command so CONFIG SET applies at once. */
const sparseMax = (ctx: Context): number => ctx.server.config.getNumber('hll-sparse-max-bytes');

/**
 * isHLLObjectOrReply: the bytes of a string value that holds a valid HLL
 * header; WRONGTYPE (generic) for other types, WRONGTYPE (HLL wording) for
 * other strings. The Buffer may be a view of the stored value: read only.
 */
function hllBytes(v: Value): Buffer {
  let b: Buffer;
  if (typeof v === 'string') b = Buffer.from(v, 'latin1');
  else if (v instanceof RString) b = v.view(0, v.length);
  else if (v.type === 'string') b = Buffer.from(String(v), 'latin1');
  else throw new ReplyError(Err.wrongType);
  if (!isValidHll(b)) throw new ReplyError(HllErr.notHll);
  return b;
}

/**
 * Put the working copy back under `key` (dbUnshareStringValue + in-place
 * change): its bytes when changed; otherwise a plain string value still
 * becomes a 'raw' RString, as Redis unshares it. TTL and WATCH untouched.
 */
function storeBack(db: Database, key: string, h: Hll, orig: Value): void {
  if (h.dirty) db.replaceValue(key, RString.fromBuffer(h.bytes()));
  else if (typeof orig === 'string') db.replaceValue(key, RString.from(orig));
}

/** dbUnshareStringValue: the value at key as an RString, converting (and storing) a plain string. */
function unshare(db: Database, key: string, v: Value): RString {
  if (v instanceof RString) return v;
  const r = RString.from(typeof v === 'string' ? v : String(v));
  db.replaceValue(key, r);
  return r;
}

function pfadd(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const v = db.get(key);
  let updated = 0;
  let b: Buffer | undefined;
  if (v !== undefined) {
    b = hllBytes(v);
    if (b[4] === HLL_DENSE) {
      // In place: no copy of the 12k value.
      const r = unshare(db, key, v);
      updated = denseAddInPlace(r, args, 1);
      if (updated) {
        ctx.store.dirty += updated;
        invalidateInPlace(r);
        db.touch(key);
        ctx.store.notify(NOTIFY.STRING, 'pfadd', key, db.id);
      }
      return updated ? 1 : 0;
    }
  }
  let h: Hll;
  if (b === undefined) {
    h = Hll.create();
    updated++;
  } else h = Hll.from(b);
  const max = sparseMax(ctx);
  for (let i = 1; i < args.length; i++) {
    const r = h.add(args[i], max);
    if (r === 1) updated++;
    else if (r === -1) {
      // Registers changed before the corrupted part stay changed, silently.
      // (Only an existing value can be corrupted.)
      if (v !== undefined) storeBack(db, key, h, v);
      throw new ReplyError(HllErr.corrupted);
    }
  }
  if (updated) h.invalidateCache();
  if (v === undefined) db.set(key, RString.fromBuffer(h.bytes()));
  else {
    storeBack(db, key, h, v);
    if (updated) db.touch(key);
  }
  if (updated) ctx.store.notify(NOTIFY.STRING, 'pfadd', key, db.id);
  ctx.store.dirty += updated;
  return updated ? 1 : 0;
}

function pfcount(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  if (args.length > 1) {
    // The union of several HLLs, in one-byte registers; the keys are not changed.
    const max = new Uint8Array(HLL_REGISTERS);
    for (const k of args) {
      const v = db.get(k);
      if (v === undefined) continue;
      if (!mergeInto(max, hllBytes(v))) throw new ReplyError(HllErr.corrupted);
    }
    return countRaw(max);
  }
  const key = args[0];
  const v = db.get(key);
  if (v === undefined) return 0;
  const b = hllBytes(v);
  const r = unshare(db, key, v);
  const cached = cachedCard(b);
  if (cached !== null) return cached;
  const card = countHll(b);
  if (card < 0) throw new ReplyError(HllErr.corrupted);
  // Cache the cardinality in the value: a change WATCH sees, as in Redis.
  setCachedCardInPlace(r, card);
  ctx.store.dirty++;
  db.touch(key);
  return card;
}

function pfmerge(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // Every key, the destination included, is merged (and validated) first.
  for (const k of args) {
    const v = db.get(k);
    if (v === undefined) continue;
    const b = hllBytes(v);
    if (b[4] === HLL_DENSE) useDense = true;
    if (!mergeInto(max, b)) throw new ReplyError(HllErr.corrupted);
  }
  const key = args[0];
  // The destination is then looked up for writing (no keyspace hit/miss).
  ctx.store.lookupStats = false;
  const dv = db.get(key);
  const h = dv === undefined ? Hll.create() : Hll.from(hllBytes(dv));
  const store = () => {
    if (dv === undefined) db.set(key, RString.fromBuffer(h.bytes()));
    else storeBack(db, key, h, dv);
  };
  if (useDense && !h.toDense()) {
    store();
    throw new ReplyError(HllErr.corrupted);
  }
  const sm = sparseMax(ctx);
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) h.set(j, max[j], sm);
  h.invalidateCache();
  store();
  if (dv !== undefined) db.touch(key);
  // Redis reports a PFMERGE as a 'pfadd' event.
  ctx.store.notify(NOTIFY.STRING, 'pfadd', key, db.id);
  return OK;
}

/** A C string argument as strcasecmp / %s see it: up to the first NUL. */
const cstr = (s: string): string => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};

function pfdebug(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const sub = cstr(args[0]);
  const key = args[1];
  const v = db.get(key);
  if (v === undefined) throw new ReplyError(HllErr.noSuchKey);
  const b = hllBytes(v);
  const h = Hll.from(b);
  // Redis unshares the value whatever the subcommand; only GETREG / TODENSE change it.
  try {
    switch (sub.toLowerCase()) {
      case 'getreg': {
        if (h.encoding === HLL_SPARSE && !h.toDense()) throw new ReplyError(HllErr.corrupted);
        const out: number[] = new Array(HLL_REGISTERS);
        for (let j = 0; j < HLL_REGISTERS; j++) out[j] = denseGet(h.buf, HLL_HDR_SIZE, j);
        return out;
      }
      case 'decode':
        if (h.encoding !== HLL_SPARSE) throw new ReplyError(HllErr.notSparse);
        return decodeSparse(b);
      case 'encoding':
        return new SimpleString(h.encoding === HLL_DENSE ? 'dense' : 'sparse');
      case 'todense': {
        if (h.encoding !== HLL_SPARSE) return 0;
        if (!h.toDense()) throw new ReplyError(HllErr.corrupted);
        return 1;
      }
      default:
        throw new ReplyError(HllErr.unknownDebug(sub));
    }
  } finally {
    storeBack(db, key, h, v);
  }
}

function pfselftest(ctx: Context): Reply {
  const failed = selfTest(sparseMax(ctx));
  if (failed !== null) throw new ReplyError(`ERR ${failed}`);
  return OK;
}

export function installHyperLogLog(server: RedKitServer): void {
  defineCommands(server, {
    pfadd,
    pfcount,
    pfmerge,
    pfdebug,
    pfselftest,
  });
}
