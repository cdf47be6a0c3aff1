/**
 * Hash commands (t_hash.c): Redis 7.0.15 behaviour for the classic commands,
 * Redis 7.4 behaviour for hash field expiration (HEXPIRE, HPEXPIRE, HEXPIREAT,
 * HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST) and HSCAN
 * NOVALUES.
 *
 * - Order of checks follows Redis: HINCRBY/HINCRBYFLOAT/HRANDFIELD parse their
 *   numeric argument before looking the key up; HSCAN parses the cursor first,
 *   then the key, then the options (a missing key answers before bad options).
 * - Encodings follow Redis's rules: listpack until hash-max-listpack-entries
 *   fields or a field/value longer than hash-max-listpack-value (read from
 *   CONFIG when the hash changes), then hashtable; listpackex once a
 *   field-expiration command touched a listpack. Small hashes keep Redis's
 *   field order; HSCAN returns them whole with cursor 0.
 * - Expired fields are never visible: every command drops the due fields of
 *   the hash it touches first (`hexpired`, and `del` when it empties), and
 *   HashFieldExpiry drops them actively on the clock.
 * - Empty hashes never stay in the keyspace.
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, INT64_MIN, parseIntStrict } from '../resp/format.js';
import { IncrByFloatError, incrByFloat, isFiniteLongDouble, parseLongDouble } from '../resp/longdouble.js';
import { EMPTY_ARRAY, MapReply, OK, RawReply, type Reply } from '../resp/reply.js';
import type { Config } from '../server/config.js';
import type { Context } from '../server/context.js';
import type { CommandDefinition, CommandFlag } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { NOTIFY } from '../store/store.js';
import { hashFieldExpiry, RHash } from '../store/types/hash.js';
import { cursorTable, matcher, parseCursor, parseScanOptions, scanStep } from './scan.js';
import { defineCommands, getTyped, int64Arg, is, longAtLeast } from './util.js';

const ERR_HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const ERR_HASH_NOT_FLOAT = 'ERR hash value is not a float';
const ERR_INCR_NOT_FINITE = 'ERR value is NaN or Infinity';
// Hash field expiration (Redis 7.4).
const ERR_FIELDS_MISSING = 'ERR Mandatory argument FIELDS is missing or not at the right position';
const ERR_NUMFIELDS_HEXPIRE = 'ERR Parameter `numFields` should be greater than 0';
const ERR_NUMFIELDS = 'ERR Number of fields must be a positive integer';
const ERR_NUMFIELDS_MISMATCH = 'ERR The `numfields` parameter must match the number of arguments';
const ERR_EXPIRE_NEGATIVE = 'ERR invalid expire time, must be >= 0';

/** Largest absolute field deadline Redis accepts (HFE_MAX_ABS_TIME_MSEC = EB_EXPIRE_TIME_MAX >> 2). */
const HFE_MAX_ABS_TIME_MSEC = 2n ** 46n - 1n;
/** LONG_MAX / 2: HRANDFIELD's bound on the count with WITHVALUES. */
const HRANDFIELD_WITHVALUES_MAX = INT64_MAX / 2n;

const EMPTY_SCAN = new RawReply(Buffer.from('*2\r\n$1\r\n0\r\n*0\r\n', 'latin1'));
const EMPTY_MAP = new MapReply([]);

// ---- helpers ----------------------------------------------------------------------------

interface Limits {
  entries: number;
  value: number;
}
const limitCache = new WeakMap<Config, { version: number; lim: Limits }>();

/** size_t config values may carry memory units (1k, 1kb, 2mb...). */
function parseSize(s: string, fallback: number): number {
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return fallback;
  const unit = (m[2] ?? '').toLowerCase();
  const mul = unit === 'k' ? 1e3 : unit === 'kb' ? 1024 : unit === 'm' ? 1e6 : unit === 'mb' ? 1024 ** 2 : unit === 'g' ? 1e9 : unit === 'gb' ? 1024 ** 3 : 1;
  return Number(m[1]) * mul;
}

