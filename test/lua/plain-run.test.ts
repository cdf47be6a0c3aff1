/**
 * LuaState.runPlain: a main chunk that cannot need to pause runs as a plain function (no
 * generator). It must run exactly when that is safe (no loops, calls only through global field
 * chains of read-only tables to natives that need not pause), run nothing otherwise, and give the
 * results and errors (values, positions) that the resumable path gives.
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
  it('runs loop-free chunks calling natives through read-only global chains', () => {
    const { L, calls } = sandbox();
    const f = L.load("local a = host.log('x', 1)\nlocal s = string.upper('ab') .. tostring(a)\nreturn s, host.call('GET', 'k'), #KEYS", '@user_script');
    expect(L.runPlain(f, [], 1000)).toEqual(['AB2', 'r:GET', 0]);
    // the plain version of host.call ran (needsG said no)
    expect(calls).toEqual(['x 1', 'call GET k']);
  });

  it('runs nothing and answers undefined when the chunk could need to pause', () => {
    const chunks = [
      "host.log('a') for i = 1, 2 do end",
      "host.log('a') while false do end",
      "host.log('a') repeat until true",
      "host.log('a') for k in pairs({}) do end",
      "host.log('a') local f = host.log f('b')",
      "host.log('a') local function g() end g()",
      "host.log('a') local s = 'x' return s:upper()",
      "host.log('a') pcall(host.log, 'b')",
      "host.log('a') return (host.log)('b')",
      "host.log('a') return host['log']('b') .. host[1]()",
      // nested functions: not compiled twice (a FUNCTION LOAD library is such a chunk)
      "host.log('a') local function g() end return 1",
      "host.log('a') local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end)",
    ];
    for (const src of chunks) {
      const { L, calls } = sandbox();
      const f = L.load(src, '@user_script');
      expect(L.runPlain(f, [], 1000), src).toBeUndefined();
      expect(calls, src).toEqual([]);
    }
  });

  it('needs read-only tables along the chains, and natives that need not pause', () => {
    const src = "host.log('a') return host.call('b')";
    const open = sandbox(false);
    expect(open.L.runPlain(open.L.load(src, '@user_script'), [], 1000)).toBeUndefined();
    const paused = sandbox();
    paused.pauses.value = true;
    const f = paused.L.load(src, '@user_script');
    expect(paused.L.runPlain(f, [], 1000)).toBeUndefined();
    expect(paused.calls).toEqual([]);
    // a chain through a missing global or a non-table: the resumable path raises the error
    const { L } = sandbox();
    expect(L.runPlain(L.load('return nosuch.f()', '@user_script'), [], 1000)).toBeUndefined();
    expect(L.runPlain(L.load('return host.log.x()', '@user_script'), [], 1000)).toBeUndefined();
  });

  it('gives the results and errors (value, chunk, line) of the resumable path', () => {
    const chunks = [
      'return 1, 2, 3',
      "return host.log('a', 'b'), host.call(1, 2)",
      'local t = {3, 1, 2}\ntable.sort(t)\nreturn table.concat(t, ",")',
      'local x = nil\nreturn x + 1',
      "\n\nerror('boom')",
      "error('lvl2', 2)",
      'error({code = 1})',
      "return string.rep('x', -1) .. string.format('%d', 'x')",
      "local t = setmetatable({}, {__index = string})\nreturn type(t.upper), rawget(t, 'upper'), t.nope.x",
      "local ok = true\nif ok then\n  return host.call('a')\nelse\n  return 2\nend",
      'return select("#", 1, nil, 3), tostring(nil)',
      'return #KEYS, KEYS[1]',
      'return tonumber("0x10"), math.max(1, 5, 3)',
    ];
    for (const src of chunks) {
      const a = sandbox();
      const b = sandbox();
      const fa = a.L.load(src, '@user_script');
      const fb = b.L.load(src, '@user_script');
      const plain = outcome(() => a.L.runPlain(fa, [], 100_000));
      expect(plain, src).toBeDefined();
      const res = stepped(b.L, fb);
      expect(plain, src).toEqual(res);
      expect(a.calls, src).toEqual(b.calls.map((c) => c.replace(/^gcall /, 'call ')));
    }
  });

  it('leaves the state usable after an error, and counts its ops', () => {
    const { L } = sandbox();
    const before = L.ops;
    expect(() => L.runPlain(L.load("error('x')", '@user_script'), [], 1000)).toThrow(LuaError);
    expect(L.ops).toBeGreaterThan(before);
    expect(L.runPlain(L.load('return 7', '@user_script'), [], 1000)).toEqual([7]);
    expect(L.call(L.load('local s = 0 for i = 1, 10 do s = s + i end return s', '@y'))).toEqual([55]);
  });
});
