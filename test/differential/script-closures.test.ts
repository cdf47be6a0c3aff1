/**
 * Functions made by an EVAL script's main chunk, run after run: RedKit may give a script the
 * function its previous run made at the same place when it captured the same values (nothing of
 * that run can hold it any more; docs/lua.md, "Closures across runs"). What a script can see must
 * stay as in Redis: captured values that change between runs (strings, 0 and -0, tables made by
 * the run), identity within a run (loops, a chunk run twice through loadstring), functions left in
 * KEYS/ARGV, and the read-only string metatable through which a function could outlive a run.
 * Each script runs several times in a row, with arguments changing between runs.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair({ redkit: { redisVersion: '7.0.15' } });
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
});

/** Runs of one script with the given ARGV each time (no keys). */
const runs = (src: string, argvs: string[][]): Cmd[] => argvs.map((argv) => ['EVAL', src, '0', ...argv]);

const CASES: Array<[string, string, string[][]]> = [
  [
    'a captured string that changes between runs',
    `local x = ARGV[1]
local function f() return x end
local g = function() return f() .. '/' .. x end
return {f(), g()}`,
    [['a'], ['b'], ['b'], ['a'], ['']],
  ],
  [
    'a captured 0 then -0 (same by ==, not by 1/x)',
    `local z = tonumber(ARGV[1])
local function f() return tostring(1 / z) end
return f()`,
    [['0'], ['-0'], ['-0'], ['0'], ['1e-400'], ['-1e-400']],
  ],
  [
    'a captured number, boolean and nil',
    `local n = tonumber(ARGV[1])
local b = ARGV[2] == 'yes'
local u = ARGV[3]
local function f() return {tostring(n), tostring(b), tostring(u)} end
return f()`,
    [['1', 'yes'], ['1', 'no'], ['2', 'no', 'x'], ['2', 'no', 'x'], ['1', 'yes']],
  ],
  [
    'functions made in a loop are distinct',
    `local rcall = redis.call
local t = {}
for i = 1, 3 do t[i] = function() return rcall end end
local function k() return 1 end
local same = {}
for i = 1, 2 do same[i] = k end
return {tostring(t[1] == t[2]), tostring(t[2] == t[3]), tostring(t[1] == t[3]), tostring(same[1] == same[2])}`,
    [[], [], []],
  ],
  [
    'a table made by the run, captured',
    `local t = {}
local function push(v) t[#t + 1] = v return #t end
push(ARGV[1])
return {push('x'), t[1]}`,
    [['a'], ['b'], ['c']],
  ],
  [
    'functions capturing functions (a chain), ARGV read when called',
    `local rcall = redis.call
local function a() return ARGV[1] end
local function b() return a() .. '+' end
local function c() return b() .. rcall('PING') end
return {c(), tostring(a == a), tostring(b ~= c)}`,
    [['1'], ['2'], ['2'], ['3']],
  ],
  [
    'a function never called (its body not compiled yet), captured by another',
    `local x = ARGV[1]
local function never() return x end
local function user() return never end
local out = {tostring(user() == never)}
if ARGV[2] == 'call' then out[2] = user()() end
return out`,
    [['a'], ['b'], ['b', 'call'], ['c', 'call'], ['c'], ['d', 'call']],
  ],
  [
    'a recursive local function',
    `local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
return fact(tonumber(ARGV[1]))`,
    [['5'], ['6'], ['6'], ['1']],
  ],
  [
    'a chunk run twice in one run through loadstring makes distinct functions',
    `local g = loadstring("local r = redis.call return function() return r end")
local a, b = g(), g()
return {tostring(a == b), tostring(a() == b())}`,
    [[], [], []],
  ],
  [
    'a loadstring chunk with the script name and a captured argument',
    `local g = loadstring("local x = ... local function f() return x end return f", "@user_script")
local f1, f2 = g(ARGV[1]), g(ARGV[2])
return {f1(), f2(), tostring(f1 == f2)}`,
    [['a', 'a'], ['a', 'b'], ['a', 'a'], ['c', 'c']],
  ],
  [
    'functions as table keys',
    `local function f() end
local function g() end
local t = {[f] = 'f', [g] = 'g'}
return {t[f], t[g], tostring(t[f] == t[g])}`,
    [[], [], []],
  ],
  [
    'a function left in ARGV does not outlive the run',
    `local n = #ARGV
local function f() return n end
ARGV[n + 1] = f
KEYS[1] = f
return {#ARGV, type(ARGV[n + 1]), tostring(rawequal(ARGV[n + 1], f))}`,
    [['a'], ['a'], ['a', 'b'], []],
  ],
];

describe('closures of an EVAL script across runs', () => {
  for (const proto of [2, 3] as const) {
    for (const [title, src, argvs] of CASES) {
      it(`RESP${proto}: ${title}`, async () => {
        const c = await pair.clients(proto);
        await expectSame(c.r, c.k, runs(src, argvs));
      });
    }
  }

  it('ARGV and KEYS of the next run show nothing of the last one', async () => {
    const c = await pair.clients(2);
    const leave = `local function f() return 1 end ARGV[#ARGV + 1] = f ARGV.x = f KEYS[#KEYS + 1] = f return #ARGV`;
    const look = `return {#ARGV, #KEYS, type(ARGV[2]), type(ARGV.x), type(KEYS[1])}`;
    await expectSame(c.r, c.k, [['EVAL', leave, '0', 'a'], ['EVAL', look, '0', 'a'], ['EVAL', leave, '0', 'a'], ['EVAL', leave, '0', 'a'], ['EVAL', look, '0']]);
  });

  it('the string metatable is read-only (no function can be kept there)', async () => {
    const c = await pair.clients(2);
    const steps: Cmd[] = [
      ['EVAL', `local mt = getmetatable('') mt.keep = function() end return 1`, '0'],
      ['EVAL', `local mt = getmetatable('') mt.__index = {} return 1`, '0'],
      ['EVAL', `getmetatable('').__index.keep = function() end return 1`, '0'],
      ['EVAL', `local mt = getmetatable('') return {tostring(mt.keep), type(mt.__index), tostring(('x').keep)}`, '0'],
      ['EVAL', `return tostring(setmetatable(getmetatable(''), {}))`, '0'],
      ['EVAL', `return ('abc'):upper() .. string.rep('x', 2)`, '0'],
    ];
    await expectSame(c.r, c.k, steps);
  });
});
