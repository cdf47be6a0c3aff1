/**
 * LuaState.runPlain (plain mode): every Lua function runs as a plain JS function. It must give the
 * results and errors (values, positions) that the resumable path gives, and stop (PlainAbort,
 * undefined) exactly when a pause is needed: a native whose resumable version is needed now,
 * coroutines, the host's real-time check, the JS stack running out; pcall/xpcall do not catch that
 * stop. snapshot()/restore() put back what a replay needs (object ids, math.random).
 */
import { describe, expect, it } from 'vitest';
import { LuaError, LuaFunction, LuaState, LuaTable, nativeFunction, type LuaValue } from '../../src/lua/index.js';

/** Read-only globals as Redis's sandbox makes them (every table reachable from _G). */
function freeze(t: LuaTable, seen = new Set<LuaTable>()): void {
  if (seen.has(t)) return;
  seen.add(t);
  t.readonly = true;
  let k = t.next(undefined);
  while (k !== undefined) {
    if (k[1] instanceof LuaTable) freeze(k[1], seen);
    k = t.next(k[0]);
  }
}

interface Sandbox { L: LuaState; calls: string[]; pauses: { value: boolean } }

/** A state with a `host` table: host.log (a plain native) and host.call (a native with a resumable version). */
function sandbox(readonly = true): Sandbox {
  const L = new LuaState({ print: () => undefined });
  const calls: string[] = [];
  const pauses = { value: false };
  const host = new LuaTable();
  host.rawset('log', nativeFunction('log', (a) => {
    calls.push(a.map(String).join(' '));
    return [a.length];
  }));
  const call = new LuaFunction('call', (a) => {
    calls.push(`call ${a.map(String).join(' ')}`);
    return [`r:${String(a[0])}`];
  }, function* (_F, a) {
    calls.push(`gcall ${a.map(String).join(' ')}`);
    return [`r:${String(a[0])}`];
  }, undefined);
  call.needsG = () => pauses.value;
  host.rawset('call', call);
  L.globals.rawset('host', host);
  L.globals.rawset('KEYS', new LuaTable());
  if (readonly) freeze(L.globals);
  return { L, calls, pauses };
}

type Outcome = { ok: LuaValue[] } | { err: LuaValue; source: string | undefined; line: number | undefined };

function outcome(f: () => LuaValue[] | undefined): Outcome | undefined {
  try {
    const r = f();
    return r === undefined ? undefined : { ok: r };
  } catch (e) {
    if (!(e instanceof LuaError)) throw e;
    const v = e.value instanceof LuaTable ? `table err=${String(e.value.get('err'))}` : e.value;
    return { err: v, source: e.source, line: e.line };
  }
}

function stepped(L: LuaState, fn: LuaFunction): Outcome {
  return outcome(() => {
    const ex = L.start(fn, []);
    for (;;) {
      const r = ex.step(100_000);
      if (r !== undefined) return r;
    }
  })!;
}

