/**
 * Generated chunks (fast-check) run in lua5.1 and in our engine: expressions over mixed values,
 * table building/iteration, patterns. Output and error messages must be identical.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compare } from './oracle.js';
import { luaQuote } from './oracle.js';

const SEED = Number(process.env.LUA_GEN_SEED ?? 20240607);

const atom = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom('0', '1', '2', '3', '0.5', '1e3', '2^53', '1e308', '-1', '3.25', '0.1', '1/3', '7', '10'),
  fc.constantFrom('"10"', '" 5 "', '"0x1F"', '"abc"', '""', '"1e2"', '"-3"', '"x"', '"2.5"', '"9"'),
  fc.constantFrom('nil', 'true', 'false', 'a', 'b', 's', 't', 'n', 'u', 'tbl.x', 'tbl.none', 'f()', 'g()'),
);

const BIN = ['+', '-', '*', '/', '%', '^', '..', '==', '~=', '<', '<=', '>', '>=', 'and', 'or'];

const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('e'), fc.constantFrom(...BIN), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('-', 'not ', '#'), tie('e')).map(([op, a]) => `${op}${a}`),
  ),
})).e as fc.Arbitrary<string>;

const PRELUDE = 'local a, b, s, t, n, u = 3, -2.5, "7", {}, nil, "str" local tbl = {x = 4} local function f() return 1, 2 end local function g() end\n';

describe('generated chunks vs lua5.1', () => {
  it('expressions over mixed values (arithmetic, coercion, comparison, concat, logic)', () => {
    const exprs = fc.sample(expr, { numRuns: 400, seed: SEED });
    const cases = exprs.map((e) => `${PRELUDE}print(pcall(function() return ${e} end))`);
    const bad = compare(cases, { nanSign: false });
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });

  it('table building, #, next/pairs order, sort', () => {
    const key = fc.oneof(
      fc.integer({ min: -3, max: 40 }).map(String),
      fc.constantFrom('"a"', '"b"', '"key"', '"x1"', '"x2"', '"longer_key_name"', '1.5', '2^40', 'true', '"10"', '0.5'),
    );
    const val = fc.oneof(fc.integer({ min: 0, max: 99 }).map(String), fc.constant('nil'), fc.constant('"v"'));
    const op = fc.oneof(
      fc.tuple(key, val).map(([k, v]) => `t[${k}] = ${v}`),
      fc.integer({ min: 0, max: 30 }).map((i) => `table.insert(t, ${i})`),
      fc.constant('table.remove(t)'),
      fc.integer({ min: 1, max: 5 }).map((i) => `table.remove(t, ${i})`),
    );
    const ctor = fc.array(fc.oneof(val, fc.tuple(key, val).map(([k, v]) => `[${k}] = ${v}`)), { maxLength: 8 }).map((items) => `{${items.join(', ')}}`);
    const prog = fc.tuple(ctor, fc.array(op, { maxLength: 25 })).map(([c, ops]) => `local t = ${c}\n${ops.join('\n')}
local o = {} for k, v in pairs(t) do o[#o + 1] = tostring(k) .. "=" .. tostring(v) end
print(#t, table.concat(o, " "))
local nums = {} for k, v in pairs(t) do if type(v) == "number" then nums[#nums + 1] = v end end
table.sort(nums) print(table.concat(nums, ","))
table.sort(nums, function(x, y) return x > y end) print(table.concat(nums, ","))`);
    const cases = fc.sample(prog, { numRuns: 250, seed: SEED + 1 });
    const bad = compare(cases);
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });

  it('long random insert/delete sequences (math.random drives both: glibc rand) keep C Lua\'s layout', () => {
    const cases: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      cases.push(`math.randomseed(${SEED % 1000 + seed}) local t = {}
for i = 1, 3000 do
  local r = math.random(10)
  local k
  if r <= 3 then k = math.random(200) elseif r <= 6 then k = "s" .. math.random(300) elseif r <= 7 then k = math.random(50) + 0.5 else k = math.random(2000) end
  -- string keys are not deleted: C Lua's collector marks nil-valued string keys dead at times a
  -- script cannot see (a re-inserted key may then take another node); numbers never die
  if math.random(4) == 1 and type(k) == "number" then t[k] = nil else t[k] = i end
  if i % 500 == 0 then local n = 0 for kk in pairs(t) do n = n + 1 end print(i, n, #t) end
end
local o = {} for k, v in pairs(t) do o[#o + 1] = tostring(k) end print(table.concat(o, " "))`);
    }
    const bad = compare(cases);
    expect(bad.slice(0, 2).map((m) => `${m.src}\n exp ${m.expected.slice(0, 400)}\n act ${m.actual.slice(0, 400)}`).join('\n')).toBe('');
  });

  it('patterns: find, match, gsub, gmatch', () => {
    const pitem = fc.constantFrom('a', 'b', '.', '%a', '%d', '%s', '%w', '[ab]', '[^a]', '[%d%.]', 'x', '%%', '%.', ' ', '%p', '%u', '%l', '[a-c]');
    const quant = fc.constantFrom('', '', '', '*', '+', '-', '?');
    const piece = fc.oneof(
      fc.tuple(pitem, quant).map(([i, q]) => i + q),
      fc.constantFrom('()', '%b()', '%f[%a]', '%f[%A]'),
      fc.tuple(pitem, quant).map(([i, q]) => `(${i}${q})`),
    );
    const pat = fc.tuple(fc.constantFrom('', '', '^'), fc.array(piece, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '', '$')).map(([a, p, z]) => a + p.join('') + z);
    const subj = fc.array(fc.constantFrom('a', 'b', 'c', '1', '2', '.', ' ', '(', ')', 'X', 'ab', '  ', '3.5'), { maxLength: 10 }).map((x) => x.join(''));
    const prog = fc.tuple(subj, pat, fc.integer({ min: -3, max: 5 })).map(([s, p, init]) => {
      const S = luaQuote(s), P = luaQuote(p);
      return `print(pcall(string.find, ${S}, ${P}, ${init}))
print(pcall(string.match, ${S}, ${P}))
print(pcall(string.gsub, ${S}, ${P}, "<%0>"))
print(pcall(function() local o = {} for a, b in string.gmatch(${S}, ${P}) do o[#o + 1] = tostring(a) .. "|" .. tostring(b) if #o > 20 then break end end return table.concat(o, ",") end))`;
    });
    const cases = fc.sample(prog, { numRuns: 300, seed: SEED + 2 });
    const bad = compare(cases);
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });

  it('runtime errors name the variable as 5.1 does (local, global, upvalue, field, method)', () => {
    const val = fc.constantFrom('nil', '1', '"s"', '{}', 'true', 'print');
    const ref = fc.constantFrom('L', 'G', 'U', 'T.f', 'T[1]', 'T["k"]', 'T.sub.x', '(L)', 'L2 or L', 'nil and L', '1 and L', 'f1()', '(f1())');
    const op = fc.constantFrom(
      (r: string) => `return ${r}.x`, (r: string) => `return ${r}[1]`, (r: string) => `return ${r}()`, (r: string) => `return ${r}:m()`,
      (r: string) => `return ${r} + 1`, (r: string) => `return 2 * ${r}`, (r: string) => `return -${r}`, (r: string) => `return #${r}`,
      (r: string) => `return ${r} .. "x"`, (r: string) => `return "x" .. ${r} .. "y"`, (r: string) => `return ${r} < 1`, (r: string) => `return ${r} <= ${r}`,
      (r: string) => `${r}.x = 1`, (r: string) => `return ${r} == 1`, (r: string) => `for i = ${r}, 2 do end`, (r: string) => `return ${r}.y.z`,
    );
    const prog = fc.tuple(val, ref, op).map(([v, r, o]) => `local L = ${v} G = ${v} local L2 = false local U = ${v} local T = {f = ${v}, [1] = ${v}, k = ${v}, sub = {x = ${v}}}
local function f1() return ${v} end
print(pcall(function() local _ = U ${o(r)} end))`);
    const cases = fc.sample(prog, { numRuns: 300, seed: SEED + 4 });
    const bad = compare(cases);
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });

  it('random token soup: compiles, or fails with the same message (loadstring only, nothing runs)', () => {
    const tok = fc.constantFrom(
      'local', 'function', 'end', 'if', 'then', 'else', 'elseif', 'while', 'do', 'for', 'in', 'repeat', 'until', 'return', 'break',
      'x', 'y', 'f', 't', '=', '==', '~=', '<', '>=', '+', '-', '*', '/', '%', '^', '..', '...', '#', 'not', 'and', 'or',
      '(', ')', '{', '}', '[', ']', ',', ';', ':', '.', '1', '0x1F', '1e5', '3..2', '"s"', "'q", '[[long]]', '[==[x]==]', 'nil', 'true',
      '\n', '--c\n', '--[[c]]', '@', '!', '~', '0x', '"\\300"', '[=', 'goto',
    );
    const soup = fc.array(tok, { minLength: 1, maxLength: 14 }).map((ts) => ts.join(' '));
    const cases = fc.sample(soup, { numRuns: 400, seed: SEED + 5 }).map((src) =>
      `local f, e = loadstring(${luaQuote(src)}, '@user_script') print(f and 'OK' or e)`);
    const bad = compare(cases);
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });

  it('numbers through tostring, tonumber and string.format', () => {
    const num = fc.oneof(
      fc.double({ noNaN: true }),
      fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 8),
      fc.constantFrom(0, -0, 1e15, 1e16, 123456789012345, 2 ** 53, 0.1, 1 / 3, 1e-300, 5e-324),
    );
    const prog = num.map((v) => {
      const lit = Object.is(v, -0) ? '-0' : !isFinite(v) ? (v > 0 ? '1/0' : '-1/0') : String(v);
      return `local v = ${lit} print(v, tostring(v), tonumber(tostring(v)) == v, v .. "", string.format("%d %.3f %g %5.1e", v, v, v, v))`;
    });
    const cases = fc.sample(prog, { numRuns: 200, seed: SEED + 3 });
    const bad = compare(cases);
    expect(bad.slice(0, 5).map((m) => `${m.src}\n exp ${m.expected} act ${m.actual}`).join('\n')).toBe('');
  });
});