/** hash-max-listpack-entries / hash-max-listpack-value, as CONFIG has them now. */
function limits(ctx: Context): Limits {
  const cfg = ctx.server.config;
  let c = limitCache.get(cfg);
  if (c === undefined || c.version !== cfg.version) {
    const e = cfg.get('hash-max-listpack-entries') ?? '128';
    const v = cfg.get('hash-max-listpack-value') ?? '64';
    c = { version: cfg.version, lim: { entries: parseSize(e, 128), value: parseSize(v, 64) } };
    limitCache.set(cfg, c);
  }
  return c.lim;
}

/** Drop the due fields of h (at key); undefined when that emptied and deleted the hash. */
function purge(ctx: Context, key: string, h: RHash): RHash | undefined {
  const fx = hashFieldExpiry(ctx.store);
  const now = ctx.clock.now();
  if (h.nextExpiry() < now && fx.expireFields(ctx.db, key, h, now)) return undefined;
  fx.track(ctx.db, key, h);
  return h;
}

/** The hash at key (without expired fields), undefined if missing, WRONGTYPE otherwise. */
function lookup(ctx: Context, key: string): RHash | undefined {
  const h = getTyped<RHash>(ctx.db, key, 'hash');
  if (h === undefined || !h.hasTtl) return h;
  return purge(ctx, key, h);
}

/** Store a new hash or signal a changed one, and emit the hash event. */
function commit(ctx: Context, key: string, h: RHash, created: boolean, event: string): void {
  const db = ctx.db;
  if (created) db.set(key, h);
  else db.touch(key);
  ctx.store.notify(NOTIFY.HASH, event, key, db.id);
}

// ---- writes -----------------------------------------------------------------------------

function hsetGeneric(ctx: Context, args: string[], name: 'hset' | 'hmset'): Reply {
  if ((args.length & 1) === 0) throw new ReplyError(Err.arity(name));
  const key = args[0];
  let h = lookup(ctx, key);
  const created = h === undefined;
  if (h === undefined) h = new RHash();
  const lim = limits(ctx);
  if (h.isListpack) {
    for (let i = 1; i < args.length; i++) {
      if (args[i].length > lim.value) {
        h.toHashtable();
        break;
      }
    }
  }
  let added = 0;
  for (let i = 1; i < args.length; i += 2) {
    if (h.set(args[i], args[i + 1])) added++;
    h.convertForSize(lim.entries);
  }
  commit(ctx, key, h, created, 'hset');
  return name === 'hset' ? added : OK;
}

function hsetnx(ctx: Context, args: string[]): Reply {
  const [key, field, value] = args;
  let h = lookup(ctx, key);
  if (h !== undefined && h.has(field)) return 0;
  const created = h === undefined;
  if (h === undefined) h = new RHash();
  const lim = limits(ctx);
  h.convertForLengths(lim.value, field, value);
  h.set(field, value);
  h.convertForSize(lim.entries);
  commit(ctx, key, h, created, 'hset');
  return 1;
}

