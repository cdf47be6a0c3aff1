/**
 * C printf number formatting as Lua 5.1.5 (and Redis's embedded Lua) sees it through glibc:
 * `numberToString` (LUAI_NUMFFORMAT "%.14g"), `formatNumberSpec` (one conversion) and
 * `stringFormat` (string.format, str_format of lstrlib.c with its checks and error texts).
 *
 * Every rounding is done on the exact binary value of the double with ties to even, as glibc
 * does (JavaScript's toPrecision/toFixed round ties away from zero): the fast paths use the JS
 * conversions and fall back to exact BigInt digits only when the digit after the last kept one
 * could be an exact tie.
 */
import { argError, luaLError, typeError, type LuaValue } from '../value.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: u32[1] is the high word

/** True when the sign bit of n is set (-0, negative numbers, NaNs with the sign bit: 0/0 on x86). */
export function signBit(n: number): boolean {
  f64[0] = n;
  return (u32[1] & 0x80000000) !== 0;
}

/** Digits of a positive finite number as a decimal: value = 0.<d> * 10^pt, d without trailing zeros. */
interface Digits { d: string; pt: number }

/** The exact decimal expansion of a positive finite double. */
function exactDigits(a: number): Digits {
  f64[0] = a;
  const hi = u32[1];
  const lo = u32[0];
  let e = (hi >>> 20) & 0x7ff;
  let m = BigInt(hi & 0xfffff) * 4294967296n + BigInt(lo);
  if (e === 0) e = 1;
  else m += 1n << 52n;
  e -= 1075; // a = m * 2^e
  let d: string;
  let pt: number;
  if (e >= 0) {
    d = (m << BigInt(e)).toString();
    pt = d.length;
  } else {
    d = (m * 5n ** BigInt(-e)).toString();
    pt = d.length + e;
  }
  let end = d.length;
  while (end > 1 && d.charCodeAt(end - 1) === 48) end--;
  return { d: end === d.length ? d : d.slice(0, end), pt };
}

/** Increments a string of decimal digits; returns null on carry out of the first digit. */
function incDigits(s: string): string | null {
  let i = s.length - 1;
  while (i >= 0 && s.charCodeAt(i) === 57) i--;
  if (i < 0) return null;
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) + 1) + '0'.repeat(s.length - 1 - i);
}

/** Rounds exact digits to n digits (n may be 0: rounds to the unit just above the first digit), ties to even. */
function roundTo(x: Digits, n: number): Digits {
  const { d, pt } = x;
  if (n < 0) return { d: '', pt };
  if (d.length <= n) return { d: d + '0'.repeat(n - d.length), pt };
  const next = d.charCodeAt(n) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else up = d.length > n + 1 || (n > 0 && ((d.charCodeAt(n - 1) - 48) & 1) === 1);
  const kept = d.slice(0, n);
  if (!up) return { d: kept, pt };
  const inc = n === 0 ? null : incDigits(kept);
  if (inc === null) return { d: '1' + '0'.repeat(n), pt: pt + 1 }; // carry: one more digit, trimmed by callers
  return { d: inc, pt };
}

/**
 * The shortest decimal that reads back as a (JS's String(a), at most 17 digits): digits without
 * leading or trailing zeros and pt (value = 0.<d> * 10^pt).
 */
function shortestDigits(a: number): Digits {
  const s = String(a);
  const e = s.indexOf('e');
  let mant = e < 0 ? s : s.slice(0, e);
  let pt: number;
  const dot = mant.indexOf('.');
  if (dot < 0) pt = mant.length;
  else {
    pt = dot;
    mant = mant.slice(0, dot) + mant.slice(dot + 1);
  }
  if (e >= 0) pt += +s.slice(e + 1);
  let i = 0;
  while (i < mant.length - 1 && mant.charCodeAt(i) === 48) i++;
  pt -= i;
  let end = mant.length;
  while (end > i + 1 && mant.charCodeAt(end - 1) === 48) end--;
  return { d: mant.slice(i, end), pt };
}

