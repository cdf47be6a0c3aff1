/** String -> number conversions as Lua 5.1 does them on glibc (luaO_str2d = strtod + hex, tonumber(s, base) = strtoul). */

function isSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** luaO_str2d: one implementation, glibc's strtod in lib/format.ts (string.format and the libraries use it too). */
export { str2number } from './lib/format.js';

/** tonumber(s, base) for base != 10: strtoul then trailing spaces only. */
export function strtoulNumber(s: string, base: number): number | undefined {
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) { neg = c === 45; i++; }
  if (base === 16 && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 && hexVal(s.charCodeAt(i + 2)) >= 0) i += 2;
  let v = 0n;
  const b = BigInt(base);
  const startDigits = i;
  let overflow = false;
  const MAX = (1n << 64n) - 1n;
  while (i < n) {
    const ch = s.charCodeAt(i);
    let d: number;
    if (ch >= 48 && ch <= 57) d = ch - 48;
    else if (ch >= 97 && ch <= 122) d = ch - 87;
    else if (ch >= 65 && ch <= 90) d = ch - 55;
    else break;
    if (d >= base) break;
    v = v * b + BigInt(d);
    if (v > MAX) overflow = true;
    i++;
  }
  if (i === startDigits) return undefined;
  if (overflow) v = MAX;
  else if (neg) v = (-v) & MAX;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  // A C string: a NUL byte ends it.
  if (i !== n && s.charCodeAt(i) !== 0) return undefined;
  return Number(v);
}
