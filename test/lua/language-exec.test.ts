/** The engine's host API: resumable executions, budgets, kill, hooks, stack limits, readonly tables. */
import { describe, expect, it } from 'vitest';
import { LuaState, LuaError, LuaKill, LuaTable, createState, nativeFunction, type LuaValue } from '../../src/lua/index.js';

function state(): { L: LuaState; out: string[] } {
  const out: string[] = [];
  const L = new LuaState({ print: (l) => out.push(l) });
  return { L, out };
}

function errOf(f: () => unknown): LuaValue {
  try { f(); } catch (e) { if (e instanceof LuaError) return e.value; throw e; }
  throw new Error('no error');
}

describe('resumable execution', () => {
  it('pauses an endless loop and can be killed', () => {
    const { L } = state();
    const ex = L.start(L.load('local n = 0 while true do n = n + 1 end', '@user_script'));
    for (let i = 0; i < 5; i++) expect(ex.run(1000)).toEqual({ done: false });
    ex.kill(new LuaError('killed'));
    expect(() => ex.run(1000)).toThrow();
    // the state still works afterwards
    expect(L.call(L.load('return 1 + 1', '@x'))).toEqual([2]);
  });

  it('gives the same results as call(), whatever the step size', () => {
    const src = `
      local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
      local t = {}
      for i = 1, 50 do t[#t + 1] = i * i end
      local ok, v = pcall(function() local s = 0 for i = 1, 2000 do s = s + i end return s end)
      local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
      return fib(15), #t, ok, v, co(), co(), table.concat(t, ",", 1, 5)`;
    const { L } = state();
    const f = L.load(src, '@user_script');
    const expected = L.call(f);
    for (const step of [1, 7, 100, 5000]) {
      const ex = L.start(f);
      let r = ex.run(step);
      let n = 1;
      while (!r.done) { r = ex.run(step); n++; }
      expect(r.results).toEqual(expected);
      if (step === 1) expect(n).toBeGreaterThan(100);
    }
  });

  it('pauses inside pcall and inside coroutines (busy loops there are not frozen)', () => {
    const { L } = state();
    for (const src of [
      'pcall(function() while true do end end)',
      'local co = coroutine.create(function() while true do end end) coroutine.resume(co)',
      'local f = coroutine.wrap(function() while true do end end) f()',
      'xpcall(function() while true do end end, print)',
    ]) {
      const ex = L.start(L.load(src, '@user_script'));
      expect(ex.run(500)).toEqual({ done: false });
      expect(ex.run(500)).toEqual({ done: false });
      ex.kill();
    }
  });

  it('still pauses after the budget ran out inside a metamethod (synchronous section)', () => {
    const { L } = state();
    const f = L.load(`local t = setmetatable({}, {__index = function() local n = 0 for i = 1, 5000 do n = n + i end return n end})
      local x = t.a
      for i = 1, 1e7 do end
      return x`, '@user_script');
    const ex = L.start(f);
    expect(ex.run(1000)).toEqual({ done: false });
    let r = ex.run(1e6);
    let n = 1;
    while (!r.done) { r = ex.run(1e6); n++; }
    expect(r.results).toEqual([12502500]);
    expect(n).toBeGreaterThan(5);
  });

  it('reports errors with positions from run()', () => {
    const { L } = state();
    const ex = L.start(L.load('local x\nfor i = 1, 100 do end\nreturn x.y', '@user_script'));
    let err: unknown;
    try { while (!ex.run(10).done); } catch (e) { err = e; }
    expect((err as LuaError).value).toBe("user_script:3: attempt to index local 'x' (a nil value)");
  });

  it('counts ops', () => {
    const { L } = state();
    const before = L.ops;
    L.call(L.load('for i = 1, 1000 do end', '@x'));
    expect(L.ops - before).toBeGreaterThanOrEqual(1000);
  });
});

describe('hooks and kill in synchronous runs', () => {
  it('a hook can stop call() of an endless loop, and pcall does not catch the kill', () => {
    const { L } = state();
    let calls = 0;
    L.setHook(() => { if (++calls === 3) throw new LuaKill('Script killed by user'); }, 10_000);
    const f = L.load('while true do pcall(function() for i = 1, 10 do end end) end', '@user_script');
    expect(() => L.call(f)).toThrow(LuaKill);
    expect(calls).toBe(3);
    L.setHook(undefined);
  });

  it('a kill from the hook inside a metamethod is not caught by pcall either', () => {
    const { L } = state();
    L.setHook(() => { throw new LuaKill('killed'); }, 1000);
    const f = L.load(`local t = setmetatable({}, {__index = function() while true do end end})
      return pcall(function() return t.x end)`, '@user_script');
    expect(() => L.call(f)).toThrow(LuaKill);
    L.setHook(undefined);
  });
});