/** n significant digits (1..100) of a positive finite number, correctly rounded: d has exactly n digits. */
function sigDigits(a: number, n: number): Digits {
  if (n <= 15 && a >= 2.2250738585072014e-308) {
    // Normal numbers and n <= 15 only (so half an ulp is far below half a unit of the nth digit). From the shortest representation D (k digits): when k <= n, rounding the exact value gives D
    // (it lies within half an ulp of D, far less than half a unit of the nth digit). Otherwise
    // round D's tail, unless the exact value could sit on the other side of the midpoint: D is
    // within ~11 units of the 17th digit of the exact value.
    const sd = shortestDigits(a);
    const k = sd.d.length;
    if (k <= n) return k === n ? sd : { d: sd.d + '0'.repeat(n - k), pt: sd.pt };
    const tail = +sd.d.slice(n) * 10 ** (17 - k);
    const mid = 5 * 10 ** (16 - n);
    if (tail > mid + 12) {
      const inc = incDigits(sd.d.slice(0, n));
      return inc === null ? { d: '1' + '0'.repeat(n - 1), pt: sd.pt + 1 } : { d: inc, pt: sd.pt };
    }
    if (tail < mid - 12) return { d: sd.d.slice(0, n), pt: sd.pt };
  }
  if (n < 100) {
    // One more digit than needed, rounded by JS: below 5 the exact value rounds down to its first
    // n digits; above 5 JS's own rounding at n digits is right; only a 5 can be a tie.
    const s1 = a.toExponential(n);
    const e1 = s1.indexOf('e');
    const last = s1.charCodeAt(e1 - 1);
    if (last < 53) return { d: s1[0] + s1.slice(2, e1 - 1), pt: +s1.slice(e1 + 1) + 1 };
    if (last > 53) {
      const s = a.toExponential(n - 1);
      const e = s.indexOf('e');
      return { d: n === 1 ? s.slice(0, 1) : s[0] + s.slice(2, e), pt: +s.slice(e + 1) + 1 };
    }
  }
  const r = roundTo(exactDigits(a), n);
  if (r.d.length > n) return { d: r.d.slice(0, n), pt: r.pt };
  return r;
}

/** a (positive finite or zero) with exactly p digits after the point, as %f prints it. */
function fixedBody(a: number, p: number, alt: boolean): string {
  let s: string;
  if (a === 0) {
    s = p > 0 ? '0.' + '0'.repeat(p) : '0';
  } else {
    // As in sigDigits: one more digit by JS, then truncate (below 5) or round by JS (above 5).
    let last = 53;
    let s1 = '';
    if (a < 1e21 && p < 100) {
      s1 = a.toFixed(p + 1);
      last = s1.charCodeAt(s1.length - 1);
    }
    if (last < 53) s = s1.slice(0, p > 0 ? -1 : -2);
    else if (last > 53) s = a.toFixed(p);
    else {
      const x = exactDigits(a);
      const r = roundTo(x, x.pt + p);
      s = digitsToFixed(r.d, r.pt, p);
    }
  }
  if (alt && p === 0) s += '.';
  return s;
}

/** Renders digits d (value 0.d * 10^pt) with exactly p fraction digits. */
function digitsToFixed(d: string, pt: number, p: number): string {
  let intPart: string;
  let frac: string;
  if (pt <= 0) {
    intPart = '0';
    frac = ('0'.repeat(-pt) + d).slice(0, p);
  } else if (pt >= d.length) {
    intPart = d + '0'.repeat(pt - d.length);
    frac = '';
  } else {
    intPart = d.slice(0, pt);
    frac = d.slice(pt, pt + p);
  }
  if (intPart === '') intPart = '0';
  if (frac.length < p) frac += '0'.repeat(p - frac.length);
  return p > 0 ? intPart + '.' + frac : intPart;
}

