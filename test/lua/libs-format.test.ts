/**
 * format.ts against Debian's lua5.1: string.format over hand-picked and generated (spec, value)
 * pairs and tostring over random doubles, compared by printed output (many per lua5.1 run).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { luaOracleMode, runLua51 } from '../support/lua-oracle.js';
import { numberToString, stringFormat, str2number, formatG } from '../../src/lua/lib/format.js';
import { LuaError, type LuaValue } from '../../src/lua/value.js';

// The samples below are random on each live run; recorded and replayed runs need the same chunks.
if (luaOracleMode() !== 'live') fc.configureGlobal({ seed: 51 });

/** Runs a Lua 5.1 chunk with lua5.1 (or its recording) and returns stdout as latin1. */
function lua(src: string): string {
  const r = runLua51(src);
  if (r.status !== 0) throw new Error(`lua5.1 exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A Lua source literal for a JS value (numbers round-trip exactly). */
function lit(v: LuaValue): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'number') {
    if (v !== v) return '(-(0/0))';
    if (v === Infinity) return '(1/0)';
    if (v === -Infinity) return '(-1/0)';
    if (v === 0) return 1 / v < 0 ? '(-tonumber("0"))' : '0';
    return '(' + v.toPrecision(17) + ')';
  }
  if (typeof v === 'string') {
    let s = '"';
    for (let i = 0; i < v.length; i++) s += '\\' + v.charCodeAt(i);
    return s + '"';
  }
  if (typeof v === 'boolean') return String(v);
  return '{}';
}

function ourTostr(v: LuaValue, argn: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  throw new LuaError(`bad argument #${argn} to 'format' (string expected, got ${v === undefined ? 'nil' : typeof v === 'boolean' ? 'boolean' : 'table'})`);
}

/** Our result printed like the Lua harness prints it. */
function ours(fmt: string, args: LuaValue[]): string {
  try {
    return 'OK ' + stringFormat(fmt, args, ourTostr);
  } catch (e) {
    if (e instanceof LuaError) return 'ERR ' + String(e.value);
    throw e;
  }
}

const HARNESS = `
local function t(...)
  local ok, r = pcall(string.format, ...)
  if ok then io.write('OK ', r, '\\n') else io.write('ERR ', (string.gsub(r, "to '%?'", "to 'format'")), '\\n') end
end
`;

function compareFormats(cases: [string, LuaValue[]][]): void {
  const src = HARNESS + cases.map(([f, a]) => `t(${[lit(f), ...a.map(lit)].join(', ')})`).join('\n');
  const expected = lua(src).split('\n');
  // Each case prints one line unless its output contains newlines: compare the joined outputs case by case.
  const mine = cases.map(([f, a]) => ours(f, a));
  const joined = mine.join('\n') + '\n';
  if (joined !== expected.join('\n')) {
    // find the first differing case for a readable failure
    let pos = 0;
    for (let i = 0; i < cases.length; i++) {
      const line = mine[i];
      const theirs = expected.slice(pos, pos + line.split('\n').length).join('\n');
      pos += line.split('\n').length;
      expect({ fmt: cases[i][0], args: cases[i][1], out: line }).toEqual({ fmt: cases[i][0], args: cases[i][1], out: theirs });
    }
  }
}

const NUMS = [0, -0, 1, -1, 0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 0.1, 1 / 3, 2 / 3, 1e-5, 1e-4, 123456, 1234567, 12345678901234.5,
  1e14, 1e15, 1e16, 1e21, 1e22, 1e100, 1e300, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1700000000000,
  2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, 1e19, -1e19, 1e30, -1e30, 255, 256 + 65, -191, 65, 0.25, 0.125,
  0.375, 1.125, 1.0000000000000002, 9.5, 99.5, 0.05, 0.15, 0.45, 999999.5, 9999999.5, Infinity, -Infinity, NaN];

describe('numberToString vs lua5.1 print', () => {
  it('fixed and random doubles', () => {
    const rnd = fc.sample(fc.oneof(fc.double({ noNaN: true }), fc.integer().map((i) => i / 8), fc.double({ min: -1e20, max: 1e20, noNaN: true }),
      fc.integer({ min: -1e9, max: 1e9 }).map((i) => i * 1e6 + 0.5), fc.nat(99999).map((i) => i / 100000)), 3000);
    const vals = [...NUMS, ...rnd];
    const out = lua(vals.map((v) => `print(${lit(v)})`).join('\n')).split('\n');
    for (let i = 0; i < vals.length; i++) expect([vals[i], numberToString(vals[i])]).toEqual([vals[i], out[i]]);
  });
  it('values next to the 15th-digit midpoints (the rounding fast path must step aside)', () => {
    const f = new Float64Array(1);
    const b = new BigInt64Array(f.buffer);
    const step = (x: number, d: number): number => {
      f[0] = x;
      b[0] += BigInt(d);
      return f[0];
    };
    const vals: number[] = [];
    for (const [m, e] of fc.sample(fc.tuple(fc.integer({ min: 10000000000000, max: 99999999999999 }), fc.integer({ min: -20, max: 20 })), 500)) {
      const x = Number(`${m}5e${e}`);
      for (const d of [-3, -2, -1, 0, 1, 2, 3]) vals.push(step(x, d));
    }
    const out = lua(vals.map((v) => `print(${lit(v)}, string.format('%.15g|%.13g|%.16g', ${lit(v)}, ${lit(v)}, ${lit(v)}))`).join('\n')).split('\n');
    for (let i = 0; i < vals.length; i++) {
      const mine = numberToString(vals[i]) + '\t' + stringFormat('%.15g|%.13g|%.16g', [vals[i], vals[i], vals[i]], ourTostr);
      expect([vals[i], mine]).toEqual([vals[i], out[i]]);
    }
  });

  it('formatG(n, p) is printf %.<p>g (integers, halves, random doubles)', () => {
    const vals = [...NUMS, ...fc.sample(fc.oneof(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.double({ noNaN: true }), fc.integer().map((i) => i / 2)), 400)];
    const ps = [1, 2, 5, 13, 14, 15, 16, 17, 20];
    const out = lua(vals.map((v) => `print(${ps.map((p) => `string.format('%.${p}g', ${lit(v)})`).join(" .. '|' .. ")})`).join('\n')).split('\n');
    for (let i = 0; i < vals.length; i++) expect([vals[i], ps.map((p) => formatG(vals[i], p)).join('|')]).toEqual([vals[i], out[i]]);
  });

  it('ties go to even on the exact binary value', () => {
    expect(numberToString(12345678901234.5)).toBe('12345678901234');
    expect(numberToString(-0)).toBe('-0');
  });
});

describe('string.format vs lua5.1', () => {
  it('hand-written conversions, flags, widths, precisions and errors', () => {
    const cases: [string, LuaValue[]][] = [];
    const specs = ['%d', '%i', '%5d', '%-5d|', '%05d', '%+d', '% d', '%.3d', '%05.3d', '%.0d', '%x', '%X', '%#x', '%#X', '%o', '%#o', '%u', '%08x',
      '%c', '%5c|', '%-5c|', '%05c', '%e', '%E', '%.0e', '%#.0e', '%.3e', '%f', '%.0f', '%#.0f', '%.2f', '%10.3f', '%-10.3f|', '%010.3f', '%+.1f', '% f',
      '%g', '%G', '%.0g', '%#g', '%#.3g', '%.17g', '%.14g', '%.20g', '%.99f', '%.99e', '%99.99g', '%+g', '%012g', '%-+12.4e|'];
    for (const s of specs) for (const n of NUMS) cases.push([s, [n]]);
    cases.push(
      ['%s', ['abc']], ['%5.2s|', ['abcdef']], ['%-5s|', ['ab']], ['%05s', ['ab']], ['%.3s', ['a\0bc']], ['%s', ['a\0b']], ['%s', ['x'.repeat(100) + '\0y']],
      ['%.200s', ['x']], ['%5s', [12.5]], ['%s', [1e15]], ['%q', ['a\0b\r\n"\\\x01\xff']], ['%10q', ['x']], ['%q', [1 / 3]], ['%s %s', ['a']],
      ['%', [1]], ['%y', [1]], ['%------d', [1]], ['%-----d', [1]], ['%100d', [1]], ['%1.100d', [1]], ['%.d', [5]], ['%a', [1]], ['%d', []],
      ['%d', ['12']], ['%d', [' 0x10 ']], ['%d', ['x']], ['%f', ['1e2']], ['%s', [{} as unknown as LuaValue]], ['%d', [true]], ['%5', [1]],
      ['abc%%def%%', []], ['%%%d%%', [3]], ['a\0b%dc', [1]], ['%\0', [1]], ['%-#0 +5x', [255]], ['%l', [1]], ['%hd', [1]], ['%n', [1]], ['%p', [1]],
      ['%d %s %q %5.1f %x %c%c', [1700000000000, 'hi', 'q"', 3.14159, 255, 72, 105]],
    );
    compareFormats(cases);
  });

  it('generated specs and values (fast-check)', () => {
    const flag = fc.constantFrom('', '-', '+', ' ', '#', '0', '-0', '+0', '#0', '- ', '-+#');
    const width = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 40 }).map(String));
    const prec = fc.oneof(fc.constant(''), fc.constant('.'), fc.integer({ min: 0, max: 30 }).map((p) => '.' + p));
    const conv = fc.constantFrom('d', 'i', 'o', 'u', 'x', 'X', 'e', 'E', 'f', 'g', 'G', 'c');
    const num = fc.oneof(fc.double(), fc.integer().map((i) => i / 4), fc.double({ min: -1e6, max: 1e6 }), fc.integer({ min: -300, max: 300 }),
      fc.constantFrom(...NUMS));
    const cases = fc.sample(fc.tuple(flag, width, prec, conv, num).map(([f, w, p, c, n]) => ['%' + f + w + p + c, [n]] as [string, LuaValue[]]), 4000);
    compareFormats(cases);
  });

  it('generated %s / %q / %c items and mixed format strings (fast-check)', () => {
    const flag = fc.constantFrom('', '-', '0', '-0', ' ', '+', '#');
    const width = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 30 }).map(String));
    const prec = fc.oneof(fc.constant(''), fc.constant('.'), fc.integer({ min: 0, max: 30 }).map((p) => '.' + p));
    const str = fc.oneof(fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }).map((a) => String.fromCharCode(...a)),
      fc.integer({ min: 95, max: 130 }).map((n) => 'x'.repeat(n) + '\0y'), fc.double(), fc.integer());
    const item = fc.tuple(flag, width, prec, fc.constantFrom('s', 'q', 'c', 's', 'd', 'g'), str);
    const cases = fc.sample(fc.tuple(fc.array(item, { maxLength: 4 }), fc.string({ maxLength: 4 })).map(([items, sep]) => {
      const fmt = items.map(([f, w, p, c]) => (c === 'q' ? '%' + c : '%' + f + w + p + c)).join(sep.replace(/%/g, '%%'));
      return [fmt, items.map(([, , , c, v]) => (c === 'c' && typeof v === 'string' ? v.length : v))] as [string, LuaValue[]];
    }), 1500);
    compareFormats(cases);
  });
});

describe('str2number vs lua5.1 tonumber', () => {
  it('agrees', () => {
    const strs = ['10', '  12  ', '0x10', '0X1F', '0x', '0x1p4', '0x1.8p1', '-0x10', '1e', '1e5', '1.5e+', '.5', '5.', '.', '-.5e-3', 'inf', '-inf', 'infinity',
      'nan', 'nan(abc)', 'nan(', '  ', '', '1 2', '12\0x', '+5', '++5', '1e400', '-1e400', '1e-400', '0x1g', '\t\n\v\f\r 7 \t', '4e2x', '00012', '1_000',
      '0x.8', '0x8.', '0x.', '0xffffffffffffffffffff', '123456789012345678901234567890', '2.4703282292062327e-324', '2.4703282292062328e-324'];
    const out = lua(strs.map((s) => `print(string.format('%.17g', tonumber(${lit(s)}) or -12345))`).join('\n')).split('\n');
    for (let i = 0; i < strs.length; i++) {
      const v = str2number(strs[i]);
      expect([strs[i], v === undefined ? '-12345' : stringFormat('%.17g', [v], ourTostr)]).toEqual([strs[i], out[i]]);
    }
  });
});
