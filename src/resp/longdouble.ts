/**
 * x87 80-bit `long double` arithmetic, emulated exactly, for INCRBYFLOAT and
 * HINCRBYFLOAT.
 *
 * Redis (x86-64 builds) computes these commands with C `long double`: the
 * 80-bit extended format with a 64-bit significand (explicit integer bit),
 * 15-bit exponent, gradual underflow down to 2^-16445. It parses with
 * `strtold` (correctly rounded, round-half-even) through `string2ld`, adds in
 * extended precision, and prints with `ld2string(..., LD_STR_HUMAN)`:
 * `printf("%.17Lf")` (exact decimal expansion, ties to even), then trailing
 * zeros and a trailing '.' are removed and "-0" becomes "0".
 *
 * Values are kept as exact binary numbers with BigInt significands, so every
 * step rounds exactly as the hardware does.
 */

/** A long double value: (-1)^neg * mant * 2^exp, or an infinity; NaN is never produced here (see add). */
export interface LongDouble {
  readonly neg: boolean;
  /** Significand, < 2^64. 0n for zero. */
  readonly mant: bigint;
  readonly exp: number;
  /** True for +/- infinity (mant and exp are then meaningless). */
  readonly inf: boolean;
}

/** Significand bits of the x87 extended format. */
const MANT_BITS = 64;
/** Exponent of the least significant bit of the smallest subnormal: 2^-16445. */
const MIN_EXP = -16445;
/** A value whose bit length + exponent exceeds this is >= 2^16384: overflow. */
const MAX_TOP = 16384;
/** string2ld rejects inputs this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const ZERO: LongDouble = { neg: false, mant: 0n, exp: 0, inf: false };
const NEG_ZERO: LongDouble = { neg: true, mant: 0n, exp: 0, inf: false };
const POS_INF: LongDouble = { neg: false, mant: 0n, exp: 0, inf: true };
const NEG_INF: LongDouble = { neg: true, mant: 0n, exp: 0, inf: true };

function bitLength(n: bigint): number {
  // n > 0. toString(16) is linear and exact.
  const h = n.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

/**
 * Round the exact value (-1)^neg * (mant + (sticky ? a bit more than 0 : 0)) * 2^exp
 * to the nearest long double, ties to even. Callers that pass `sticky` give at
 * least two bits beyond the 64 kept, so the tie test is exact.
 */
function round(neg: boolean, mant: bigint, exp: number, sticky: boolean): LongDouble {
  if (mant === 0n) return neg ? NEG_ZERO : ZERO;
  const bl = bitLength(mant);
  if (bl + exp > MAX_TOP) return neg ? NEG_INF : POS_INF;
  const shift = Math.max(bl - MANT_BITS, MIN_EXP - exp);
  if (shift > 0) {
    const sh = BigInt(shift);
    let q = mant >> sh;
    const r = mant - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (sticky || (q & 1n) === 1n))) q += 1n;
    exp += shift;
    if (q >> BigInt(MANT_BITS) !== 0n) {
      q >>= 1n;
      exp += 1;
    }
    mant = q;
    if (mant === 0n) return neg ? NEG_ZERO : ZERO;
    if (bitLength(mant) + exp > MAX_TOP) return neg ? NEG_INF : POS_INF;
  }
  return { neg, mant, exp, inf: false };
}

const isCSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

const DEC_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/** Parse an exponent with saturation (strtold accepts any number of digits). */
function expValue(s: string | undefined): number {
  if (s === undefined) return 0;
  const neg = s[0] === '-';
  const digits = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
  const t = digits.replace(/^0+/, '');
  const v = t.length > 12 ? 1e12 : Number(t || '0');
  return neg ? -v : v;
}

/**
 * strtold on the whole input, as string2ld uses it: null when the input is
 * not entirely a number, or when strtold reports a range error with an
 * overflowed or zero result. Infinities ("inf", "-Infinity") are accepted.
 */
function strtold(t: string): LongDouble | null {
  let m = DEC_RE.exec(t);
  if (m !== null) {
    const neg = m[1] === '-';
    let intPart = m[2] ?? '';
    let frac = m[3] ?? m[4] ?? '';
    if (m[4] !== undefined) intPart = '';
    let digits = intPart + frac;
    let e10 = expValue(m[5]) - frac.length;
    // Strip leading zeros (they do not change the value) and trailing zeros (fold into the exponent).
    digits = digits.replace(/^0+/, '');
    const tz = digits.length - digits.replace(/0+$/, '').length;
    if (tz > 0) {
      digits = digits.slice(0, digits.length - tz);
      e10 += tz;
    }
    frac = '';
    if (digits.length === 0) return neg ? NEG_ZERO : ZERO;
    const nd = digits.length;
    // value in [10^(nd-1+e10), 10^(nd+e10)). Max long double ~1.19e4932; half the
    // smallest subnormal ~1.82e-4951.
    if (nd - 1 + e10 > 4933) return null; // overflow: ERANGE + HUGE_VAL
    if (nd + e10 < -4952) return null; // underflow to zero: ERANGE + 0
    const D = BigInt(digits);
    let r: LongDouble;
    if (e10 >= 0) r = round(neg, D * 10n ** BigInt(e10), 0, false);
    else {
      const den = 10n ** BigInt(-e10);
      const s = Math.max(0, MANT_BITS + 2 + bitLength(den) - bitLength(D));
      const num = D << BigInt(s);
      const q = num / den;
      r = round(neg, q, -s, q * den !== num);
    }
    if (r.inf || r.mant === 0n) return null;
    return r;
  }
  m = HEX_RE.exec(t);
  if (m !== null) {
    const neg = m[1] === '-';
    const intPart = m[4] !== undefined ? '' : (m[2] ?? '');
    const frac = m[4] ?? m[3] ?? '';
    const hex = (intPart + frac).replace(/^0+/, '');
    if (hex.length === 0) return neg ? NEG_ZERO : ZERO;
    const H = BigInt('0x' + hex);
    const e2 = expValue(m[5]) - 4 * frac.length;
    const top = bitLength(H) + e2;
    if (top > MAX_TOP) return null;
    if (top <= MIN_EXP - 1) return null;
    const r = round(neg, H, e2, false);
    if (r.inf || r.mant === 0n) return null;
    return r;
  }
  m = INF_RE.exec(t);
  if (m !== null) return m[1] === '-' ? NEG_INF : POS_INF;
  return null; // includes every form of nan (string2ld rejects NaN)
}

