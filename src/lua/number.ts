/** String -> number conversions as Lua 5.1 does them on glibc (luaO_str2d = strtod + hex, tonumber(s, base) = strtoul). */

function isSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** glibc strtod on s from `i`: [value, end index] (end === i when nothing was parsed). */
function strtod(s: string, i: number): [number, number] {
  const n = s.length;
  const start = i;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) { neg = c === 45; i++; }
  // inf / infinity / nan
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) {
    const len = rest.startsWith('infinity') ? 8 : 3;
    return [neg ? -Infinity : Infinity, i + len];
  }
  if (rest.startsWith('nan')) {
    let j = i + 3;
    if (s.charCodeAt(j) === 40) { // nan(chars)
      let k = j + 1;
      while (k < n && /[0-9A-Za-z_]/.test(s[k]!)) k++;
      if (s.charCodeAt(k) === 41) j = k + 1;
    }
    return [NaN, j];
  }
  c = s.charCodeAt(i);
  if (c === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
    // hex float: 0x h* [. h*] [p [+-] d+]
    let j = i + 2;
    let mant = 0;
    let any = false;
    let exp = 0;
    while (j < n && hexVal(s.charCodeAt(j)) >= 0) { mant = mant * 16 + hexVal(s.charCodeAt(j)); j++; any = true; }
    if (s.charCodeAt(j) === 46) {
      let k = j + 1;
      let anyf = false;
      while (k < n && hexVal(s.charCodeAt(k)) >= 0) { mant = mant * 16 + hexVal(s.charCodeAt(k)); exp -= 4; k++; anyf = true; }
      if (any || anyf) { j = k; any = true; }
    }
    if (!any) return [neg ? -0 : 0, i + 1]; // parsed "0", stops at 'x'
    if ((s.charCodeAt(j) | 32) === 112) {
      let k = j + 1;
      let eneg = false;
      const ec = s.charCodeAt(k);
      if (ec === 43 || ec === 45) { eneg = ec === 45; k++; }
      if (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
        let e = 0;
        while (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) { e = Math.min(e * 10 + (s.charCodeAt(k) - 48), 100000); k++; }
        exp += eneg ? -e : e;
        j = k;
      }
    }
    const v = mant * Math.pow(2, exp);
    return [neg ? -v : v, j];
  }
  // decimal
  let j = i;
  let digits = 0;
  while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) { j++; digits++; }
  if (s.charCodeAt(j) === 46) {
    j++;
    while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) { j++; digits++; }
  }
  if (digits === 0) return [0, start];
  if ((s.charCodeAt(j) | 32) === 101) {
    let k = j + 1;
    const ec = s.charCodeAt(k);
    if (ec === 43 || ec === 45) k++;
    if (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
      while (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      j = k;
    }
  }
  const v = Number(s.slice(i, j));
  return [neg ? -v : v, j];
}

/** luaO_str2d: the whole string (surrounding spaces allowed) must be a number. */
export function str2number(s: string): number | undefined {
  const [v, end] = strtod(s, 0);
  if (end === 0) return undefined;
  let i = end;
  // C: after strtod, an 'x' means try strtoul(s, 16): it never parses more than strtod did here
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i !== n) return undefined;
  return v;
}

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
  if (i !== n) return undefined;
  return Number(v);
}