function expSuffix(x: number, upper: boolean): string {
  const ax = x < 0 ? -x : x;
  return (upper ? 'E' : 'e') + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax));
}

/** %e body of a (positive finite or zero). */
function expBody(a: number, p: number, alt: boolean, upper: boolean): string {
  let d: string;
  let x: number;
  if (a === 0) {
    d = '0'.repeat(p + 1);
    x = 0;
  } else {
    const r = sigDigits(a, p + 1);
    d = r.d;
    x = r.pt - 1;
  }
  const mant = p > 0 || alt ? d[0] + '.' + d.slice(1) : d[0];
  return mant + expSuffix(x, upper);
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

/** %g body of a (positive finite or zero). */
function gBody(a: number, p: number, alt: boolean, upper: boolean): string {
  if (p === 0) p = 1;
  let d: string;
  let x: number;
  if (a === 0) {
    d = '0'.repeat(p);
    x = 0;
  } else {
    const r = sigDigits(a, p);
    d = r.d;
    x = r.pt - 1;
  }
  let s: string;
  if (x < -4 || x >= p) {
    let mant = p > 1 || alt ? d[0] + '.' + d.slice(1) : d[0];
    // glibc: the style is chosen before rounding; a %f-style item with no fraction digits that
    // rounds up to p+1 digits switches to %e keeping its zero fraction digits ("1.e+06").
    if (alt && x === p && a !== 0) {
      const s0 = a.toExponential();
      if (+s0.slice(s0.indexOf('e') + 1) === p - 1) mant = d[0] + '.';
    }
    if (!alt) mant = stripZeros(mant);
    s = mant + expSuffix(x, upper);
  } else {
    s = digitsToFixed(d, x + 1, p - 1 - x);
    if (alt) {
      if (p - 1 - x === 0) s += '.';
    } else s = stripZeros(s);
  }
  return s;
}

/**
 * C's printf("%.14g") exactly as Lua 5.1's tostring/concat of a number (LUAI_NUMFFORMAT): correct
 * rounding ties-to-even on the exact binary value, 'inf', '-inf', 'nan', '-nan', '-0'.
 */
export function numberToString(n: number): string {
  if (Number.isInteger(n)) {
    if (n < 1e14 && n > -1e14) return n === 0 && 1 / n < 0 ? '-0' : String(n);
  }
  return formatG(n, 14);
}

/**
 * printf("%.<p>g", n) for 1 <= p <= 99: numberToString (p = 14), cjson's number precision, and
 * formatG(n, 17) is how Redis 7.0 turns a Lua number into a command argument in redis.call.
 */
export function formatG(n: number, p: number): string {
  // Integers below 2^53 print exactly; with at most p digits %g prints them as they are.
  if (Number.isInteger(n) && n < 9007199254740992 && n > -9007199254740992 && n !== 0 && (p >= 16 || (n < 10 ** p && n > -(10 ** p)))) return String(n);
  if (n !== n) return signBit(n) ? '-nan' : 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return 1 / n < 0 ? '-0' : '0';
  const neg = n < 0;
  const a = neg ? -n : n;
  if (p <= 15 && a >= 1e-4 && a < 10 ** p) {
    // Both %g and JS write these in plain notation: when JS's shortest digits are at most p (<= 15),
    // they are what %g prints (no rounding, trailing zeros stripped).
    const js = String(a);
    if (js.length <= p + 1) return neg ? '-' + js : js;
  }
  const r = sigDigits(a, p);
  const x = r.pt - 1;
  const d = r.d;
  let s: string;
  if (x < -4 || x >= p) {
    let end = d.length;
    while (end > 1 && d.charCodeAt(end - 1) === 48) end--;
    s = (end > 1 ? d[0] + '.' + d.slice(1, end) : d[0]) + expSuffix(x, false);
  } else if (x >= 0) {
    let end = d.length;
    while (end > x + 1 && d.charCodeAt(end - 1) === 48) end--;
    s = end > x + 1 ? d.slice(0, x + 1) + '.' + d.slice(x + 1, end) : d.slice(0, x + 1);
  } else {
    let end = d.length;
    while (end > 1 && d.charCodeAt(end - 1) === 48) end--;
    s = '0.' + '0'.repeat(-x - 1) + d.slice(0, end);
  }
  return neg ? '-' + s : s;
}

// ---------------------------------------------------------------------------------------------
// One conversion

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  prec: number; // -1: none
  conv: string;
}

