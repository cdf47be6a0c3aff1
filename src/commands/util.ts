/**
 * Shared helpers for command handlers: registration with Redis metadata,
 * argument parsing with Redis's error strings, typed key access, glob match.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import type { Context } from '../server/context.js';
import type { CommandDefinition, Handler } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import type { RObject, Value } from '../store/types.js';
import { redisSpec } from './meta.js';

export type BuiltinDef = Handler | (Omit<CommandDefinition, 'subcommands'> & { subcommands?: Record<string, BuiltinDef> });

/**
 * Register built-in commands: each takes arity, flags, key positions and docs
 * from Redis's metadata; the definition supplies the handler (and metadata for
 * commands Redis 7.0 does not have).
 */
export function defineCommands(server: RedKitServer, defs: Record<string, BuiltinDef>): void {
  for (const [name, def] of Object.entries(defs)) server.registerBuiltin(name, resolveDef(name.toLowerCase(), def));
}

function resolveDef(fullName: string, def: BuiltinDef): CommandDefinition {
  const d = typeof def === 'function' ? { handler: def } : def;
  const { subcommands, ...rest } = d;
  const spec = redisSpec(fullName, rest);
  if (subcommands) {
    const subs: Record<string, CommandDefinition> = {};
    for (const [sn, sd] of Object.entries(subcommands)) subs[sn] = resolveDef(`${fullName}|${sn.toLowerCase()}`, sd);
    spec.subcommands = subs;
  }
  return spec;
}

export const fail = (msg: string): never => {
  throw new ReplyError(msg);
};

/** Parse an integer argument (int64), or throw `ERR value is not an integer or out of range`. */
export function intArg(s: string, msg: string = Err.notInteger): number {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(msg);
  if (typeof v === 'bigint') {
    // Outside the safe range: callers that care about full int64 use int64Arg.
    return Number(v);
  }
  return v;
}

/** Parse an int64 argument exactly (number when safe, bigint otherwise). */
export function int64Arg(s: string, msg: string = Err.notInteger): number | bigint {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(msg);
  return v;
}

/** getIntFromObjectOrReply: an int32, or `msg` (both errors) / Redis's two default errors. */
export function int32Arg(s: string, msg?: string): number {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(msg ?? Err.notInteger);
  if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) throw new ReplyError(msg ?? Err.notInt32);
  return v;
}

/**
 * getRangeLongFromObjectOrReply(min..LONG_MAX) / getPositiveLongFromObjectOrReply
 * with a message: `msg` for a non-integer and for a value below `min` alike.
 */
export function longAtLeast(s: string, min: number, msg: string): number {
  const v = parseIntStrict(s);
  if (v === null || v < min) throw new ReplyError(msg);
  return Number(v);
}

/** A timeout in milliseconds (getTimeoutFromObjectOrReply): an int64 >= 0. */
export function timeoutMsArg(s: string): number | bigint {
  const v = parseIntStrict(s);
  if (v === null) throw new ReplyError(Err.timeoutNotInt);
  if (v < 0) throw new ReplyError(Err.timeoutNegative);
  return v;
}

/** A database index (SELECT, MOVE, COPY ... DB): an int32 naming an existing database. */
export function dbIndexArg(ctx: Context, s: string): number {
  const id = int32Arg(s);
  if (id < 0 || id >= ctx.store.dbs.length) throw new ReplyError(Err.dbIndexOutOfRange);
  return id;
}

/** Case-insensitive comparison of an argument with an upper-case ASCII keyword. */
export function is(arg: string, upper: string): boolean {
  const n = upper.length;
  if (arg.length !== n) return false;
  if (arg === upper) return true;
  // strcasecmp: ASCII letters only, and no string made (toUpperCase() allocated one per
  // mismatch of equal length; no latin1 byte but a-z upper-cases to ASCII).
  for (let i = 0; i < n; i++) {
    const c = arg.charCodeAt(i);
    const u = upper.charCodeAt(i);
    if (c !== u && !(c >= 97 && c <= 122 && c - 32 === u)) return false;
  }
  return true;
}

/**
 * Run `lookup` as a read lookup (a keyspace hit or miss, `keymiss` on a miss)
 * from a command whose lookups are writes: SET ... GET, a BITFIELD of GETs.
 */
export function readLookup<T>(ctx: Context, lookup: () => T): T {
  const st = ctx.store;
  const prev = st.lookupStats;
  st.lookupStats = true;
  try {
    return lookup();
  } finally {
    st.lookupStats = prev;
  }
}

/** The value at key if it is a string, null if missing, or throws WRONGTYPE. */
export function getString(db: Database, key: string): string | null {
  const v = db.get(key);
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v.type === 'string') return (v as RObject & { toString(): string }).toString();
  throw new ReplyError(Err.wrongType);
}

/** The value at key if it has the given type, undefined if missing, or throws WRONGTYPE. */
export function getTyped<T extends RObject>(db: Database, key: string, type: T['type']): T | undefined {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== type) throw new ReplyError(Err.wrongType);
  return v as T;
}

/**
 * Redis glob matching (stringmatchlen): `*`, `?`, `[...]` with `^` and ranges,
 * `\` escapes; optional case folding. Works on binary strings.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const skip = { v: false };
  return matchImpl(pattern, 0, str, 0, nocase, skip);
}

const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
const signedByte = (c: number) => (c >= 128 ? c - 256 : c);

function matchImpl(p: string, pi: number, s: string, si: number, nocase: boolean, skip: { v: boolean }): boolean {
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        while (si < slen) {
          if (matchImpl(p, pi + 1, s, si, nocase, skip)) return true;
          if (skip.v) return false;
          si++;
        }
        skip.v = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = pi < plen && p.charCodeAt(pi) === 94;
        if (not) pi++;
        let match = false;
        const c = s.charCodeAt(si);
        for (;;) {
          if (pi < plen && p.charCodeAt(pi) === 92 && plen - pi >= 2) {
            pi++;
            if (p.charCodeAt(pi) === c) match = true;
          } else if (pi < plen && p.charCodeAt(pi) === 93) {
            break;
          } else if (pi >= plen) {
            pi--;
            break;
          } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === 45) {
            // Ranges compare C `char`s, which are signed: bytes 0x80-0xff sort below 0x00.
            let start = signedByte(p.charCodeAt(pi));
            let end = signedByte(p.charCodeAt(pi + 2));
            let cc = signedByte(c);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              cc = lower(cc);
            }
            pi += 2;
            if (cc >= start && cc <= end) match = true;
          } else if (nocase ? lower(p.charCodeAt(pi)) === lower(c) : p.charCodeAt(pi) === c) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        if (pc === 92 && plen - pi >= 2) pi++; // '\\' escapes the next char
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
