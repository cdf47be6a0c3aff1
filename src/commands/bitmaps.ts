/**
 * Bitmap commands (bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
 * BITFIELD_RO.
 *
 * Bits are numbered from the most significant bit of byte 0. Writes convert
 * the value to an RString (store/types/string.ts) once, so repeated SETBIT /
 * BITFIELD on a large bitmap change bytes in place instead of copying it.
 */
import { Err, ReplyError } from '../errors.js';
import { INT64_MAX, parseIntStrict } from '../resp/format.js';
import type { Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { NOTIFY } from '../store/store.js';
import { RString } from '../store/types/string.js';
import { defineCommands, int64Arg, readLookup } from './util.js';
import { getStringValue, kw, unshare, type StringValue } from './strings.js';

const BitErr = {
  offset: 'ERR bit offset is not an integer or out of range',
  bit: 'ERR bit is not an integer or out of range',
  bitArg: 'ERR The bit argument must be 1 or 0.',
  notSingle: 'ERR BITOP NOT must be called with a single source key.',
  fieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  overflowType: 'ERR Invalid OVERFLOW type specified',
  readonly: 'ERR BITFIELD_RO only supports the GET subcommand',
} as const;

/** Popcount of every byte value. */
const POP = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP[i] = (i & 1) + POP[i >> 1];

/** Byte i of a string value (0 <= i < length). */
const byteAt = (v: StringValue, i: number): number => (typeof v === 'string' ? v.charCodeAt(i) : v.byteAt(i));

/**
 * getBitOffsetFromArgument: a bit offset, optionally in the `#n` form
 * (multiplied by the field width, with int64 wrap-around as in C), limited to
 * proto-max-bulk-len bytes.
 */
function bitOffset(ctx: Context, arg: string, hashBits = 0): number {
  const usehash = arg.length > 1 && arg.charCodeAt(0) === 35 /* # */ && hashBits > 0;
  const p = parseIntStrict(usehash ? arg.slice(1) : arg);
  if (p === null) throw new ReplyError(BitErr.offset);
  const max = ctx.server.config.protoMaxBulkLen;
  if (!usehash && typeof p === 'number') {
    if (p < 0 || Math.floor(p / 8) >= max) throw new ReplyError(BitErr.offset);
    return p;
  }
  let off = BigInt(p);
  if (usehash) off = BigInt.asIntN(64, off * BigInt(hashBits));
  if (off < 0n || off >> 3n >= BigInt(max)) throw new ReplyError(BitErr.offset);
  return Number(off);
}

/**
 * lookupStringForBitCommand: the RString at key, created (zero-filled) or
 * grown so that bit `maxbit` exists. `dirty` tells whether it was created or
 * grew. Throws WRONGTYPE.
 */
function stringForBitWrite(ctx: Context, key: string, maxbit: number): { r: RString; dirty: boolean } {
  const db = ctx.db;
  const bytes = Math.floor(maxbit / 8) + 1;
  const v = getStringValue(db, key);
  if (v === null) {
    const r = RString.zeros(bytes);
    // lookupStringForBitCommand's dbAdd: the caller signals if it writes (an
    // OVERFLOW FAIL BITFIELD leaves the new zeroed string without a signal).
    db.set(key, r, false, false);
    return { r, dirty: true };
  }
  const r = unshare(db, key, v);
  const old = r.length;
  r.growZero(bytes);
  return { r, dirty: r.length !== old };
}

function setbit(ctx: Context, args: string[]): Reply {
  const offset = bitOffset(ctx, args[1]);
  const on = parseIntStrict(args[2]);
  if (on === null) throw new ReplyError(BitErr.bit);
  if (on !== 0 && on !== 1) throw new ReplyError(BitErr.bit);
  const { r, dirty } = stringForBitWrite(ctx, args[0], offset);
  const byte = Math.floor(offset / 8);
  const bit = 7 - (offset % 8);
  const byteval = r.byteAt(byte);
  const bitval = (byteval >> bit) & 1;
  if (dirty || bitval !== on) {
    r.setByte(byte, (byteval & ~(1 << bit)) | (on << bit));
    ctx.db.touch(args[0]);
    ctx.store.notify(NOTIFY.STRING, 'setbit', args[0], ctx.db.id);
  }
  return bitval;
}

function getbit(ctx: Context, args: string[]): Reply {
  const offset = bitOffset(ctx, args[1]);
  const v = getStringValue(ctx.db, args[0]);
  if (v === null) return 0;
  const byte = Math.floor(offset / 8);
  if (byte >= v.length) return 0;
  return (byteAt(v, byte) >> (7 - (offset % 8))) & 1;
}

/** Clamp a possibly-huge index to a safe number with the same sign. */
const safeIdx = (x: number | bigint): number => (typeof x === 'number' ? x : x > 0n ? 2 ** 62 : -(2 ** 62));

function popcount(v: StringValue, start: number, end: number): number {
  let n = 0;
  if (typeof v === 'string') {
    for (let i = start; i < end; i++) n += POP[v.charCodeAt(i)];
    return n;
  }
  const b = v.view(start, end);
  const len = b.length;
  let i = 0;
  // 4 bytes at a time.
  for (; i + 4 <= len; i += 4) {
    let x = b.readUInt32LE(i);
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
  }
  for (; i < len; i++) n += POP[b[i]];
  return n;
}

function bitcount(ctx: Context, args: string[]): Reply {
  const v = getStringValue(ctx.db, args[0]);
  if (v === null) return 0;
  const strlen = v.length;
  let start: number;
  let end: number;
  let isbit = false;
  if (args.length === 3 || args.length === 4) {
    const s0 = int64Arg(args[1]);
    const e0 = int64Arg(args[2]);
    if (s0 < 0 && e0 < 0 && s0 > e0) return 0;
    if (args.length === 4) {
      const u = kw(args[3]);
      if (u === 'BIT') isbit = true;
      else if (u !== 'BYTE') throw new ReplyError(Err.syntax);
    }
    const totlen = isbit ? strlen * 8 : strlen;
    start = safeIdx(s0);
    end = safeIdx(e0);
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
  } else if (args.length === 1) {
    start = 0;
    end = strlen - 1;
  } else throw new ReplyError(Err.syntax);
  if (start > end) return 0;
  if (!isbit) return popcount(v, start, end + 1);
  // Bit range: whole bytes, minus the bits of the edge bytes outside the range.
  const fb = Math.floor(start / 8);
  const lb = Math.floor(end / 8);
  let count = popcount(v, fb, lb + 1);
  const headMask = (0xff00 >> (start % 8)) & 0xff; // bits before start in the first byte
  const tailMask = (1 << (7 - (end % 8))) - 1; // bits after end in the last byte
  count -= POP[byteAt(v, fb) & headMask];
  count -= POP[byteAt(v, lb) & tailMask];
  return count;
}

/** First bit equal to `bit` in bit positions [sbit, ebit] (inclusive), or -1. */
function findBit(v: StringValue, bit: number, sbit: number, ebit: number): number {
  const fb = Math.floor(sbit / 8);
  const lb = Math.floor(ebit / 8);
  const skip = bit ? 0 : 0xff;
  const firstMask = 0xff >> (sbit % 8);
  const lastMask = (0xff << (7 - (ebit % 8))) & 0xff;
  if (typeof v === 'string') {
    for (let i = fb; i <= lb; i++) {
      const c = v.charCodeAt(i);
      if (c === skip && i !== fb && i !== lb) continue;
      let x = bit ? c : ~c & 0xff;
      if (i === fb) x &= firstMask;
      if (i === lb) x &= lastMask;
      if (x !== 0) return i * 8 + Math.clz32(x) - 24;
    }
    return -1;
  }
  const b = v.view(fb, lb + 1);
  for (let k = 0; k < b.length; k++) {
    const c = b[k];
    if (c === skip && k !== 0 && k !== b.length - 1) continue;
    let x = bit ? c : ~c & 0xff;
    if (k === 0) x &= firstMask;
    if (k === b.length - 1) x &= lastMask;
    if (x !== 0) return (fb + k) * 8 + Math.clz32(x) - 24;
  }
  return -1;
}

function bitpos(ctx: Context, args: string[]): Reply {
  const bit = int64Arg(args[1]);
  if (bit !== 0 && bit !== 1) throw new ReplyError(BitErr.bitArg);
  const v = getStringValue(ctx.db, args[0]);
  if (v === null) return bit ? -1 : 0;
  const strlen = v.length;
  let isbit = false;
  let endGiven = false;
  let start: number;
  let end: number;
  if (args.length >= 3 && args.length <= 5) {
    const s0 = int64Arg(args[2]);
    if (args.length === 5) {
      const u = kw(args[4]);
      if (u === 'BIT') isbit = true;
      else if (u !== 'BYTE') throw new ReplyError(Err.syntax);
    }
    let e0: number | bigint;
    if (args.length >= 4) {
      e0 = int64Arg(args[3]);
      endGiven = true;
    } else e0 = isbit ? strlen * 8 + 7 : strlen - 1;
    const totlen = isbit ? strlen * 8 : strlen;
    start = safeIdx(s0);
    end = safeIdx(e0);
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
  } else if (args.length === 2) {
    start = 0;
    end = strlen - 1;
  } else throw new ReplyError(Err.syntax);
  if (start > end) return -1;
  const sbit = isbit ? start : start * 8;
  const ebit = isbit ? end : end * 8 + 7;
  const pos = findBit(v, bit, sbit, ebit);
  if (pos >= 0) return pos;
  // No set bit in range: -1. No clear bit: the bit just after the range,
  // unless the caller fixed the end of the range.
  if (bit === 1 || endGiven) return -1;
  return ebit + 1;
}

function bitop(ctx: Context, args: string[]): Reply {
  const op = kw(args[0]);
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR' && op !== 'NOT') throw new ReplyError(Err.syntax);
  if (op === 'NOT' && args.length !== 3) throw new ReplyError(BitErr.notSingle);
  const db = ctx.db;
  const target = args[1];
  const n = args.length - 2;
  const srcs: Array<Buffer | null> = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const v = getStringValue(db, args[j + 2]);
    if (v === null) {
      srcs[j] = null;
      continue;
    }
    srcs[j] = typeof v === 'string' ? Buffer.from(v, 'latin1') : v.view(0, v.length);
    if (v.length > maxlen) maxlen = v.length;
  }
  if (maxlen === 0) {
    if (db.delete(target)) ctx.store.notify(NOTIFY.GENERIC, 'del', target, db.id);
    return 0;
  }
  const res = Buffer.alloc(maxlen);
  const first = srcs[0];
  if (op === 'NOT') {
    const s = first as Buffer;
    for (let i = 0; i < maxlen; i++) res[i] = ~s[i] & 0xff;
  } else {
    if (first !== null) first.copy(res, 0);
    // Missing bytes (shorter or missing sources) count as zero.
    for (let j = 1; j < n; j++) {
      const s = srcs[j];
      const sl = s === null ? 0 : s.length;
      if (op === 'AND') {
        for (let i = 0; i < sl; i++) res[i] &= (s as Buffer)[i];
        res.fill(0, sl);
      } else if (op === 'OR') {
        for (let i = 0; i < sl; i++) res[i] |= (s as Buffer)[i];
      } else {
        for (let i = 0; i < sl; i++) res[i] ^= (s as Buffer)[i];
      }
    }
  }
  db.set(target, RString.fromBuffer(res));
  ctx.store.notify(NOTIFY.STRING, 'set', target, db.id);
  return maxlen;
}