describe('LuaState.runPlain', () => {
  it('runs chunks with loops, closures, method calls, pcall, metamethods and sort comparators', () => {
    const chunks = [
      "host.log('a') local s = 0 for i = 1, 10 do s = s + i end return s",
      "local n = 0 while n < 5 do n = n + 1 end repeat n = n - 2 until n < 0 return n",
      "local t = {} for k, v in pairs({a = 1, b = 2, 3}) do t[#t + 1] = tostring(k) .. '=' .. v end return table.concat(t, ',')",
      "local f = host.log f('b') local function g(x) return x * 2 end return g(21)",
      "local s = 'x' return s:upper(), ('%d'):format(3)",
      "return pcall(host.log, 'b')",
      "return pcall(error, 'x'), pcall(function() local y = nil; return y.z end)",
      "return xpcall(function() error({}) end, function(e) return type(e) end)",
      "local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t[1], t[2], t[3]",
      "local mt = {__index = function(t, k) return k .. '!' end, __call = function(self, a) return a + 1 end} local t = setmetatable({}, mt) return t.x, t(1)",
      "local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(15)",
      "local function mk() local c = 0 return function() c = c + 1 return c end end local a, b = mk(), mk() a() a() return a(), b()",
      "return (string.gsub('abc', '%w', function(c) return c:upper() .. host.call(c) end))",
      "local f = loadstring('local a = ... return a * 2') return f(4)",
      "local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end return r(1000)",
      "local function r(n) return r(n + 1) end return pcall(r, 1)",
    ];
    for (const src of chunks) {
      const a = sandbox();
      const b = sandbox();
      const plain = outcome(() => a.L.runPlain(a.L.load(src, '@user_script'), []));
      expect(plain, src).toBeDefined();
      expect(plain, src).toEqual(stepped(b.L, b.L.load(src, '@user_script')));
      expect(a.calls, src).toEqual(b.calls.map((c) => c.replace(/^gcall /, 'call ')));
    }
  });

  it('stops (undefined) where a pause is needed, and pcall does not catch the stop', () => {
    const chunks = [
      "host.log('a') host.call('x') host.log('b')",
      "host.log('a') pcall(host.call, 'x') host.log('b')",
      "host.log('a') xpcall(function() host.call('x') end, function() host.log('h') end) host.log('b')",
      "host.log('a') local co = coroutine.wrap(function() coroutine.yield(1) end) co() host.log('b')",
      "host.log('a') local co = coroutine.create(function() end) coroutine.resume(co) host.log('b')",
      "host.log('a') table.sort({2, 1}, function(x, y) host.call('x') return x < y end) host.log('b')",
    ];
    for (const src of chunks) {
      const { L, calls, pauses } = sandbox();
      pauses.value = true;
      expect(L.runPlain(L.load(src, '@user_script'), []), src).toBeUndefined();
      expect(L.aborted, src).toMatch(/^needs a generator/);
      // what ran before the stop ran; nothing after it
      expect(calls, src).toEqual(['a']);
    }
  });

  it('stops when the host check says so, inside pcall too', () => {
    const { L, calls } = sandbox();
    let checks = 0;
    const stop = () => ++checks >= 3;
    const f = L.load("host.log('a') pcall(function() while true do end end) host.log('b')", '@user_script');
    expect(L.runPlain(f, [], stop, 1000)).toBeUndefined();
    expect(L.aborted).toBe('slice');
    expect(checks).toBe(3);
    expect(calls).toEqual(['a']);
    // the resumable version of the same chunk still pauses
    const ex = L.start(f, []);
    expect(ex.step(1000)).toBeUndefined();
    ex.kill();
  });

  it('stops when the JS stack runs out (the resumable path keeps the Lua depth limit)', () => {
    const { L } = sandbox();
    const f = L.load('local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end\nreturn pcall(r, 2000)', '@user_script');
    // run it with little JS stack left: the deepest JS recursion from which runPlain is reached at all
    let result: LuaValue[] | undefined | 'none' = 'none';
    const at = (n: number): void => {
      if (n > 0) { at(n - 1); return; }
      result = L.runPlain(f, []);
    };
    let max = 0;
    const probe = (n: number): void => { max = n; probe(n + 1); };
    try { probe(0); } catch { /* RangeError */ }
    for (let d = max; d > 0; d -= 20) {
      try {
        at(d);
        break;
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
      }
    }
    expect(result).toBeUndefined();
    expect(L.aborted).toBe('stack');
    // the state is usable again, and the resumable run gives 5.1's answer
    expect(stepped(L, f)).toEqual({ ok: [true, 2000] });
  });

  it('snapshot/restore put back object addresses and math.random', () => {
    const { L } = sandbox();
    const f = L.load('return tostring({}), tostring(function() end), math.random(1000), math.random()', '@user_script');
    const snap = L.snapshot();
    const r1 = L.runPlain(f, []);
    L.restore(snap);
    const r2 = stepped(L, f);
    expect(r2).toEqual({ ok: r1 });
    const r3 = L.runPlain(f, []);
    expect(r3).not.toEqual(r1);
  });

  it('leaves the state usable after an error, and counts its ops', () => {
    const { L } = sandbox();
    const before = L.ops;
    expect(() => L.runPlain(L.load("error('x')", '@user_script'), [])).toThrow(LuaError);
    expect(L.ops).toBeGreaterThan(before);
    expect(L.runPlain(L.load('return 7', '@user_script'), [])).toEqual([7]);
    expect(L.call(L.load('local s = 0 for i = 1, 10 do s = s + i end return s', '@y'))).toEqual([55]);
  });

  it('gives the results and errors (value, chunk, line) of the resumable path', () => {
    const chunks = [
      'return 1, 2, 3',
      "return host.log('a', 'b'), host.call(1, 2)",
      'local t = {3, 1, 2}\ntable.sort(t)\nreturn table.concat(t, ",")',
      'local x = nil\nreturn x + 1',
      "\n\nerror('boom')",
      "error('lvl2', 2)",
      "local function f()\n  error('lvl2', 2)\nend\nf()",
      'error({code = 1})',
      "return string.rep('x', -1) .. string.format('%d', 'x')",
      "local t = setmetatable({}, {__index = string})\nreturn type(t.upper), rawget(t, 'upper'), t.nope.x",
      "local ok = true\nif ok then\n  return host.call('a')\nelse\n  return 2\nend",
      'return select("#", 1, nil, 3), tostring(nil)',
      'return #KEYS, KEYS[1]',
      'return tonumber("0x10"), math.max(1, 5, 3)',
      "local s = 'x'\nreturn s:rep(1, 2, 3) .. s:bad()",
      'return nosuch.f()',
      'local t = {}\nt.x.y = 1',
      "local function r() return r() end\nreturn r()",
    ];
    for (const src of chunks) {
      const a = sandbox();
      const b = sandbox();
      const fa = a.L.load(src, '@user_script');
      const fb = b.L.load(src, '@user_script');
      const plain = outcome(() => a.L.runPlain(fa, []));
      expect(plain, src).toBeDefined();
      const res = stepped(b.L, fb);
      expect(plain, src).toEqual(res);
      expect(a.calls, src).toEqual(b.calls.map((c) => c.replace(/^gcall /, 'call ')));
    }
  });
});
