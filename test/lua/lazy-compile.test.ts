/**
 * Lazy function bodies (docs/lua.md, "Lazy function bodies"): a chunk's plain version compiles the
 * main chunk's functions on their first call. Whatever a function captures, however it is first
 * called (directly, through pcall, as a method, from a table, before or after the chunk's other
 * functions), the output must be lua5.1's; `compare` runs every case resumable (eager generator code)
 * and in plain mode (lazy bodies), against the oracle.
 */
import { describe, expect, it } from 'vitest';
import { compare, luaQuote } from './oracle.js';
import { LuaState } from '../../src/lua/index.js';

/** The case run twice from the same compiled chunk: the second run makes its functions from compiled sites. */
const twice = (src: string) => `local src = ${luaQuote(src)}
for i = 1, 2 do
  local f = assert(loadstring(src, '@user_script'))
  local ok, e = pcall(f)
  print(i, ok, e)
end`;

const CASES: Record<string, string[]> = {
  'captures': [
    // the local function's own name: the same value inside and outside
    'local function f() return f end print(f() == f, rawequal(f(), f))',
    'local function f(n) if n == 0 then return 0 end return n + f(n - 1) end print(f(10))',
    // reassigned after the closure is made (compiled eagerly)
    'local x = 1 local function g() return x end x = 2 print(g()) x = 3 print(g())',
    // assigned by the closure itself
    'local n = 0 local function inc() n = n + 1 return n end inc() inc() print(inc(), n)',
    'local n = 0 local f = function() n = n + 1 end f() f() print(n)',
    // forward-declared local assigned later
    'local a local function b() return a() end a = function() return 42 end print(b())',
    // values captured by one site and not another
    'local k, v = "x", 10 local function get(t) return t[k] end local function put(t) t[k] = v end local t = {} put(t) print(get(t))',
    // a nil local never assigned again
    'local z local function f() return z end print(f())',
    // a captured function called before its user
    'local function sq(x) return x * x end local function sum(n) local s = 0 for i = 1, n do s = s + sq(i) end return s end print(sum(5))',
    // closures made in a loop, each with its own loop variable
    'local fs = {} for i = 1, 3 do fs[i] = function() return i * 10 end end print(fs[1](), fs[2](), fs[3]())',
    'local fs = {} for _, w in ipairs({"a", "b"}) do local function f() return w .. w end fs[#fs + 1] = f end print(fs[1](), fs[2]())',
    // a function inside a lazily compiled one, capturing both levels
    'local base = 100 local function mk(d) return function(x) return base + d + x end end local f = mk(5) print(f(1), mk(7)(2))',
    'local log = {} local function outer() local c = 0 local function inner() c = c + 1 log[#log + 1] = c end inner() inner() return c end print(outer(), outer(), #log)',
    // methods and functions stored in tables
    'local obj = { v = 3 } function obj:get() return self.v end function obj.twice(x) return 2 * x end print(obj:get(), obj.twice(4))',
    'local M = {} M.f = function(...) return select("#", ...), ... end print(M.f(1, nil, 3))',
    // vararg functions and the 5.1 `arg` table
    'local function f(...) return arg.n, arg[1] end print(f("a", "b"))',
    'local function f(a, ...) local t = {...} return a, #t end print(f(1, 2, 3))',
    // a function used as a table key before and after its first call
    'local function f() return 1 end local t = { [f] = "yes" } f() print(t[f]) local u = {} u[f] = 2 print(u[f], t[f])',
    // never called
    'local function unused() error("no") end print("ok", type(unused))',
    // global functions
    'function gf(x) return x + 1 end print(gf(1)) local function h() return gf(2) end print(h())',
    // tostring of a function before its body exists
    'local function f() end print(type(tostring(f)))',
  ],
  'errors': [
    'local function f(t) return t.x.y end print(pcall(f, {}))',
    'local up = nil local function f() return up.x end print(pcall(f))',
    'local function f(a) local b = a + 1 return b end print(pcall(f, {}))',
    'local function f() return undefinedglobal.x end print(pcall(f))',
    'local obj = {} function obj:m() return self:nope() end print(pcall(obj.m, obj))',
    // an error on the first call, then a good call
    'local function f(x) return x .. "!" end print(pcall(f, {})) print(f("a"))',
    'local function f()\n  local x = 1\n\n  error("deep")\nend\nprint(pcall(f))',
    'local function f()\n  error("lvl2", 2)\nend\nlocal function g()\n  f()\nend\nprint(pcall(g))',
    'local function thrower() error({ code = 7 }) end local ok, e = pcall(thrower) print(ok, type(e), e.code)',
    // deep recursion through a function compiled on its first call
    'local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end print(pcall(r, 100000))',
    'local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end print(r(150))',
    // runtime error inside a loop of a lazily compiled function: its line
    'local function f(t)\n  for i = 1, 3 do\n    local v = t[i]\n    if i == 2 then return v.field end\n  end\nend\nprint(pcall(f, {1, 2, 3}))',
  ],
  'twice': [
    twice('local function f() return f end return f() == f'),
    twice('local n = 0 local function inc() n = n + 1 return n end inc() return inc()'),
    twice('local k = "v" local function get(t) return t[k] end return get({ v = 5 })'),
    twice('local function r(n) if n == 0 then return 0 end return n + r(n - 1) end return r(20)'),
    twice('local fs = {} for i = 1, 3 do fs[i] = function() return i end end return fs[1]() + fs[2]() + fs[3]()'),
    twice('local function f(t) return t.a.b end return f({})'),
    twice('local a local function b() return a() end a = function() return 1 end return b()'),
  ],
};

describe('lazy function bodies vs lua5.1', () => {
  for (const [topic, cases] of Object.entries(CASES)) {
    it(topic, () => {
      const bad = compare(cases);
      const report = bad.map((m) => `--- case ${m.index}: ${m.src}\n expected: ${JSON.stringify(m.expected)}\n actual:   ${JSON.stringify(m.actual)}`).join('\n');
      expect(report).toBe('');
    });
  }
});

describe('lazy function bodies', () => {
  it('a chunk run in plain mode makes its functions from sites compiled once, and from stubs before', () => {
    const out: string[] = [];
    const L = new LuaState({ print: (l) => out.push(l) });
    const src = 'local c = 0 local function f(x) c = c + x return c end local function g(x) return f(x) * 2 end return g(1), g(2), tostring(f) ~= tostring(g)';
    const fn = L.load(src, '@user_script');
    const a = L.runPlain(fn, []);
    const b = L.runPlain(L.load(src, '@user_script'), []);
    const c = L.call(fn, []);
    expect(a).toEqual([2, 6, true]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});
