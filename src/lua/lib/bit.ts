/**
 * LuaBitOp 1.0.2 (`bit`) as Redis 7.0 builds it: 32-bit operations whose results are signed
 * numbers; arguments are converted as barg() does (add 2^52+2^51 and take the low word of the
 * double, i.e. rounding to an integer and wrapping modulo 2^32).
 */
import { LuaTable, nativeFunction, typeError, type LuaValue } from '../value.js';
import { str2number } from './format.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** lua_tonumber: numbers, and strings that convert; undefined otherwise. */
function toNumber(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return str2number(v);
  return undefined;
}

/** barg(): argument i (0-based) as an unsigned 32-bit integer; raises the type error for non-numbers. */
function barg(args: LuaValue[], i: number, fname: string): number {
  const v = args[i];
  const n = toNumber(v);
  if (n === undefined) return typeError(i + 1, fname, 'number', v, i < args.length);
  f64[0] = n + 6755399441055744.0;
  return u32[0];
}

function ret(b: number): LuaValue[] {
  return [b | 0];
}

function hex(b: number, n: number): string {
  let digits = '0123456789abcdef';
  if (n === -2147483648) n = -8; // -n overflows in C; Redis's build prints 8 uppercase digits
  if (n < 0) {
    n = -n;
    digits = '0123456789ABCDEF';
  }
  if (n > 8) n = 8;
  if (n <= 0) return '';
  let s = '';
  for (let i = 0; i < n; i++) {
    s = digits[b & 15] + s;
    b >>>= 4;
  }
  return s;
}

/** The `bit` table, with the functions in luaopen_bit's registration order. */
export function openBit(): LuaTable {
  const t = new LuaTable(0, 12); // luaL_register sizes the table for its 12 functions
  const def = (name: string, fn: (args: LuaValue[]) => LuaValue[]) => t.set(name, nativeFunction(name, fn));
  def('tobit', (a) => ret(barg(a, 0, 'tobit')));
  def('bnot', (a) => ret(~barg(a, 0, 'bnot')));
  def('band', (a) => {
    let b = barg(a, 0, 'band');
    for (let i = a.length - 1; i > 0; i--) b &= barg(a, i, 'band');
    return ret(b);
  });
  def('bor', (a) => {
    let b = barg(a, 0, 'bor');
    for (let i = a.length - 1; i > 0; i--) b |= barg(a, i, 'bor');
    return ret(b);
  });
  def('bxor', (a) => {
    let b = barg(a, 0, 'bxor');
    for (let i = a.length - 1; i > 0; i--) b ^= barg(a, i, 'bxor');
    return ret(b);
  });
  def('lshift', (a) => {
    const b = barg(a, 0, 'lshift');
    const n = barg(a, 1, 'lshift') & 31;
    return ret(b << n);
  });
  def('rshift', (a) => {
    const b = barg(a, 0, 'rshift');
    const n = barg(a, 1, 'rshift') & 31;
    return ret(b >>> n);
  });
  def('arshift', (a) => {
    const b = barg(a, 0, 'arshift');
    const n = barg(a, 1, 'arshift') & 31;
    return ret(b >> n);
  });
  def('rol', (a) => {
    const b = barg(a, 0, 'rol');
    const n = barg(a, 1, 'rol') & 31;
    return ret((b << n) | (b >>> (32 - n)));
  });
  def('ror', (a) => {
    const b = barg(a, 0, 'ror');
    const n = barg(a, 1, 'ror') & 31;
    return ret((b << (32 - n)) | (b >>> n));
  });
  def('bswap', (a) => {
    const b = barg(a, 0, 'bswap');
    return ret((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
  });
  def('tohex', (a) => {
    const b = barg(a, 0, 'tohex');
    const n = a.length < 2 ? 8 : barg(a, 1, 'tohex') | 0;
    return [hex(b, n)];
  });
  return t;
}