function parseSpec(spec: string): Spec {
  const s: Spec = { minus: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: -1, conv: '' };
  let i = spec.charCodeAt(0) === 37 ? 1 : 0;
  for (; i < spec.length; i++) {
    const c = spec[i];
    if (c === '-') s.minus = true;
    else if (c === '+') s.plus = true;
    else if (c === ' ') s.space = true;
    else if (c === '#') s.alt = true;
    else if (c === '0') s.zero = true;
    else break;
  }
  let w = 0;
  while (i < spec.length && spec.charCodeAt(i) >= 48 && spec.charCodeAt(i) <= 57) w = w * 10 + spec.charCodeAt(i++) - 48;
  s.width = w;
  if (spec[i] === '.') {
    i++;
    let p = 0;
    while (i < spec.length && spec.charCodeAt(i) >= 48 && spec.charCodeAt(i) <= 57) p = p * 10 + spec.charCodeAt(i++) - 48;
    s.prec = p;
  }
  s.conv = spec.slice(i);
  return s;
}

/** Pads body (with its sign/prefix `pre`) to the width, zero padding after the prefix when allowed. */
function pad(s: Spec, pre: string, body: string, zeroOk: boolean): string {
  const len = pre.length + body.length;
  if (len >= s.width) return pre + body;
  const fill = s.width - len;
  if (s.minus) return pre + body + ' '.repeat(fill);
  if (s.zero && zeroOk) return pre + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + pre + body;
}

const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/** (long)n as x86-64 converts it: truncation, NaN and out of range give LONG_MIN. Returns a decimal string. */
function toLongString(n: number): string {
  if (n !== n || n >= TWO63 || n < -TWO63) return '-9223372036854775808';
  const t = Math.trunc(n);
  if (t > -9007199254740992 && t < 9007199254740992) return t === 0 ? '0' : String(t);
  return BigInt(t).toString();
}

/** (unsigned long)n as gcc compiles it on x86-64. */
function toULong(n: number): bigint | number {
  if (n !== n) return 9223372036854775808n;
  if (n >= 0 && n < 9007199254740992) return Math.trunc(n);
  if (n < TWO63) {
    if (n < -TWO63) return 9223372036854775808n;
    const t = BigInt(Math.trunc(n));
    return t < 0n ? t + 18446744073709551616n : t;
  }
  const r = n - TWO63;
  if (r >= TWO63) return 0; // cvttsd2si overflow, then the high bit is flipped back off
  return BigInt(Math.trunc(r)) + 9223372036854775808n;
}

function intConv(s: Spec, n: number): string {
  const c = s.conv;
  let pre = '';
  let digits: string;
  if (c === 'd' || c === 'i') {
    digits = toLongString(n);
    if (digits.charCodeAt(0) === 45) {
      pre = '-';
      digits = digits.slice(1);
    } else if (s.plus) pre = '+';
    else if (s.space) pre = ' ';
  } else {
    const u = toULong(n);
    const radix = c === 'o' ? 8 : c === 'u' ? 10 : 16;
    digits = u.toString(radix);
    if (c === 'X') digits = digits.toUpperCase();
    if (s.alt && u != 0) {
      if (c === 'x') pre = '0x';
      else if (c === 'X') pre = '0X';
    }
  }
  if (s.prec >= 0) {
    if (s.prec === 0 && digits === '0') digits = '';
    else if (digits.length < s.prec) digits = '0'.repeat(s.prec - digits.length) + digits;
  }
  if (s.alt && c === 'o' && digits.charCodeAt(0) !== 48) digits = '0' + digits;
  return pad(s, pre, digits, s.prec < 0);
}