// ---- BITFIELD ----------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface FieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  overflow: number;
}

/** getBitfieldTypeFromArgument: i1..i64 / u1..u63 (lower-case prefix, digits read as a C string). */
function fieldType(arg: string): { signed: boolean; bits: number } {
  const c = arg.charCodeAt(0);
  let signed: boolean;
  if (c === 105) signed = true; // 'i' (7.0 accepts lower case only)
  else if (c === 117) signed = false; // 'u'
  else throw new ReplyError(BitErr.fieldType);
  let rest = arg.slice(1);
  const z = rest.indexOf('\0');
  if (z >= 0) rest = rest.slice(0, z);
  const n = parseIntStrict(rest);
  if (n === null || n < 1 || (signed && n > 64) || (!signed && n > 63)) throw new ReplyError(BitErr.fieldType);
  return { signed, bits: Number(n) };
}

/** Read `bits` bits at bit `offset` as an unsigned integer; bytes past the end read as 0. */
function readBits(v: StringValue | null, offset: number, bits: number): bigint {
  const len = v === null ? 0 : v.length;
  let out = 0n;
  let pos = offset;
  let left = bits;
  while (left > 0) {
    const byte = Math.floor(pos / 8);
    const bitInByte = pos % 8;
    const take = Math.min(8 - bitInByte, left);
    const b = byte < len ? byteAt(v as StringValue, byte) : 0;
    const chunk = (b >> (8 - bitInByte - take)) & ((1 << take) - 1);
    out = (out << BigInt(take)) | BigInt(chunk);
    pos += take;
    left -= take;
  }
  return out;
}