describe('limits', () => {
  it('deep Lua recursion is a Lua "stack overflow" error, and the state survives', () => {
    const { L } = state();
    const v = errOf(() => L.call(L.load('local function f() return 1 + f() end return f()', '@user_script')));
    expect(v).toBe('user_script:1: stack overflow');
    expect(L.call(L.load('local ok, e = pcall(function() local function g() return 1 + g() end return g() end) return ok, e', '@user_script')))
      .toEqual([false, 'user_script:1: stack overflow']);
    // also through a resumable execution
    const ex = L.start(L.load('local function f(n) return 1 + f(n + 1) end return f(1)', '@user_script'));
    expect(() => { while (!ex.run(1e6).done); }).toThrow(LuaError);
    expect(L.call(L.load('return 42', '@x'))).toEqual([42]);
  });

  it('natives calling Lua recursively hit "C stack overflow"', () => {
    const { L } = state();
    const r = L.call(L.load(`
      local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k] end
      return pcall(function() return t.x end)`, '@user_script'));
    expect(r[0]).toBe(false);
    expect(String(r[1])).toMatch(/stack overflow/);
  });
});

describe('host values', () => {
  it('readonly tables refuse writes like Redis', () => {
    const { L } = state();
    const t = new LuaTable();
    t.set('a', 1);
    t.readonly = true;
    L.globals.set('ro', t);
    expect(L.call(L.load('return pcall(function() ro.b = 1 end)', '@user_script')))
      .toEqual([false, 'user_script:1: Attempt to modify a readonly table']);
    expect(L.call(L.load('return pcall(rawset, ro, "b", 1)', '@user_script'))[1]).toMatch(/readonly/);
    expect(L.call(L.load('return ro.a', '@user_script'))).toEqual([1]);
  });

  it('natives get their arguments and return results; their errors get the Lua position', () => {
    const { L } = state();
    L.globals.set('add', nativeFunction('add', (a) => [(a[0] as number) + (a[1] as number), a.length]));
    L.globals.set('fail', nativeFunction('fail', () => { throw new LuaError('boom', undefined, 1); }));
    expect(L.call(L.load('return add(1, 2)', '@s'))).toEqual([3, 2]);
    expect(errOf(() => L.call(L.load('\n\nfail()', '@user_script')))).toBe('user_script:3: boom');
  });

  it('errors tell the source and line where they were raised (what Redis appends to script errors)', () => {
    const { L } = state();
    L.globals.set('fail', nativeFunction('fail', () => { throw new LuaError(new LuaTable()); }));
    const where = (src: string) => {
      try { L.call(L.load(src, '@user_script')); } catch (e) { return [(e as LuaError).source, (e as LuaError).line]; }
      return undefined;
    };
    expect(where('local a = 1\n\nfail()')).toEqual(['@user_script', 3]);
    expect(where('local function f()\n  error({})\nend\nf()')).toEqual(['@user_script', 2]);
    expect(where('local x\nreturn\n x.y')).toEqual(['@user_script', 3]);
    expect(where('error("boom", 0)')).toEqual(['@user_script', 1]);
  });

  it('createState opens the Redis libraries', () => {
    const L = createState({ print: () => {} });
    expect(L.call(L.load('return type(cjson), type(cmsgpack), type(bit), type(struct)', '@s'))).toEqual(['table', 'table', 'table', 'table']);
  });

  it('compile errors carry 5.1 messages and chunk names', () => {
    const { L } = state();
    expect(errOf(() => L.load('function f() return 1\n', '@user_script'))).toBe("user_script:2: 'end' expected (to close 'function' at line 1) near '<eof>'");
    expect(errOf(() => L.load('x = = 1', 'x = = 1'))).toBe(`[string "x = = 1"]:1: unexpected symbol near '='`);
    expect(errOf(() => L.load('x = = 1', '=stdin'))).toBe("stdin:1: unexpected symbol near '='");
    const P = new LuaState({ chunkNamePrefix: '@', print: () => {} });
    expect(errOf(() => P.load('x = = 1', 'user_script'))).toBe("user_script:1: unexpected symbol near '='");
    expect(P.call(P.load('return loadstring("x = = 1")', 'user_script'))[1]).toBe(`[string "x = = 1"]:1: unexpected symbol near '='`);
  });
});

describe('stepping does not change results', () => {
  it('the differential cases give the same output run by call() and stepped 3 ops at a time', async () => {
    const { CASES } = await import('./language-cases.js');
    const { buildProgram } = await import('./oracle.js');
    const all = Object.values(CASES).flat();
    const run = (stepped: boolean): string => {
      let out = '';
      const L = new LuaState({ print: (l) => { out += l + '\n'; } });
      const f = L.load(buildProgram(all), '=driver');
      try {
        if (!stepped) L.call(f);
        else { const ex = L.start(f); while (!ex.run(3).done); }
      } catch (e) {
        out += `ERR ${e instanceof LuaError ? String(e.value) : String(e)}`;
      }
      return out.replace(/0x[0-9a-f]+/g, '0xADDR');
    };
    const a = run(false), b = run(true);
    expect(b.length).toBeGreaterThan(1000);
    expect(b).toBe(a);
  });
});