function floatConv(s: Spec, n: number): string {
  const c = s.conv;
  const upper = c === 'E' || c === 'G';
  const neg = signBit(n);
  const pre = neg ? '-' : s.plus ? '+' : s.space ? ' ' : '';
  if (n !== n || n === Infinity || n === -Infinity) {
    const body = n !== n ? 'nan' : 'inf';
    return pad(s, pre, upper ? body.toUpperCase() : body, false);
  }
  const a = neg ? -n : n;
  const p = s.prec < 0 ? 6 : s.prec;
  let body: string;
  if (c === 'f') body = fixedBody(a, p, s.alt);
  else if (c === 'e' || c === 'E') body = expBody(a, p, s.alt, upper);
  else body = gBody(a, p, s.alt, upper);
  return pad(s, pre, body, true);
}

/** printf-style formatting of one conversion: spec like '%-5.2f' (flags, width, precision, conversion), value already checked. */
export function formatNumberSpec(spec: string, n: number): string {
  const s = parseSpec(spec);
  switch (s.conv) {
    case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
      return intConv(s, n);
    case 'e': case 'E': case 'f': case 'g': case 'G':
      return floatConv(s, n);
    case 'c':
      return charConv(s, n);
    default:
      throw new Error(`formatNumberSpec: unsupported conversion '${s.conv}'`);
  }
}

function charConv(s: Spec, n: number): string {
  // (int)n: truncation; NaN / out of int range give INT_MIN (low byte 0).
  const t = n !== n || n >= 2147483648 || n < -2147483648 ? 0 : Math.trunc(n) & 0xff;
  if (t === 0) {
    // sprintf wrote a NUL; Lua keeps strlen(buff) bytes: only the padding before it.
    return s.minus || s.width <= 1 ? '' : ' '.repeat(s.width - 1);
  }
  return pad(s, '', String.fromCharCode(t), false);
}

// ---------------------------------------------------------------------------------------------
// strtod / lua_str2number

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** mantissa * 2^exp rounded to the nearest double (ties to even). */
function scaleBinary(mant: bigint, exp: number): number {
  if (mant === 0n) return 0;
  const bits = mant.toString(2).length;
  // Keep 53 significant bits (fewer in the subnormal range), round half to even on the rest.
  let keep = 53;
  const topExp = exp + bits - 1; // exponent of the leading bit
  if (topExp < -1022) keep = Math.max(0, 53 - (-1022 - topExp));
  if (bits > keep) {
    const drop = BigInt(bits - keep);
    const q = mant >> drop;
    const rem = mant - (q << drop);
    const half = 1n << (drop - 1n);
    let r = q;
    if (rem > half || (rem === half && (q & 1n) === 1n)) r = q + 1n;
    mant = r;
    exp += bits - keep;
  }
  if (exp > 1100) return Infinity;
  let v = Number(mant);
  // Multiply in steps so no intermediate power of two under/overflows.
  while (exp > 0) {
    const s = Math.min(exp, 1000);
    v *= 2 ** s;
    exp -= s;
  }
  while (exp < 0) {
    const s = Math.max(exp, -1000);
    v *= 2 ** s;
    exp -= s;
  }
  return v;
}

/**
 * glibc strtod in the C locale, starting at `start`: returns [value, end] (end === start when no
 * number was read). Leading whitespace, sign, decimal, hexadecimal (0x1.8p3), inf/infinity,
 * nan/nan(chars). The string is a byte string; a NUL byte ends it, as in C.
 */