/** Write the low `bits` bits of `value` at bit `offset` (the string is long enough). */
function writeBits(r: RString, offset: number, bits: number, value: bigint): void {
  let pos = offset;
  let left = bits;
  const u = BigInt.asUintN(bits, value);
  while (left > 0) {
    const byte = Math.floor(pos / 8);
    const bitInByte = pos % 8;
    const take = Math.min(8 - bitInByte, left);
    const chunk = Number((u >> BigInt(left - take)) & ((1n << BigInt(take)) - 1n));
    const shift = 8 - bitInByte - take;
    const mask = ((1 << take) - 1) << shift;
    const old = r.byteAt(byte);
    const nv = (old & ~mask) | (chunk << shift);
    if (nv !== old) r.setByte(byte, nv);
    pos += take;
    left -= take;
  }
}

/**
 * value + incr for a `bits`-wide field with Redis's overflow handling
 * (checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow).
 * Returns [overflowed, result]; result is the wrapped/saturated value.
 */
function fieldAdd(value: bigint, incr: bigint, bits: number, signed: boolean, ow: number): [boolean, bigint] {
  if (signed) {
    const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
    const min = -max - 1n;
    // Redis computes these in int64 and lets them wrap, so e.g. SET i8 with INT64_MIN saturates to the max.
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, min - value);
    let dir = 0;
    if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) dir = 1;
    else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) dir = -1;
    if (dir === 0) return [false, value + incr];
    if (ow === OW_SAT) return [true, dir > 0 ? max : min];
    return [true, BigInt.asIntN(bits, value + incr)];
  }
  const max = (1n << BigInt(bits)) - 1n;
  const v = BigInt.asUintN(64, value);
  const s = v + incr;
  if (v > max || s > max) {
    if (ow === OW_SAT) return [true, max];
    return [true, BigInt.asUintN(bits, s)];
  }
  if (s < 0n) {
    if (ow === OW_SAT) return [true, 0n];
    return [true, BigInt.asUintN(bits, s)];
  }
  return [false, s];
}