/**
 * Redis's string2ld: the value of a string as a long double, or null when
 * Redis would say it is not a valid float. Rules: empty or >= 5120 bytes is
 * invalid; a leading space is invalid; strtold must consume every byte (so a
 * NUL byte anywhere makes it invalid); NaN, overflow and underflow to zero are
 * invalid; "inf"/"-inf" are valid infinities.
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS) return null;
  if (isCSpace(s.charCodeAt(0))) return null;
  return strtold(s);
}

/** `a + b` in long double arithmetic. Returns null for NaN (inf + -inf). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.mant === 0n && b.mant === 0n) return a.neg && b.neg ? NEG_ZERO : ZERO;
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const ma = a.mant << BigInt(a.exp - e);
  const mb = b.mant << BigInt(b.exp - e);
  const sum = (a.neg ? -ma : ma) + (b.neg ? -mb : mb);
  if (sum === 0n) return ZERO; // x + (-x) is +0 when rounding to nearest
  return sum < 0n ? round(true, -sum, e, false) : round(false, sum, e, false);
}

export const isFiniteLongDouble = (x: LongDouble): boolean => !x.inf;

const TEN17 = 10n ** 17n;

/**
 * ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing dot)
 * removed, "-0" printed as "0"; infinities as "inf" / "-inf".
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  let fixed: bigint; // |x| * 10^17, rounded half to even
  if (x.mant === 0n) fixed = 0n;
  else if (x.exp >= 0) fixed = (x.mant << BigInt(x.exp)) * TEN17;
  else {
    const sh = BigInt(-x.exp);
    const num = x.mant * TEN17;
    let q = num >> sh;
    const r = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    fixed = q;
  }
  const ip = fixed / TEN17;
  let frac = (fixed % TEN17).toString().padStart(17, '0').replace(/0+$/, '');
  let s = ip.toString();
  if (frac.length) s += '.' + frac;
  frac = '';
  if (x.neg) s = '-' + s;
  return s === '-0' ? '0' : s;
}

/** Why incrByFloat failed; callers choose the error message. */
export type IncrByFloatFailure =
  /** The increment is not a valid float. */
  | 'increment-not-float'
  /** The increment is +/-inf (only with `rejectInfiniteIncrement`). */
  | 'increment-not-finite'
  /** The current value is not a valid float. */
  | 'value-not-float'
  /** The sum is NaN or infinite. */
  | 'result-not-finite';

export class IncrByFloatError extends Error {
  constructor(readonly reason: IncrByFloatFailure) {
    super(reason);
    this.name = 'IncrByFloatError';
  }
}

/**
 * current + increment, as INCRBYFLOAT / HINCRBYFLOAT compute and print it.
 * `current` null means a missing key/field (0). Checks, in order:
 * increment parse, (optionally) increment infinite, current parse, result finite.
 *
 * INCRBYFLOAT: 'increment-not-float' and 'value-not-float' are both
 *   `ERR value is not a valid float`; 'result-not-finite' is
 *   `ERR increment would produce NaN or Infinity`.
 * HINCRBYFLOAT (pass `{ rejectInfiniteIncrement: true }`): 'increment-not-float'
 *   -> `ERR value is not a valid float`, 'increment-not-finite' ->
 *   `ERR value is NaN or Infinity`, 'value-not-float' -> `ERR hash value is not
 *   a float`, 'result-not-finite' -> `ERR increment would produce NaN or Infinity`.
 *
 * Throws IncrByFloatError.
 */
export function incrByFloat(current: string | null, increment: string, opts?: { rejectInfiniteIncrement?: boolean }): string {
  const incr = parseLongDouble(increment);
  if (incr === null) throw new IncrByFloatError('increment-not-float');
  if (incr.inf && opts?.rejectInfiniteIncrement) throw new IncrByFloatError('increment-not-finite');
  let value = ZERO;
  if (current !== null) {
    const v = parseLongDouble(current);
    if (v === null) throw new IncrByFloatError('value-not-float');
    value = v;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null || sum.inf) throw new IncrByFloatError('result-not-finite');
  return formatLongDouble(sum);
}
