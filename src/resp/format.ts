/**
 * Number formatting exactly as Redis prints numbers.
 */

import { binaryString } from './bytes.js';

/**
 * C's `printf("%.17g", d)` (glibc: exact decimal expansion, round half to
 * even), which Redis 7.0 uses for doubles (ZSCORE, RESP3 doubles, ...).
 */
export function formatDouble(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Integers that print exactly: the common case for scores.
  if (Number.isSafeInteger(d) && Math.abs(d) < 1e17) return String(d);
  return formatG(d, 17);
}

/** `%.<precision>g` with C semantics. */
export function formatG(d: number, precision: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const { digits, exp10 } = roundSignificant(Math.abs(d), precision);
  // digits: exactly `precision` digits, value = 0.d1d2... * 10^(exp10+1) i.e. d1.d2... * 10^exp10
  const neg = d < 0 ? '-' : '';
  if (exp10 < -4 || exp10 >= precision) {
    let mant = digits[0];
    const rest = digits.slice(1).replace(/0+$/, '');
    if (rest.length) mant += '.' + rest;
    const ae = Math.abs(exp10);
    return `${neg}${mant}e${exp10 < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
  }
  let s: string;
  if (exp10 >= 0) {
    const intPart = digits.slice(0, exp10 + 1);
    const frac = digits.slice(exp10 + 1).replace(/0+$/, '');
    s = frac.length ? `${intPart}.${frac}` : intPart;
  } else {
    const frac = ('0'.repeat(-exp10 - 1) + digits).replace(/0+$/, '');
    s = `0.${frac}`;
  }
  return neg + s;
}

/**
 * Round a positive finite double to `p` significant digits, half to even on
 * the exact binary value (as glibc does).
 */
function roundSignificant(x: number, p: number): { digits: string; exp10: number } {
  // toExponential(n) is exact-decimal with ties rounded up; use extra digits
  // to detect a possible tie and then fall back to exact arithmetic.
  const wide = x.toExponential(p + 2); // d.ddd…e±x with p+3 significant digits: a 3-digit tail
  const eIdx = wide.indexOf('e');
  const mant = wide.slice(0, eIdx).replace('.', '');
  const tail = mant.slice(p);
  if (tail !== '500' && tail !== '499' && tail !== '501') {
    const r = x.toExponential(p - 1);
    const ri = r.indexOf('e');
    return { digits: r.slice(0, ri).replace('.', ''), exp10: Number(r.slice(ri + 1)) };
  }
  return roundExact(x, p);
}

/** A finite non-negative double as mant * 2^e2, exactly. */
export function decomposeDouble(x: number): { mant: bigint; e2: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (bexp === 0) return { mant, e2: -1074 };
  return { mant: mant | (1n << 52n), e2: bexp - 1075 };
}

/** Exact decimal expansion of a double via BigInt, then round half-even. */
function roundExact(x: number, p: number): { digits: string; exp10: number } {
  const { mant, e2 } = decomposeDouble(x);
  // value = mant * 2^e2 = N / 10^scale
  let N: bigint;
  let scale: number;
  if (e2 >= 0) {
    N = mant << BigInt(e2);
    scale = 0;
  } else {
    N = mant * 5n ** BigInt(-e2);
    scale = -e2;
  }
  const all = N.toString();
  const exp10 = all.length - 1 - scale;
  if (all.length <= p) return { digits: all.padEnd(p, '0'), exp10 };
  let head = BigInt(all.slice(0, p));
  const rest = all.slice(p);
  const first = rest.charCodeAt(0) - 48;
  const restNonZero = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && (restNonZero || (head & 1n) === 1n))) head += 1n;
  let digits = head.toString();
  let e = exp10;
  if (digits.length > p) {
    digits = digits.slice(0, p);
    e += 1;
  }
  return { digits, exp10: e };
}

/** Parse a Redis integer argument (string2ll semantics): strict, int64 range. */
export function parseIntStrict(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 /* - */) {
    neg = true;
    i = 1;
    if (len === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return len === 1 ? 0 : null; // "0" only; no leading zeros, no "-0"
  if (first < 49 || first > 57) return null;
  if (len - i <= 15) {
    let n = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    return neg ? -n : n;
  }
  for (let j = i; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  return Number.isSafeInteger(Number(b)) ? Number(b) : b;
}

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

const INT_SCRATCH = Buffer.allocUnsafe(24);

/** The strings of 0..9999, made on first use and kept (as Redis shares the objects of 0..9999). */
const SMALL_INTS: (string | undefined)[] = new Array(10000).fill(undefined);
/** 0000..9999: the last four digits of a larger integer. */
const FOUR_DIGITS: (string | undefined)[] = new Array(10000).fill(undefined);

function smallInt(n: number): string {
  const s = SMALL_INTS[n];
  return s !== undefined ? s : (SMALL_INTS[n] = digits(n));
}

function fourDigits(n: number): string {
  const s = FOUR_DIGITS[n];
  return s !== undefined ? s : (FOUR_DIGITS[n] = digits(n + 10000).slice(1));
}

/**
 * The decimal string of a safe integer. Unlike String(n) this does not go
 * through V8's number-to-string cache, which keeps every result alive long
 * enough to be promoted to the old generation: INCR on a counter would
 * otherwise leave one old-space string per increment for the major GC to
 * collect. 0..9999 come from a table; up to 8 digits are two table strings
 * joined (one short flat string); larger ones are built from their digits.
 */
export function intToString(n: number): string {
  if (n >= 0) {
    if (n < 10000) return smallInt(n);
    if (n < 100000000) {
      const hi = Math.floor(n / 10000);
      return smallInt(hi) + fourDigits(n - hi * 10000);
    }
    return digits(n);
  }
  if (n > -10000) return '-' + smallInt(-n);
  return '-' + digits(-n);
}

/** The digits of a non-negative safe integer. */
function digits(n: number): string {
  const b = INT_SCRATCH;
  let p = 24;
  do {
    const q = Math.floor(n / 10);
    b[--p] = 48 + (n - q * 10);
    n = q;
  } while (n !== 0);
  return binaryString(b, p, 24 - p);
}