const intReply = (b: bigint): number | bigint => (b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b);

function bitfieldGeneric(ctx: Context, args: string[], readonlyCmd: boolean): Reply {
  const key = args[0];
  const ops: FieldOp[] = [];
  let overflow = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 1; j < args.length; j++) {
    const remargs = args.length - j - 1;
    const sub = kw(args[j]);
    let opcode: number;
    if (sub === 'GET' && remargs >= 2) opcode = OP_GET;
    else if (sub === 'SET' && remargs >= 3) opcode = OP_SET;
    else if (sub === 'INCRBY' && remargs >= 3) opcode = OP_INCRBY;
    else if (sub === 'OVERFLOW' && remargs >= 1) {
      const t = kw(args[++j]);
      if (t === 'WRAP') overflow = OW_WRAP;
      else if (t === 'SAT') overflow = OW_SAT;
      else if (t === 'FAIL') overflow = OW_FAIL;
      else throw new ReplyError(BitErr.overflowType);
      continue;
    } else throw new ReplyError(Err.syntax);
    const { signed, bits } = fieldType(args[j + 1]);
    const offset = bitOffset(ctx, args[j + 2], bits);
    let value = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      value = BigInt(int64Arg(args[j + 3]));
    }
    ops.push({ opcode, offset, bits, signed, value, overflow });
    j += opcode === OP_GET ? 2 : 3;
  }
  const db = ctx.db;
  let v: StringValue | null;
  let r: RString | null = null;
  let dirty = false;
  // Only GETs: Redis looks the key up as a read (a keyspace hit or miss).
  if (readonly) v = readLookup(ctx, () => getStringValue(db, key));
  else {
    if (readonlyCmd) throw new ReplyError(BitErr.readonly);
    ({ r, dirty } = stringForBitWrite(ctx, key, highest));
    v = r;
  }
  const out: Reply[] = [];
  let changes = 0;
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      const u = readBits(v, op.offset, op.bits);
      out.push(intReply(op.signed ? BigInt.asIntN(op.bits, u) : u));
      continue;
    }
    const w = r as RString;
    const raw = readBits(w, op.offset, op.bits);
    const old = op.signed ? BigInt.asIntN(op.bits, raw) : raw;
    let overflowed: boolean;
    let newval: bigint;
    let ret: bigint;
    if (op.opcode === OP_INCRBY) {
      [overflowed, newval] = fieldAdd(old, op.value, op.bits, op.signed, op.overflow);
      ret = newval;
    } else {
      [overflowed, newval] = fieldAdd(op.value, 0n, op.bits, op.signed, op.overflow);
      ret = old;
    }
    if (overflowed && op.overflow === OW_FAIL) out.push(null);
    else {
      out.push(intReply(ret));
      writeBits(w, op.offset, op.bits, newval);
      // Only a write that created, grew or changed the string counts (WATCH, `setbit` event).
      if (dirty || BigInt.asUintN(op.bits, newval) !== raw) changes++;
    }
  }
  if (changes) {
    db.touch(key);
    ctx.store.notify(NOTIFY.STRING, 'setbit', key, db.id);
  }
  return out;
}

export function installBitmaps(server: RedKitServer): void {
  defineCommands(server, {
    setbit,
    getbit,
    bitcount,
    bitpos,
    bitop,
    bitfield: (ctx, args) => bitfieldGeneric(ctx, args, false),
    bitfield_ro: (ctx, args) => bitfieldGeneric(ctx, args, true),
  });
}