export function strtod(s: string, start = 0): [number, number] {
  let i = start;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i++;
  }
  const c = s.charCodeAt(i);
  // hexadecimal
  if (c === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    let j = i + 2;
    let mant = 0n;
    let any = false;
    let fracDigits = 0;
    let h: number;
    while ((h = hexVal(s.charCodeAt(j))) >= 0) {
      mant = mant * 16n + BigInt(h);
      any = true;
      j++;
    }
    if (s.charCodeAt(j) === 46) {
      let k = j + 1;
      let anyFrac = false;
      while ((h = hexVal(s.charCodeAt(k))) >= 0) {
        mant = mant * 16n + BigInt(h);
        fracDigits++;
        anyFrac = true;
        k++;
      }
      if (any || anyFrac) {
        any = true;
        j = k;
      }
    }
    if (any) {
      let exp = 0;
      if ((s.charCodeAt(j) | 0x20) === 112) {
        let k = j + 1;
        let eneg = false;
        const sc = s.charCodeAt(k);
        if (sc === 45 || sc === 43) {
          eneg = sc === 45;
          k++;
        }
        if (isDigit(s.charCodeAt(k))) {
          let e = 0;
          while (isDigit(s.charCodeAt(k))) {
            if (e < 100000) e = e * 10 + s.charCodeAt(k) - 48;
            k++;
          }
          exp = eneg ? -e : e;
          j = k;
        }
      }
      const v = scaleBinary(mant, exp - 4 * fracDigits);
      return [neg ? -v : v, j];
    }
    // "0x" without digits: the "0" is the number
    return [neg ? -0 : 0, i + 1];
  }
  const lc = c | 0x20;
  if (lc === 105) {
    if ((s.charCodeAt(i + 1) | 0x20) === 110 && (s.charCodeAt(i + 2) | 0x20) === 102) {
      let j = i + 3;
      if (s.slice(j, j + 5).toLowerCase() === 'inity') j += 5;
      return [neg ? -Infinity : Infinity, j];
    }
    return [0, start];
  }
  if (lc === 110) {
    if ((s.charCodeAt(i + 1) | 0x20) === 97 && (s.charCodeAt(i + 2) | 0x20) === 110) {
      let j = i + 3;
      if (s.charCodeAt(j) === 40) {
        let k = j + 1;
        while (k < n) {
          const ch = s.charCodeAt(k);
          if (isDigit(ch) || ((ch | 0x20) >= 97 && (ch | 0x20) <= 122) || ch === 95) k++;
          else break;
        }
        if (s.charCodeAt(k) === 41) j = k + 1;
      }
      return [neg ? -NaN : NaN, j];
    }
    return [0, start];
  }
  // decimal
  let j = i;
  let any = false;
  while (isDigit(s.charCodeAt(j))) {
    j++;
    any = true;
  }
  if (s.charCodeAt(j) === 46) {
    let k = j + 1;
    let anyFrac = false;
    while (isDigit(s.charCodeAt(k))) {
      k++;
      anyFrac = true;
    }
    if (any || anyFrac) {
      any = true;
      j = k;
    }
  }
  if (!any) return [0, start];
  if ((s.charCodeAt(j) | 0x20) === 101) {
    let k = j + 1;
    const sc = s.charCodeAt(k);
    if (sc === 45 || sc === 43) k++;
    if (isDigit(s.charCodeAt(k))) {
      while (isDigit(s.charCodeAt(k))) k++;
      j = k;
    }
  }
  const v = Number(s.slice(i, j));
  return [neg ? -v : v, j];
}

