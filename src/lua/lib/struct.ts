/**
 * Roberto Ierusalimschy's struct library (`struct`) as Redis 7.0 builds it: pack, unpack, size
 * with formats > < ! x b B h H l L T i[n] I[n] c[n] s f d and space, on x86-64 sizes (long and
 * size_t 8 bytes, native little-endian, default max alignment 8), and its error texts.
 */
import { LuaTable, argError, luaLError, nativeFunction, typeError, type LuaValue } from '../value.js';
import { numberToString, str2number } from './format.js';

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const BIG = 0;
const LITTLE = 1;

interface Header { endian: number; align: number }

interface FmtCursor { s: string; i: number }

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function getnum(f: FmtCursor, df: number): number {
  if (!isDigit(f.s.charCodeAt(f.i))) return df;
  let a = 0;
  do {
    const d = f.s.charCodeAt(f.i) - 48;
    if (a > Math.floor(2147483647 / 10) || a * 10 > 2147483647 - d) luaLError('integral size overflow');
    a = a * 10 + d;
    f.i++;
  } while (isDigit(f.s.charCodeAt(f.i)));
  return a;
}

function optsize(opt: string, f: FmtCursor): number {
  switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return getnum(f, 1);
    case 'i': case 'I': {
      const sz = getnum(f, 4);
      if (sz > MAXINTSIZE) luaLError(`integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return sz;
    }
    default: return 0;
  }
}

function gettoalign(len: number, h: Header, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  if (size > h.align) size = h.align;
  // size is a power of 2 here unless i<n> gives an odd size: C's (size - (len & (size-1))) & (size-1)
  const m = size - 1;
  return (size - (len & m)) & m;
}

function controloptions(opt: string, f: FmtCursor, h: Header, fname: string): void {
  switch (opt) {
    case ' ': return;
    case '>': h.endian = BIG; return;
    case '<': h.endian = LITTLE; return;
    case '!': {
      const a = getnum(f, MAXALIGN);
      if (!(a > 0 && (a & (a - 1)) === 0)) luaLError(`alignment ${a} is not a power of 2`);
      h.align = a;
      return;
    }
    default:
      argError(1, fname, `invalid format option '${opt}'`);
  }
}

function fmtArg(args: LuaValue[], fname: string): string {
  const v = args[0];
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number') s = numberToString(v);
  else return typeError(1, fname, 'string', v, args.length > 0);
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

/** `marked`: b_pack pushes a nil after its arguments, so the first missing one is a nil, not "no value". */
function checkNumber(args: LuaValue[], i: number, fname: string, marked = false): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = str2number(v);
    if (n !== undefined) return n;
  }
  return typeError(i + 1, fname, 'number', v, i < args.length + (marked ? 1 : 0));
}

function checkString(args: LuaValue[], i: number, fname: string, marked = false): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  return typeError(i + 1, fname, 'string', v, i < args.length + (marked ? 1 : 0));
}

/** The 64-bit pattern putinteger stores for n: (unsigned long)(long)n when n < 0, else (unsigned long)n (x86-64 conversions). */
function toUlong(n: number): bigint {
  if (n < 0) {
    if (n < -9223372036854775808) return 9223372036854775808n;
    return BigInt.asUintN(64, BigInt(Math.trunc(n)));
  }
  if (n !== n) return 9223372036854775808n;
  if (n < 9223372036854775808) return BigInt(Math.trunc(n));
  const r = n - 9223372036854775808;
  if (r >= 9223372036854775808) return 0n;
  return BigInt(Math.trunc(r)) + 9223372036854775808n;
}

function putinteger(n: number, endian: number, size: number): string {
  let s = '';
  if (n >= 0 && n < 4294967296) {
    // common case: the low 32 bits, zeros above
    const v = Math.trunc(n);
    for (let i = 0; i < size; i++) {
      const b = i < 4 ? (v >>> (8 * i)) & 0xff : 0;
      s = endian === LITTLE ? s + String.fromCharCode(b) : String.fromCharCode(b) + s;
    }
    return s;
  }
  let value = toUlong(n);
  for (let i = 0; i < size; i++) {
    const b = Number(value & 0xffn);
    value >>= 8n;
    s = endian === LITTLE ? s + String.fromCharCode(b) : String.fromCharCode(b) + s;
  }
  return s;
}

const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

function pack(args: LuaValue[]): string {
  const fname = 'pack';
  const f: FmtCursor = { s: fmtArg(args, fname), i: 0 };
  const h: Header = { endian: LITTLE, align: 1 };
  let arg = 1; // index into args (Lua argument arg + 1)
  let total = 0;
  const out: string[] = [];
  while (f.i < f.s.length) {
    const opt = f.s[f.i++];
    let size = optsize(opt, f);
    const toalign = gettoalign(total, h, opt, size);
    total += toalign;
    if (toalign > 0) out.push('\0'.repeat(toalign));
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        out.push(putinteger(checkNumber(args, arg, fname, true), h.endian, size));
        arg++;
        break;
      case 'x':
        out.push('\0');
        break;
      case 'f': {
        f32[0] = checkNumber(args, arg++, fname, true);
        out.push(h.endian === LITTLE ? String.fromCharCode(f32b[0], f32b[1], f32b[2], f32b[3]) : String.fromCharCode(f32b[3], f32b[2], f32b[1], f32b[0]));
        break;
      }
      case 'd': {
        f64[0] = checkNumber(args, arg++, fname, true);
        const b = f64b;
        out.push(h.endian === LITTLE ? String.fromCharCode(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
          : String.fromCharCode(b[7], b[6], b[5], b[4], b[3], b[2], b[1], b[0]));
        break;
      }
      case 'c': case 's': {
        const s = checkString(args, arg++, fname, true);
        const l = s.length;
        if (size === 0) size = l;
        if (!(l >= size)) argError(arg + 1, fname, 'string too short');
        out.push(s.slice(0, size));
        if (opt === 's') {
          out.push('\0');
          size++;
        }
        break;
      }
      default:
        controloptions(opt, f, h, fname);
    }
    total += size;
  }
  return out.join('');
}

function getinteger(data: string, pos: number, endian: number, issigned: boolean, size: number): number {
  let l = 0n;
  if (endian === BIG) {
    for (let i = 0; i < size; i++) l = BigInt.asUintN(64, (l << 8n) | BigInt(data.charCodeAt(pos + i)));
  } else {
    for (let i = size - 1; i >= 0; i--) l = BigInt.asUintN(64, (l << 8n) | BigInt(data.charCodeAt(pos + i)));
  }
  if (!issigned) return Number(l);
  const mask = BigInt.asUintN(64, ~0n << BigInt((size * 8 - 1) & 63));
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

function unpack(args: LuaValue[]): LuaValue[] {
  const fname = 'unpack';
  const f: FmtCursor = { s: fmtArg(args, fname), i: 0 };
  const data = checkString(args, 1, fname);
  const ld = data.length;
  let pos: number;
  let start = 1;
  if (args[2] === undefined) pos = 0;
  else {
    const n = checkNumber(args, 2, fname);
    // luaL_optinteger then size_t: a start below 1 wraps to a huge position
    const t = n !== n || n >= 9223372036854775808 || n < -9223372036854775808 ? -9223372036854775808 : Math.trunc(n);
    if (t === 0) argError(3, fname, 'offset must be 1 or greater'); // (size_t)t > 0: negatives pass and wrap
    start = t;
    pos = t - 1 < 0 ? Infinity : t - 1;
  }
  const h: Header = { endian: LITTLE, align: 1 };
  const res: LuaValue[] = [];
  const nargs = args.length;
  while (f.i < f.s.length) {
    const opt = f.s[f.i++];
    let size = optsize(opt, f);
    if (pos !== Infinity) pos += gettoalign(pos, h, opt, size);
    if (!(size <= ld && pos <= ld - size)) argError(2, fname, 'data string too short');
    if (nargs + res.length + 2 > 8000) luaLError('stack overflow (too many results)');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        res.push(getinteger(data, pos, h.endian, opt >= 'a', size));
        break;
      case 'x':
        break;
      case 'f': {
        for (let i = 0; i < 4; i++) f32b[h.endian === LITTLE ? i : 3 - i] = data.charCodeAt(pos + i);
        res.push(f32[0]);
        break;
      }
      case 'd': {
        for (let i = 0; i < 8; i++) f64b[h.endian === LITTLE ? i : 7 - i] = data.charCodeAt(pos + i);
        res.push(f64[0]);
        break;
      }
      case 'c': {
        if (size === 0) {
          const prev = res.length > 0 ? res[res.length - 1] : undefined;
          const pn = typeof prev === 'number' ? prev : typeof prev === 'string' ? str2number(prev) : undefined;
          if (res.length === 0 || pn === undefined) luaLError("format 'c0' needs a previous size");
          size = Number(toUlong(pn!)); // (size_t) of the double, as x86-64 converts it (>= 2^64 gives 0)
          res.pop();
          if (!(size <= ld && pos <= ld - size)) argError(2, fname, 'data string too short');
        }
        res.push(data.slice(pos, pos + size));
        break;
      }
      case 's': {
        const e = data.indexOf('\0', pos);
        if (e < 0) luaLError('unfinished string in data');
        size = e - pos + 1;
        res.push(data.slice(pos, e));
        break;
      }
      default:
        controloptions(opt, f, h, fname);
    }
    pos += size;
  }
  res.push(pos === Infinity ? start : pos + 1);
  return res;
}

function size(args: LuaValue[]): LuaValue[] {
  const fname = 'size';
  const f: FmtCursor = { s: fmtArg(args, fname), i: 0 };
  const h: Header = { endian: LITTLE, align: 1 };
  let pos = 0;
  while (f.i < f.s.length) {
    const opt = f.s[f.i++];
    const sz = optsize(opt, f);
    pos += gettoalign(pos, h, opt, sz);
    if (opt === 's') argError(1, fname, "option 's' has no fixed size");
    else if (opt === 'c' && sz === 0) argError(1, fname, "option 'c0' has no fixed size");
    if (!/[0-9A-Za-z]/.test(opt)) controloptions(opt, f, h, fname);
    pos += sz;
  }
  return [pos];
}

/** The `struct` table (luaL_register with pack, unpack, size). */
export function openStruct(): LuaTable {
  const t = new LuaTable(0, 3);
  t.set('pack', nativeFunction('pack', (a) => [pack(a)]));
  t.set('unpack', nativeFunction('unpack', unpack));
  t.set('size', nativeFunction('size', size));
  return t;
}