function hdel(ctx: Context, args: string[]): Reply {
  const key = args[0];
  const h = lookup(ctx, key);
  if (h === undefined) return 0;
  const db = ctx.db;
  let deleted = 0;
  let removed = false;
  for (let i = 1; i < args.length; i++) {
    if (h.delete(args[i])) {
      deleted++;
      if (h.size === 0) {
        db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted !== 0) {
    if (!removed) db.touch(key);
    ctx.store.notify(NOTIFY.HASH, 'hdel', key, db.id);
    if (removed) ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  }
  return deleted;
}

/** Set a field to the result of an increment: keeps the field's TTL, converts as hashTypeSet does. */
function setIncremented(ctx: Context, key: string, h: RHash, created: boolean, field: string, value: string, event: string): void {
  const lim = limits(ctx);
  h.convertForLengths(lim.value, field, value);
  h.set(field, value, true);
  h.convertForSize(lim.entries);
  commit(ctx, key, h, created, event);
}

function hincrby(ctx: Context, args: string[]): Reply {
  const [key, field] = args;
  const incr = int64Arg(args[2]);
  let h = lookup(ctx, key);
  const created = h === undefined;
  if (h === undefined) h = new RHash();
  let value: number | bigint = 0;
  const cur = h.get(field);
  if (cur !== undefined) {
    const p = parseIntStrict(cur);
    if (p === null) throw new ReplyError(ERR_HASH_NOT_INTEGER);
    value = p;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) result = value + incr;
  else {
    const r = BigInt(value) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) throw new ReplyError(Err.overflow);
    result = Number.isSafeInteger(Number(r)) ? Number(r) : r;
  }
  setIncremented(ctx, key, h, created, field, String(result), 'hincrby');
  return result;
}

function hincrbyfloat(ctx: Context, args: string[]): Reply {
  const [key, field, increment] = args;
  // The increment is checked before the key is looked up.
  const incr = parseLongDouble(increment);
  if (incr === null) throw new ReplyError(Err.notFloat);
  if (!isFiniteLongDouble(incr)) throw new ReplyError(ERR_INCR_NOT_FINITE);
  let h = lookup(ctx, key);
  const created = h === undefined;
  if (h === undefined) h = new RHash();
  let value: string;
  try {
    value = incrByFloat(h.get(field) ?? null, increment, { rejectInfiniteIncrement: true });
  } catch (e) {
    if (!(e instanceof IncrByFloatError)) throw e;
    if (e.reason === 'value-not-float') throw new ReplyError(ERR_HASH_NOT_FLOAT);
    if (e.reason === 'result-not-finite') throw new ReplyError(Err.incrFloatNaN);
    throw new ReplyError(e.reason === 'increment-not-finite' ? ERR_INCR_NOT_FINITE : Err.notFloat);
  }
  setIncremented(ctx, key, h, created, field, value, 'hincrbyfloat');
  return value;
}

// ---- reads ------------------------------------------------------------------------------

function hget(ctx: Context, args: string[]): Reply {
  const h = lookup(ctx, args[0]);
  return h === undefined ? null : (h.get(args[1]) ?? null);
}

function hmget(ctx: Context, args: string[]): Reply {
  const h = lookup(ctx, args[0]);
  const out: Reply[] = [];
  for (let i = 1; i < args.length; i++) out.push(h === undefined ? null : (h.get(args[i]) ?? null));
  return out;
}

function hgetall(ctx: Context, args: string[]): Reply {
  const h = lookup(ctx, args[0]);
  return h === undefined ? EMPTY_MAP : new MapReply(h.flat());
}

function hkeys(ctx: Context, args: string[]): Reply {
  const h = lookup(ctx, args[0]);
  return h === undefined ? EMPTY_ARRAY : h.fieldsInOrder();
}

function hvals(ctx: Context, args: string[]): Reply {
  const h = lookup(ctx, args[0]);
  return h === undefined ? EMPTY_ARRAY : h.valuesInOrder();
}

function hlen(ctx: Context, args: string[]): Reply {
  return lookup(ctx, args[0])?.size ?? 0;
}

function hstrlen(ctx: Context, args: string[]): Reply {
  return lookup(ctx, args[0])?.get(args[1])?.length ?? 0;
}

function hexists(ctx: Context, args: string[]): Reply {
  return lookup(ctx, args[0])?.has(args[1]) ? 1 : 0;
}

// ---- HRANDFIELD -------------------------------------------------------------------------

const randomIndex = (n: number) => Math.floor(Math.random() * n);

function hrandfield(ctx: Context, args: string[]): Reply {
  if (args.length >= 2) {
    const l = parseIntStrict(args[1]);
    if (l === null) throw new ReplyError(Err.notInteger);
    if (l === INT64_MIN) throw new ReplyError(Err.randCountRange);
    if (args.length > 3 || (args.length === 3 && !is(args[2], 'WITHVALUES'))) throw new ReplyError(Err.syntax);
    const withValues = args.length === 3;
    if (withValues && (BigInt(l) < -HRANDFIELD_WITHVALUES_MAX || BigInt(l) > HRANDFIELD_WITHVALUES_MAX)) throw new ReplyError(Err.valueOutOfRange);
    return hrandfieldCount(ctx, args[0], Number(l), withValues);
  }
  const h = lookup(ctx, args[0]);
  if (h === undefined) return null;
  const fields = h.fieldArray();
  return fields[randomIndex(fields.length)];
}

function hrandfieldCount(ctx: Context, key: string, l: number, withValues: boolean): Reply {
  const h = lookup(ctx, key);
  if (h === undefined || l === 0) return EMPTY_ARRAY;
  const count = Math.abs(l);
  const nested = withValues && ctx.protocol === 3;
  const out: Reply[] = [];
  const add = (f: string) => {
    if (!withValues) out.push(f);
    else if (nested) out.push([f, h.get(f) as string]);
    else out.push(f, h.get(f) as string);
  };
  const size = h.size;
  if (l < 0 || count === 1) {
    // Any fields, repetitions allowed, random order.
    const fields = h.fieldArray();
    for (let i = 0; i < count; i++) add(fields[randomIndex(size)]);
    return out;
  }
  if (count >= size) {
    // The whole hash, in its order.
    for (const [f, v] of h.entries()) {
      if (!withValues) out.push(f);
      else if (nested) out.push([f, v]);
      else out.push(f, v);
    }
    return out;
  }
  // `count` distinct fields.
  const fields = h.fieldArray();
  if (count * 3 > size) {
    const pool = fields.slice();
    for (let i = 0; i < count; i++) {
      const j = i + randomIndex(size - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      add(pool[i]);
    }
  } else {
    const seen = new Set<number>();
    while (seen.size < count) {
      const i = randomIndex(size);
      if (seen.has(i)) continue;
      seen.add(i);
      add(fields[i]);
    }
  }
  return out;
}

// ---- HSCAN ------------------------------------------------------------------------------

function hscan(ctx: Context, args: string[]): Reply {
  const cursor = parseCursor(args[1]);
  const h = lookup(ctx, args[0]);
  if (h === undefined) return EMPTY_SCAN;
  const opts = parseScanOptions(args, 2, { noValues: true });
  const match = matcher(opts.match);
  const flat: string[] = [];
  if (h.isListpack) {
    // A listpack is returned whole, whatever the cursor and COUNT.
    for (const [f, v] of h.entries()) {
      if (!match(f)) continue;
      flat.push(f);
      if (!opts.noValues) flat.push(v);
    }
    return ['0', flat];
  }
  const step = scanStep(cursorTable(ctx.server), cursor, h, () => h.map.entries(), opts.count, (e) => match(e[0]), h.size);
  for (const [f, v] of step.items) {
    flat.push(f);
    if (!opts.noValues) flat.push(v);
  }
  return [String(step.cursor), flat];
}

// ---- hash field expiration (Redis 7.4) --------------------------------------------------

const COND_NX = 1;
const COND_XX = 2;
const COND_GT = 3;
const COND_LT = 4;

/** `FIELDS numfields field...` starting at args[at]; returns the fields. */
function parseFields(args: string[], at: number, numMsg: string): string[] {
  if (!is(args[at], 'FIELDS')) throw new ReplyError(ERR_FIELDS_MISSING);
  const n = longAtLeast(args[at + 1], 1, numMsg);
  if (n !== args.length - at - 2) throw new ReplyError(ERR_NUMFIELDS_MISMATCH);
  return args.slice(at + 2);
}

/** The hash for a field-expiration command: WRONGTYPE first, expired fields dropped later by the caller. */
function hfeLookup(ctx: Context, key: string): RHash | undefined {
  return getTyped<RHash>(ctx.db, key, 'hash');
}

/** HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time [NX|XX|GT|LT] FIELDS numfields field... */
function hexpireGeneric(ctx: Context, args: string[], relative: boolean, seconds: boolean, name: string): Reply {
  const key = args[0];
  let h = hfeLookup(ctx, key);
  const now = ctx.clock.now();
  const p = parseIntStrict(args[1]);
  if (p === null) throw new ReplyError(Err.notInteger);
  let when = BigInt(p);
  if (when < 0n) throw new ReplyError(ERR_EXPIRE_NEGATIVE);
  if (seconds) {
    if (when > HFE_MAX_ABS_TIME_MSEC / 1000n) throw new ReplyError(Err.invalidExpire(name));
    when *= 1000n;
  }
  const base = relative ? BigInt(now) : 0n;
  if (when > HFE_MAX_ABS_TIME_MSEC - base) throw new ReplyError(Err.invalidExpire(name));
  const at = Number(when + base);

  let cond = 0;
  const c = args[2];
  if (is(c, 'NX')) cond = COND_NX;
  else if (is(c, 'XX')) cond = COND_XX;
  else if (is(c, 'GT')) cond = COND_GT;
  else if (is(c, 'LT')) cond = COND_LT;
  const fields = parseFields(args, cond === 0 ? 2 : 3, ERR_NUMFIELDS_HEXPIRE);

  if (h !== undefined && h.hasTtl) h = purge(ctx, key, h);
  if (h === undefined) return fields.map(() => -2);
  h.allowExpiry();
  const out: number[] = [];
  let updated = 0;
  let deleted = 0;
  for (const f of fields) {
    if (!h.has(f)) {
      out.push(-2);
      continue;
    }
    const prev = h.fieldTtl(f);
    if (prev === undefined) {
      // No TTL counts as an infinite one: GT never passes, LT always does.
      if (cond === COND_XX || cond === COND_GT) {
        out.push(0);
        continue;
      }
    } else if (cond === COND_NX || (cond === COND_GT && prev >= at) || (cond === COND_LT && prev <= at)) {
      out.push(0);
      continue;
    }
    if (at <= now) {
      h.delete(f);
      deleted++;
      out.push(2);
      continue;
    }
    h.setFieldTtl(f, at);
    updated++;
    out.push(1);
  }
  const db = ctx.db;
  if (updated + deleted !== 0) {
    // Redis 7.4 (hashTypeSetExDone): one change per field updated or deleted.
    ctx.store.dirty += updated + deleted;
    if (h.size === 0) {
      db.delete(key);
      ctx.store.notify(NOTIFY.HASH, 'hdel', key, db.id);
      ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    } else {
      db.touch(key);
      ctx.store.notify(NOTIFY.HASH, deleted !== 0 ? 'hdel' : 'hexpire', key, db.id);
      if (updated !== 0) hashFieldExpiry(ctx.store).track(db, key, h);
    }
  }
  return out;
}

/** HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME key FIELDS numfields field... */
function httlGeneric(ctx: Context, args: string[], relative: boolean, seconds: boolean): Reply {
  const key = args[0];
  let h = hfeLookup(ctx, key);
  const fields = parseFields(args, 1, ERR_NUMFIELDS);
  if (h !== undefined && h.hasTtl) h = purge(ctx, key, h);
  if (h === undefined) return fields.map(() => -2);
  const base = relative ? ctx.clock.now() : 0;
  const out: number[] = [];
  for (const f of fields) {
    if (!h.has(f)) {
      out.push(-2);
      continue;
    }
    const at = h.fieldTtl(f);
    if (at === undefined) out.push(-1);
    else out.push(seconds ? Math.floor((at + 999 - base) / 1000) : at - base);
  }
  return out;
}

/** HPERSIST key FIELDS numfields field... */
function hpersist(ctx: Context, args: string[]): Reply {
  const key = args[0];
  let h = hfeLookup(ctx, key);
  const fields = parseFields(args, 1, ERR_NUMFIELDS);
  if (h !== undefined && h.hasTtl) h = purge(ctx, key, h);
  if (h === undefined) return fields.map(() => -2);
  const out: number[] = [];
  let changed = false;
  for (const f of fields) {
    if (!h.has(f)) out.push(-2);
    else if (h.persistField(f)) {
      out.push(1);
      changed = true;
    } else out.push(-1);
  }
  if (changed) {
    // Redis 7.4's hpersistCommand: one change when any field lost its TTL.
    ctx.store.dirty++;
    ctx.store.notify(NOTIFY.HASH, 'hpersist', key, ctx.db.id);
    ctx.db.touch(key);
  }
  return out;
}

/** Metadata of the Redis 7.4 commands (the 7.0 metadata dump does not have them). */
function hfeSpec(
  handler: CommandDefinition['handler'],
  arity: number,
  flags: CommandFlag[],
  acl: string,
  summary: string,
): Omit<CommandDefinition, 'subcommands'> {
  return {
    handler,
    arity,
    flags,
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    group: 'hash',
    since: '7.4.0',
    summary,
    complexity: 'O(N) where N is the number of specified fields',
    aclCategories: [acl, '@hash', '@fast'],
  };
}

const HFE_SET: CommandFlag[] = ['write', 'denyoom', 'fast'];
const HFE_READ: CommandFlag[] = ['readonly', 'fast'];

export function installHashes(server: RedKitServer): void {
  defineCommands(server, {
    hset: (ctx, args) => hsetGeneric(ctx, args, 'hset'),
    hmset: (ctx, args) => hsetGeneric(ctx, args, 'hmset'),
    hsetnx,
    hget,
    hmget,
    hgetall,
    hkeys,
    hvals,
    hlen,
    hstrlen,
    hexists,
    hdel,
    hincrby,
    hincrbyfloat,
    hrandfield,
    hscan,
    hexpire: hfeSpec((ctx, args) => hexpireGeneric(ctx, args, true, true, 'hexpire'), -6, HFE_SET, '@write', 'Set expiry for hash field using relative time to expire (seconds)'),
    hpexpire: hfeSpec((ctx, args) => hexpireGeneric(ctx, args, true, false, 'hpexpire'), -6, HFE_SET, '@write', 'Set expiry for hash field using relative time to expire (milliseconds)'),
    hexpireat: hfeSpec((ctx, args) => hexpireGeneric(ctx, args, false, true, 'hexpireat'), -6, HFE_SET, '@write', 'Set expiry for hash field using an absolute Unix timestamp (seconds)'),
    hpexpireat: hfeSpec((ctx, args) => hexpireGeneric(ctx, args, false, false, 'hpexpireat'), -6, HFE_SET, '@write', 'Set expiry for hash field using an absolute Unix timestamp (milliseconds)'),
    httl: hfeSpec((ctx, args) => httlGeneric(ctx, args, true, true), -5, HFE_READ, '@read', 'Returns the TTL in seconds of a hash field.'),
    hpttl: hfeSpec((ctx, args) => httlGeneric(ctx, args, true, false), -5, HFE_READ, '@read', 'Returns the TTL in milliseconds of a hash field.'),
    hexpiretime: hfeSpec((ctx, args) => httlGeneric(ctx, args, false, true), -5, HFE_READ, '@read', 'Returns the expiration time of a hash field as a Unix timestamp, in seconds.'),
    hpexpiretime: hfeSpec((ctx, args) => httlGeneric(ctx, args, false, false), -5, HFE_READ, '@read', 'Returns the expiration time of a hash field as a Unix timestamp, in msec.'),
    hpersist: hfeSpec(hpersist, -5, ['write', 'fast'], '@write', 'Removes the expiration time for each specified field'),
  });
}