/** lua_tonumber of a string (luaO_str2d): strtod over the C string, trailing spaces allowed; undefined if not a number. */
export function str2number(s: string): number | undefined {
  // Fast path: [-]digits, at most 15 chars (exact below 2^53; "-0" is -0 as strtod reads it).
  const len = s.length;
  if (len > 0 && len <= 15) {
    const neg = s.charCodeAt(0) === 45;
    let i = neg ? 1 : 0;
    if (i < len) {
      let x = 0;
      for (; i < len; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        x = x * 10 + d;
      }
      if (i === len) return neg ? -x : x;
    }
  }
  const [v, end] = strtod(s, 0);
  if (end === 0) return undefined;
  let i = end;
  const c = s.charCodeAt(i);
  if (c === 120 || c === 88) return undefined; // strtoul would read no more than strtod did ("0x")
  const n = s.length;
  if (i >= n || c === 0) return v;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i < n && s.charCodeAt(i) !== 0) return undefined;
  return v;
}

// ---------------------------------------------------------------------------------------------
// string.format

const FLAGS = '-+ #0';

function checkNumber(v: LuaValue, argn: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = str2number(v);
    if (n !== undefined) return n;
  }
  return typeError(argn, 'format', 'number', v, true);
}

function quoted(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c === 10) rep = '\\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 0) rep = '\\000';
    if (rep !== undefined) {
      out += s.slice(from, i) + rep;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

/**
 * string.format(fmt, ...args) exactly as Lua 5.1.5's str_format. `args` are the arguments after
 * the format (args[0] is argument #2). `tostr` converts a value for %s and %q (luaL_checklstring).
 */
export function stringFormat(fmt: string, args: LuaValue[], tostr: (v: LuaValue, argIndex: number) => string): string {
  let out = '';
  let i = 0;
  const n = fmt.length;
  let arg = 0; // index into args of the next argument
  let lit = 0; // start of pending literal text
  while (i < n) {
    if (fmt.charCodeAt(i) !== 37) {
      i++;
      continue;
    }
    out += fmt.slice(lit, i);
    i++;
    if (fmt.charCodeAt(i) === 37) {
      out += '%';
      i++;
      lit = i;
      continue;
    }
    // format item
    const argn = arg + 2;
    if (arg >= args.length) argError(argn, 'format', 'no value');
    const v = args[arg++];
    const specStart = i;
    let p = i;
    while (p < n && fmt.charCodeAt(p) !== 0 && FLAGS.indexOf(fmt[p]) >= 0) p++;
    if (p - specStart >= 6) luaLError('invalid format (repeated flags)');
    if (isDigit(fmt.charCodeAt(p))) p++;
    if (isDigit(fmt.charCodeAt(p))) p++;
    if (fmt.charCodeAt(p) === 46) {
      p++;
      if (isDigit(fmt.charCodeAt(p))) p++;
      if (isDigit(fmt.charCodeAt(p))) p++;
    }
    if (isDigit(fmt.charCodeAt(p))) luaLError('invalid format (width or precision too long)');
    const conv = p < n ? fmt[p] : '\0';
    const spec = fmt.slice(specStart, p);
    i = p + 1;
    lit = i;
    switch (conv) {
      case 'c':
        out += charConv(parseSpec(spec + conv), checkNumber(v, argn));
        break;
      case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
        out += intConv(parseSpec(spec + conv), checkNumber(v, argn));
        break;
      case 'e': case 'E': case 'f': case 'g': case 'G':
        out += floatConv(parseSpec(spec + conv), checkNumber(v, argn));
        break;
      case 'q':
        out += quoted(tostr(v, argn));
        break;
      case 's': {
        const s = tostr(v, argn);
        if (spec.indexOf('.') < 0 && s.length >= 100) {
          out += s;
        } else {
          const z = s.indexOf('\0');
          let str = z >= 0 ? s.slice(0, z) : s;
          const sp = parseSpec(spec + conv);
          if (sp.prec >= 0 && str.length > sp.prec) str = str.slice(0, sp.prec);
          out += pad(sp, '', str, false);
        }
        break;
      }
      default:
        luaLError(`invalid option '%${conv === '\0' ? '' : conv}' to 'format'`);
    }
  }
  return lit < n ? out + fmt.slice(lit) : out;
}
